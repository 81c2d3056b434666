// The pipeline read model behind the UI's pipeline page: every ImagePrediction (latest per object)
// and every dead letter (counted per processor and source topic, with the last reason).
import type { DeadLetter, ImagePrediction } from '../../schemas/types.generated.ts';
import { topics } from '../../streams/topics.ts';
import { physical } from '../catalog.ts';
import { ident } from '../db.ts';
import type { Projection } from '../projection.ts';

export const pipelineProjection: Projection = {
  name: 'pipeline',
  topics: [topics.predictions.name, topics.deadLetter.name],
  tables: ['image_predictions', 'dead_letters'],

  async create(client, generation) {
    await client.query(`
      CREATE TABLE IF NOT EXISTS ${ident(physical('image_predictions', generation))} (
        bucket text NOT NULL, object_key text NOT NULL, etag text NOT NULL, model_version text NOT NULL,
        predicted_article_type text, confidence double precision NOT NULL, neighbours jsonb NOT NULL,
        predicted_at timestamptz NOT NULL, PRIMARY KEY (bucket, object_key));
      CREATE TABLE IF NOT EXISTS ${ident(physical('dead_letters', generation))} (
        processor text NOT NULL, source_topic text NOT NULL, count bigint NOT NULL,
        last_error_class text NOT NULL, last_error_message text NOT NULL, last_failed_at timestamptz NOT NULL,
        PRIMARY KEY (processor, source_topic))`);
  },

  async apply(client, generation, batch) {
    const predictions = ident(physical('image_predictions', generation));
    const letters = ident(physical('dead_letters', generation));
    for (const m of batch) {
      if (m.topic === topics.predictions.name) {
        const p = m.value as ImagePrediction;
        await client.query(
          `INSERT INTO ${predictions} VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
           ON CONFLICT (bucket, object_key) DO UPDATE SET etag = EXCLUDED.etag, model_version = EXCLUDED.model_version,
             predicted_article_type = EXCLUDED.predicted_article_type, confidence = EXCLUDED.confidence,
             neighbours = EXCLUDED.neighbours, predicted_at = EXCLUDED.predicted_at`,
          [p.bucket, p.objectKey, p.etag, p.modelVersion, p.predictedArticleType, p.confidence, JSON.stringify(p.neighbours), new Date(p.predictedAt)],
        );
      } else {
        const d = m.value as DeadLetter;
        await client.query(
          `INSERT INTO ${letters} VALUES ($1, $2, 1, $3, $4, $5)
           ON CONFLICT (processor, source_topic) DO UPDATE SET count = ${letters}.count + 1,
             last_error_class = EXCLUDED.last_error_class, last_error_message = EXCLUDED.last_error_message, last_failed_at = EXCLUDED.last_failed_at`,
          [d.processor, d.sourceTopic, d.errorClass, d.errorMessage, new Date(d.failedAt)],
        );
      }
    }
  },
};
