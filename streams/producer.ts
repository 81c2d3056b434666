// The typed, idempotent producer: every value is Avro-encoded through the schema registry for the
// topic it goes to, so a topic can only ever hold its own event type. It is the one place Vitrina
// makes a Kafka producer: idempotent (a retry after a lost answer or a leader change never writes a
// message twice), one request in flight (order kept across retries), and every send waits for all
// in-sync replicas (acks=all; with min.insync.replicas 2 on a cluster, an acknowledged message is on
// two brokers).
import type { IHeaders, Kafka, Producer, ProducerConfig } from 'kafkajs';
import { EventCodec } from './codec.ts';
import type { AvroTopic, EventOf } from './topics.ts';

export interface Outgoing<T extends AvroTopic> {
  key: string;
  value: EventOf[T];
  headers?: IHeaders;
}

export const PRODUCER_OPTIONS = { idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false } as const satisfies ProducerConfig;
/** acks=all: the leader answers once every in-sync replica has the message. */
export const SEND_ACKS = -1;

export class EventProducer {
  private readonly producer: Producer;
  private connected = false;

  constructor(
    kafka: Kafka,
    readonly codec: EventCodec = new EventCodec(),
  ) {
    this.producer = kafka.producer(PRODUCER_OPTIONS);
  }

  async connect(): Promise<void> {
    if (this.connected) return;
    await this.producer.connect();
    this.connected = true;
  }

  async send<T extends AvroTopic>(topic: T, messages: Array<Outgoing<T>>): Promise<void> {
    if (messages.length === 0) return;
    await this.connect();
    const encoded = await Promise.all(
      messages.map(async (m) => ({ key: m.key, value: await this.codec.encode(topic, m.value), headers: m.headers })),
    );
    await this.producer.send({ topic, messages: encoded, acks: SEND_ACKS });
  }

  /** Sends raw bytes (already encoded, or a foreign format) to a topic. */
  async sendRaw(topic: string, messages: Array<{ key: string | Buffer | null; value: Buffer | string | null; headers?: IHeaders }>): Promise<void> {
    await this.connect();
    await this.producer.send({ topic, messages, acks: SEND_ACKS });
  }

  async disconnect(): Promise<void> {
    if (!this.connected) return;
    this.connected = false;
    await this.producer.disconnect();
  }
}
