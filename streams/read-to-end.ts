// Reads topics from their beginning up to the end they had when the read started, with a throwaway
// consumer group: the way to fold a compacted entity topic into "the latest event of every key"
// (foldLatest) or a log into its history (readEvents), both under the one poison policy.
import crypto from 'node:crypto';
import type { Kafka, KafkaMessage } from 'kafkajs';
import type { EventCodec } from './codec.ts';
import { decodeOrPoison, type PolicyOptions } from './poison-policy.ts';
import type { AvroTopic, EventOf } from './topics.ts';

/** Where a read starts in a partition (default its beginning); a partition already read past its end is skipped. */
export type StartAt = (topic: string, partition: number) => bigint;

export async function readToEnd(
  kafka: Kafka,
  topicNames: string[],
  onMessage: (topic: string, partition: number, message: KafkaMessage) => Promise<void> | void,
  timeoutMs = 10 * 60 * 1000,
  startAt: StartAt = () => 0n,
): Promise<number> {
  const admin = kafka.admin();
  await admin.connect();
  const remaining = new Map<string, bigint>();
  const seeks: Array<{ topic: string; partition: number; offset: string }> = [];
  try {
    for (const topic of topicNames) {
      for (const p of await admin.fetchTopicOffsets(topic)) {
        const start = startAt(topic, p.partition);
        if (BigInt(p.high) > BigInt(p.low) && BigInt(p.high) > start) remaining.set(`${topic}#${p.partition}`, BigInt(p.high));
        if (start > BigInt(p.low) && BigInt(p.high) > start) seeks.push({ topic, partition: p.partition, offset: String(start) });
      }
    }
  } finally {
    await admin.disconnect();
  }
  if (remaining.size === 0) return 0;
  const groupId = `vitrina.read.${crypto.randomBytes(6).toString('hex')}`;
  const consumer = kafka.consumer({ groupId, allowAutoTopicCreation: false, maxBytes: 32 * 1024 * 1024 });
  let count = 0;
  let failure: unknown;
  await consumer.connect();
  try {
    await consumer.subscribe({ topics: topicNames, fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachBatch: async ({ batch }) => {
        const key = `${batch.topic}#${batch.partition}`;
        const end = remaining.get(key);
        const start = startAt(batch.topic, batch.partition);
        for (const message of batch.messages) {
          if (end === undefined || BigInt(message.offset) >= end) break;
          if (BigInt(message.offset) < start) continue; // fetched before the seek took effect
          try {
            await onMessage(batch.topic, batch.partition, message);
          } catch (err) {
            failure = err;
            throw err;
          }
          count += 1;
          if (BigInt(message.offset) + 1n >= end) remaining.delete(key);
        }
      },
    });
    for (const seek of seeks) consumer.seek(seek);
    const deadline = Date.now() + timeoutMs;
    while (remaining.size > 0 && !failure) {
      if (Date.now() > deadline) throw new Error(`reading ${topicNames.join(', ')} to the end timed out`);
      await new Promise((r) => setTimeout(r, 50));
    }
    if (failure) throw failure;
  } finally {
    await consumer.disconnect();
    const cleanup = kafka.admin();
    await cleanup.connect();
    await cleanup.deleteGroups([groupId]).catch(() => undefined);
    await cleanup.disconnect();
  }
  return count;
}

/** Where a decoded event stood on its topic. */
export interface EventAt {
  partition: number;
  message: KafkaMessage;
}

/**
 * Every event of a topic from its beginning to the end it had when the read started, decoded, under
 * the one poison policy (poison-policy.ts): a transient failure (the registry unreachable) is retried
 * and then fails the read, so no reader ever folds an incomplete log; poison (no Avro framing, an
 * unknown schema id, an undecodable body) is skipped and counted, since the live processor that owns
 * the topic dead-letters it. Returns how many events were read and how many were poison.
 */
export async function readEvents<T extends AvroTopic>(
  kafka: Kafka,
  codec: EventCodec,
  topic: T,
  onEvent: (event: EventOf[T], at: EventAt) => void,
  options: PolicyOptions & { startAt?: StartAt } = {},
): Promise<{ events: number; poison: number }> {
  let events = 0;
  let poison = 0;
  await readToEnd(kafka, [topic], async (_topic, partition, message) => {
    if (!message.value) return;
    const value = message.value;
    const decoded = await decodeOrPoison(() => codec.decode(topic, value), options);
    if (!decoded.ok) {
      poison += 1;
      return;
    }
    events += 1;
    onEvent(decoded.value, { partition, message });
  }, undefined, options.startAt);
  return { events, poison };
}

/** The latest event of every key of a topic (an entity topic folded), with where each stood. */
export async function foldLatest<T extends AvroTopic, K>(
  kafka: Kafka,
  codec: EventCodec,
  topic: T,
  keyOf: (event: EventOf[T]) => K,
  options: PolicyOptions = {},
): Promise<Map<K, { event: EventOf[T] } & EventAt>> {
  const latest = new Map<K, { event: EventOf[T] } & EventAt>();
  await readEvents(kafka, codec, topic, (event, at) => latest.set(keyOf(event), { event, ...at }), options);
  return latest;
}
