// GET /pipeline: the topics (partitions, messages), each processor's consumer group (state, lag),
// dead-letter counts and the latest ImagePrediction events, for the UI's pipeline page. Kafka is
// only asked for offsets and group states; the rest comes from the pipeline projection.
import type { FastifyPluginAsync } from 'fastify';
import type { Admin, Kafka } from 'kafkajs';
import type { Db } from '../../projections/db.ts';
import { deadLetterCounts, latestPredictions } from '../../projections/pipeline/queries.ts';
import { groupLag, totalLag } from '../../streams/lag.ts';
import { allTopics } from '../../streams/topics.ts';
import { withTimeout } from '../http.ts';

export interface ProcessorGroup {
  processor: string;
  groupId: string;
  topics: string[];
}

export interface PipelineRoutesOptions {
  db: Db;
  kafka: Pick<Kafka, 'admin'>;
  processors: ProcessorGroup[];
  /** How long a request waits for Kafka before answering 503, in ms. */
  timeoutMs?: number;
}

export const pipelineRoutes: FastifyPluginAsync<PipelineRoutesOptions> = async (app, { db, kafka, processors, timeoutMs = 3000 }) => {
  // One admin connection for every request, opened on the first and dropped after a failure so the
  // next request opens a fresh one.
  let admin: Promise<Admin> | undefined;
  const connected = (): Promise<Admin> => {
    admin ??= (async () => {
      const client = kafka.admin();
      await client.connect();
      return client;
    })();
    return admin;
  };
  const drop = (): void => {
    const dropped = admin;
    admin = undefined;
    void dropped?.then((client) => client.disconnect()).catch(() => undefined);
  };
  app.addHook('onClose', async () => drop());

  const status = async () => {
    const client = await connected();
    const existing = new Set(await client.listTopics());
    const topics = [];
    for (const spec of allTopics.filter((t) => existing.has(t.name))) {
      const offsets = await client.fetchTopicOffsets(spec.name);
      topics.push({ name: spec.name, kind: spec.kind, partitions: offsets.length, messages: offsets.reduce((n, p) => n + Number(p.high) - Number(p.low), 0) });
    }
    const described = await client.describeGroups(processors.map((p) => p.groupId));
    const consumers = [];
    for (const p of processors) {
      const state = described.groups.find((g) => g.groupId === p.groupId)?.state ?? 'Unknown';
      const lag = totalLag(await groupLag(client, p.groupId, p.topics.filter((t) => existing.has(t))));
      consumers.push({ ...p, state, lag });
    }
    return { topics, consumers };
  };

  // Its own deadline (gateway/deadline.ts) is longer than the wait for Kafka, so a Kafka outage is
  // answered with the message below rather than the generic one.
  app.get('/pipeline', { config: { deadlineMs: timeoutMs + 2000 }, schema: { hide: false, summary: 'topics, consumer lag, dead letters and latest image predictions' } }, async (request, reply) => {
    let kafkaPart;
    try {
      kafkaPart = await withTimeout(status(), timeoutMs, 'Kafka');
    } catch (err) {
      drop();
      request.log.warn({ err }, 'pipeline status unavailable');
      void reply.header('Retry-After', '5');
      return reply.code(503).send({ error: 'Service Unavailable', message: 'the pipeline status is unavailable: Kafka did not answer; try again shortly', statusCode: 503 });
    }
    return { generatedAt: new Date().toISOString(), ...kafkaPart, deadLetters: await deadLetterCounts(db), predictions: await latestPredictions(db) };
  });
};
