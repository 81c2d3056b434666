// The topics of Vitrina: one event type per topic, Avro values named by TopicNameStrategy
// (subject "<topic>-value"), UTF-8 string keys. Entity topics are compacted and keyed by the
// entity id, so replaying one from offset 0 yields the latest event of every entity. Event-log
// topics that projections are rebuilt from keep everything (retention -1); plain streams expire.
import type { Admin, ITopicConfig } from 'kafkajs';
import type * as Events from '../schemas/types.generated.ts';
import { processConfig } from '../platform/config.ts';
import { processSettings } from '../platform/env-table.ts';

export type TopicKind = 'entity' | 'log' | 'stream';

export interface TopicSpec {
  name: string;
  kind: TopicKind;
  partitions: number;
  /** Avro schema file under schemas/ (without .avsc), or 'json' for foreign payloads. */
  value: string;
  /** What the record key holds. */
  key: string;
  retentionMs?: number;
}

const DAY = 24 * 60 * 60 * 1000;

/**
 * Put before every topic name ($VITRINA_TOPIC_PREFIX of the process's settings, default none): a
 * namespace of its own on a shared Kafka (`bench pipeline` runs its processes with one). The names
 * keep their literal types; a process has one set of topics, so they are constants read at start.
 */
export const TOPIC_PREFIX_VARIABLE = 'VITRINA_TOPIC_PREFIX';
export const topicPrefix = processSettings().VITRINA_TOPIC_PREFIX;
if (!/^[a-zA-Z0-9._-]*$/.test(topicPrefix)) throw new Error(`${TOPIC_PREFIX_VARIABLE} may hold only letters, digits, '.', '_' and '-', got "${topicPrefix}"`);
const named = <N extends string>(name: N): N => `${topicPrefix}${name}` as N;

export const topics = {
  products: { name: named('vitrina.products'), kind: 'entity', partitions: 6, value: 'ProductIngested', key: 'product id' },
  embeddings: { name: named('vitrina.embeddings'), kind: 'entity', partitions: 6, value: 'ProductEmbedded', key: '<model version>/<product id>' },
  trainingRequested: { name: named('vitrina.training-runs.requested'), kind: 'log', partitions: 1, value: 'TrainingRunRequested', key: 'run id' },
  trainingPrepared: { name: named('vitrina.training-runs.prepared'), kind: 'log', partitions: 1, value: 'TrainingRunPrepared', key: 'run id' },
  trainingCompleted: { name: named('vitrina.training-runs.completed'), kind: 'log', partitions: 1, value: 'TrainingRunCompleted', key: 'run id' },
  evaluations: { name: named('vitrina.evaluations'), kind: 'log', partitions: 1, value: 'EvaluationCompleted', key: 'model version' },
  promotions: { name: named('vitrina.model-promotions'), kind: 'log', partitions: 1, value: 'ModelPromoted', key: 'model name' },
  promotionDecisions: { name: named('vitrina.promotion-decisions'), kind: 'log', partitions: 1, value: 'PromotionDecided', key: 'run id' },
  predictions: { name: named('vitrina.image-predictions'), kind: 'stream', partitions: 3, value: 'ImagePrediction', key: 'bucket/object key', retentionMs: 7 * DAY },
  uploads: { name: named('vitrina.uploads.notifications'), kind: 'stream', partitions: 3, value: 'json', key: 'bucket/object key (set by MinIO)', retentionMs: 7 * DAY },
  uploadsHandled: { name: named('vitrina.uploads.handled'), kind: 'entity', partitions: 3, value: 'UploadHandled', key: '<bucket>/<object key>#<etag>' },
  deadLetter: { name: named('vitrina.dead-letter'), kind: 'stream', partitions: 1, value: 'DeadLetter', key: 'source topic', retentionMs: 30 * DAY },
} as const satisfies Record<string, TopicSpec>;

