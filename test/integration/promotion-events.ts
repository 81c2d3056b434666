// ModelPromoted events for tests, under a model name of their own so that other tests' events do
// not matter: the clients, the name, and promote(version, previous) that publishes one.
import { randomUUID } from 'node:crypto';
import type { Kafka } from 'kafkajs';
import { EventCodec } from '../../streams/codec.ts';
import { loadConfig } from '../../platform/config.ts';
import { createKafka } from '../../streams/kafka.ts';
import { EventProducer } from '../../streams/producer.ts';
import { ensureTopics, topics } from '../../streams/topics.ts';

export interface PromotionEvents {
  kafka: Kafka;
  codec: EventCodec;
  modelName: string;
  promote(version: string, previousVersion: string | null): Promise<void>;
}

export async function promotionEvents(t: { teardown(fn: () => Promise<void>): void }, clientId: string, promotedBy: string): Promise<PromotionEvents> {
  const config = loadConfig();
  const kafka = createKafka(clientId, config.kafkaBrokers);
  const codec = new EventCodec(config.schemaRegistryUrl);
  const admin = kafka.admin();
  await admin.connect();
  await ensureTopics(admin, [topics.promotions]);
  await admin.disconnect();
  const producer = new EventProducer(kafka, codec);
  t.teardown(() => producer.disconnect());
  const modelName = `test-${randomUUID()}`;
  const promote = (version: string, previousVersion: string | null): Promise<void> =>
    producer.send(topics.promotions.name, [{ key: modelName, value: { modelName, version, previousVersion, reason: 'test', promotedBy, promotedAt: Date.now() } }]);
  return { kafka, codec, modelName, promote };
}
