// Reads topics from their beginning up to the end they had when the read started, with a throwaway
// consumer group: the way to fold a compacted entity topic into "the latest event of every key".
import crypto from 'node:crypto';
import type { Kafka, KafkaMessage } from 'kafkajs';

export async function readToEnd(kafka: Kafka, topicNames: string[], onMessage: (topic: string, partition: number, message: KafkaMessage) => Promise<void> | void, timeoutMs = 10 * 60 * 1000): Promise<number> {
  const admin = kafka.admin();
  await admin.connect();
  const remaining = new Map<string, bigint>();
  try {
    for (const topic of topicNames) {
      for (const p of await admin.fetchTopicOffsets(topic)) {
        if (BigInt(p.high) > BigInt(p.low)) remaining.set(`${topic}#${p.partition}`, BigInt(p.high));
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
        for (const message of batch.messages) {
          if (end === undefined || BigInt(message.offset) >= end) break;
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
