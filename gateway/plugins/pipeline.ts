// GET /pipeline: the topics (partitions, messages), each processor's consumer group (state, lag),
// dead-letter counts and the latest ImagePrediction events, for the UI's pipeline page. The stream
// side comes through a port (StreamStatusSource; cli/ plugs in streams/status.ts over Kafka), the
// rest from the pipeline projection.
import type { FastifyPluginAsync } from 'fastify';
import type { Db } from '../../projections/db.ts';
import { deadLetterCounts, latestPredictions } from '../../projections/pipeline/queries.ts';
import { withTimeout } from '../../platform/timeout.ts';

/** What the gateway needs to know of the streams: topics and consumer groups, as the UI shows them. */
export interface StreamStatusSource {
  read(): Promise<{ topics: unknown[]; consumers: unknown[] }>;
  /** Called after a failed read, and when the gateway closes: drop any connection. */
  reset(): void;
}

export interface PipelineRoutesOptions {
  db: Db;
  streams: StreamStatusSource;
  /** How long a request waits for the stream status before answering 503, in ms. */
  timeoutMs?: number;
}

export const pipelineRoutes: FastifyPluginAsync<PipelineRoutesOptions> = async (app, { db, streams, timeoutMs = 3000 }) => {
  app.addHook('onClose', async () => streams.reset());

  // Its own deadline (gateway/deadline.ts) is longer than the wait for Kafka, so a Kafka outage is
  // answered with the message below rather than the generic one.
  app.get('/pipeline', { config: { deadlineMs: timeoutMs + 2000 }, schema: { hide: false, summary: 'topics, consumer lag, dead letters and latest image predictions' } }, async (request, reply) => {
    let kafkaPart;
    try {
      kafkaPart = await withTimeout(streams.read(), timeoutMs, 'Kafka');
    } catch (err) {
      streams.reset();
      request.log.warn({ err }, 'pipeline status unavailable');
      void reply.header('Retry-After', '5');
      return reply.code(503).send({ error: 'Service Unavailable', message: 'the pipeline status is unavailable: Kafka did not answer; try again shortly', statusCode: 503 });
    }
    return { generatedAt: new Date().toISOString(), ...kafkaPart, deadLetters: await deadLetterCounts(db), predictions: await latestPredictions(db) };
  });
};
