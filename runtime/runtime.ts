// The clients a command needs, built once from the configuration and closed together.
import type { Kafka } from 'kafkajs';
import type * as Minio from 'minio';
import { createPool, type Db } from '../projections/db.ts';
import { EventCodec } from '../streams/codec.ts';
import { loadConfig, type VitrinaConfig } from '../platform/config.ts';
import { createKafka } from '../streams/kafka.ts';
import { EventProducer } from '../streams/producer.ts';
import { createS3 } from '../platform/s3.ts';

/** What a command starts and later stops: a processor, a projector, a loop step. */
export type Runnable = { start: () => Promise<void>; stop: () => Promise<void> };

export interface Runtime {
  config: VitrinaConfig;
  kafka: Kafka;
  codec: EventCodec;
  producer: EventProducer;
  s3: Minio.Client;
  db: Db;
  close(): Promise<void>;
}

export function createRuntime(clientId: string, config: VitrinaConfig = loadConfig()): Runtime {
  const kafka = createKafka(clientId, config.kafkaBrokers);
  const codec = new EventCodec(config.schemaRegistryUrl);
  const producer = new EventProducer(kafka, codec);
  let db: Db | undefined;
  return {
    config,
    kafka,
    codec,
    producer,
    s3: createS3(config),
    get db(): Db {
      db ??= createPool(config.databaseUrl);
      return db;
    },
    async close() {
      await producer.disconnect();
      await db?.end();
    },
  };
}