export type TopicName = (typeof topics)[keyof typeof topics]['name'];

export const allTopics: TopicSpec[] = Object.values(topics);

/**
 * The copies a write must reach before it is acknowledged (producers send with acks=all): one less
 * than the replication factor, so a cluster of three keeps accepting writes with one broker down and
 * an acknowledged write survives the loss of any one broker; 1 on a single broker.
 */
export function minInsyncReplicas(replicationFactor: number): number {
  return Math.max(1, replicationFactor - 1);
}

export function topicConfig(spec: TopicSpec, replicationFactor = processConfig().kafkaReplicationFactor): Record<string, string> {
  const insync = { 'min.insync.replicas': String(minInsyncReplicas(replicationFactor)) };
  switch (spec.kind) {
    case 'entity':
      return { 'cleanup.policy': 'compact', 'min.compaction.lag.ms': '0', 'segment.ms': String(DAY), ...insync };
    case 'log':
      return { 'cleanup.policy': 'delete', 'retention.ms': '-1', 'retention.bytes': '-1', ...insync };
    case 'stream':
      return { 'cleanup.policy': 'delete', 'retention.ms': String(spec.retentionMs ?? 7 * DAY), ...insync };
  }
}

export function valueSubject(topic: string): string {
  return `${topic}-value`;
}

/** Creates the topics that are missing and brings the configs of existing ones in line. */
export async function ensureTopics(admin: Admin, specs: TopicSpec[] = allTopics, replicationFactor = processConfig().kafkaReplicationFactor): Promise<string[]> {
  const existing = new Set(await admin.listTopics());
  const missing: ITopicConfig[] = specs
    .filter((spec) => !existing.has(spec.name))
    .map((spec) => ({
      topic: spec.name,
      numPartitions: spec.partitions,
      replicationFactor,
      configEntries: Object.entries(topicConfig(spec, replicationFactor)).map(([name, value]) => ({ name, value })),
    }));
  if (missing.length > 0) await admin.createTopics({ topics: missing, waitForLeaders: true });
  const present = specs.filter((spec) => existing.has(spec.name));
  if (present.length > 0) {
    // An existing topic keeps the replication factor it was made with; its min.insync follows that,
    // not the caller's setting (a client that reaches a cluster without its settings must not lower it).
    const metadata = await admin.fetchTopicMetadata({ topics: present.map((spec) => spec.name) });
    const copies = new Map(metadata.topics.map((t) => [t.name, t.partitions[0]?.replicas.length ?? replicationFactor]));
    await admin.alterConfigs({
      validateOnly: false,
      resources: present.map((spec) => ({
        type: 2, // TOPIC
        name: spec.name,
        configEntries: Object.entries(topicConfig(spec, copies.get(spec.name) ?? replicationFactor)).map(([name, value]) => ({ name, value })),
      })),
    });
  }
  return missing.map((t) => t.topic);
}

/** The event type each Avro topic carries. */
export interface EventOf {
  'vitrina.products': Events.ProductIngested;
  'vitrina.embeddings': Events.ProductEmbedded;
  'vitrina.training-runs.requested': Events.TrainingRunRequested;
  'vitrina.training-runs.prepared': Events.TrainingRunPrepared;
  'vitrina.training-runs.completed': Events.TrainingRunCompleted;
  'vitrina.evaluations': Events.EvaluationCompleted;
  'vitrina.model-promotions': Events.ModelPromoted;
  'vitrina.promotion-decisions': Events.PromotionDecided;
  'vitrina.image-predictions': Events.ImagePrediction;
  'vitrina.uploads.handled': Events.UploadHandled;
  'vitrina.dead-letter': Events.DeadLetter;
}

export type AvroTopic = keyof EventOf;

export function specOf(name: string): TopicSpec {
  const spec = allTopics.find((t) => t.name === name);
  if (!spec) throw new Error(`unknown topic ${name}`);
  return spec;
}
