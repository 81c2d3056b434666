// The stream side of the pipeline status: every topic (partitions, messages) and each processor's
// consumer group (state, lag), read over one cached Kafka admin connection that is dropped after a
// failure so the next read opens a fresh one. The gateway's GET /pipeline reads it through its port
// (gateway/plugins/pipeline.ts StreamStatusSource); the composition (cli/) builds it.
import type { Admin, Kafka } from 'kafkajs';
import { groupLag, totalLag } from './lag.ts';
import { allTopics } from './topics.ts';

export interface ProcessorGroup {
  processor: string;
  groupId: string;
  topics: string[];
}

export interface StreamStatus {
  topics: Array<{ name: string; kind: string; partitions: number; messages: number }>;
  consumers: Array<ProcessorGroup & { state: string; lag: number }>;
}

export interface KafkaStreamStatus {
  read(): Promise<StreamStatus>;
  /** Drops the admin connection (after a failure, or to close). */
  reset(): void;
}

export function kafkaStreamStatus(kafka: Pick<Kafka, 'admin'>, processors: ProcessorGroup[]): KafkaStreamStatus {
  let admin: Promise<Admin> | undefined;
  const connected = (): Promise<Admin> => {
    admin ??= (async () => {
      const client = kafka.admin();
      await client.connect();
      return client;
    })();
    return admin;
  };
  return {
    async read() {
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
    },
    reset() {
      const dropped = admin;
      admin = undefined;
      void dropped?.then((client) => client.disconnect()).catch(() => undefined);
    },
  };
}
