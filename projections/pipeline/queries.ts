// What the gateway's pipeline endpoint reads from the pipeline projection.
import type { Db } from '../db.ts';

export interface DeadLetterCount {
  processor: string;
  sourceTopic: string;
  count: number;
  lastErrorClass: string | null;
  lastErrorMessage: string | null;
  lastFailedAt: string | null;
}

export interface PredictionRow {
  bucket: string;
  objectKey: string;
  etag: string;
  modelVersion: string;
  predictedArticleType: string | null;
  confidence: number;
  neighbours: Array<{ productId: number; score: number; articleType: string | null }>;
  predictedAt: string;
}

function missingTable(err: unknown): boolean {
  return (err as { code?: string }).code === '42P01'; // the projection has not received its first event
}

export async function deadLetterCounts(db: Db): Promise<DeadLetterCount[]> {
  try {
    const { rows } = await db.query(`SELECT processor, source_topic, count, last_error_class, last_error_message, last_failed_at FROM dead_letters ORDER BY last_failed_at DESC`);
    return rows.map((r) => ({ processor: r.processor, sourceTopic: r.source_topic, count: Number(r.count), lastErrorClass: r.last_error_class, lastErrorMessage: r.last_error_message, lastFailedAt: new Date(r.last_failed_at).toISOString() }));
  } catch (err) {
    if (missingTable(err)) return [];
    throw err;
  }
}

export async function latestPredictions(db: Db, limit = 20): Promise<PredictionRow[]> {
  try {
    const { rows } = await db.query(`SELECT * FROM image_predictions ORDER BY predicted_at DESC LIMIT $1`, [limit]);
    return rows.map((r) => ({
      bucket: r.bucket, objectKey: r.object_key, etag: r.etag, modelVersion: r.model_version, predictedArticleType: r.predicted_article_type,
      confidence: Number(r.confidence), neighbours: r.neighbours, predictedAt: new Date(r.predicted_at).toISOString(),
    }));
  } catch (err) {
    if (missingTable(err)) return [];
    throw err;
  }
}
