// GET /pipeline: the topics (partitions, messages), each processor's consumer group (state, lag),
// dead-letter counts and the latest ImagePrediction events, for the UI's pipeline page. Kafka is
// only asked for offsets and group states; the rest comes from the pipeline projection.
import type { FastifyPluginAsync } from 'fastify';
import type { Kafka } from 'kafkajs';
import type { Db } from '../../projections/db.ts';
import { deadLetterCounts, latestPredictions } from '../../projections/pipeline/queries.ts';
import { groupLag, totalLag } from '../../streams/lag.ts';
import { allTopics } from '../../streams/topics.ts';

export interface ProcessorGroup {
  processor: string;
  groupId: string;
  topics: string[];
}

export interface PipelineRoutesOptions {
  db: Db;
  kafka: Kafka;
  processors: ProcessorGroup[];
}

export const pipelineRoutes: FastifyPluginAsync<PipelineRoutesOptions> = async (app, { db, kafka, processors }) => {
  app.get('/pipeline', { schema: { hide: false, summary: 'topics, consumer lag, dead letters and latest image predictions' } }, async (_request, reply) => {
    const admin = kafka.admin();
    try {
      await admin.connect();
      const existing = new Set(await admin.listTopics());
      const topics = [];
      for (const spec of allTopics.filter((t) => existing.has(t.name))) {
        const offsets = await admin.fetchTopicOffsets(spec.name);
        topics.push({ name: spec.name, kind: spec.kind, partitions: offsets.length, messages: offsets.reduce((n, p) => n + Number(p.high) - Number(p.low), 0) });
      }
      const described = await admin.describeGroups(processors.map((p) => p.groupId));
      const consumers = [];
      for (const p of processors) {
        const state = described.groups.find((g) => g.groupId === p.groupId)?.state ?? 'Unknown';
        const lag = totalLag(await groupLag(admin, p.groupId, p.topics.filter((t) => existing.has(t))));
        consumers.push({ ...p, state, lag });
      }
      return { generatedAt: new Date().toISOString(), topics, consumers, deadLetters: await deadLetterCounts(db), predictions: await latestPredictions(db) };
    } catch (err) {
      return reply.code(503).send({ error: 'Service Unavailable', message: `pipeline status unavailable: ${(err as Error).message}`, statusCode: 503 });
    } finally {
      await admin.disconnect().catch(() => undefined);
    }
  });
};
