// The typed, idempotent producer: every value is Avro-encoded through the schema registry for the
// topic it goes to, so a topic can only ever hold its own event type. It is the one place Vitrina
// makes a Kafka producer: idempotent (a retry after a lost answer or a leader change never writes a
// message twice), one request in flight (order kept across retries), and every send waits for all
// in-sync replicas (acks=all; with min.insync.replicas 2 on a cluster, an acknowledged message is on
// two brokers). Every request covers one partition: see sendByPartition.
import { Partitioners, type IHeaders, type Kafka, type Message, type PartitionMetadata, type Producer, type ProducerConfig } from 'kafkajs';
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
/** How long a topic's partition list is used before it is fetched again (kafkajs's own metadata age). */
const PARTITIONS_MAX_AGE_MS = 300_000;

export class EventProducer {
  private readonly producer: Producer;
  private connected = false;
  /** kafkajs's own default partitioner (murmur2 of the key, as the Java client): the same partition for a key as before. */
  private readonly partitioner = Partitioners.DefaultPartitioner();
  private readonly partitionLists = new Map<string, { at: number; partitions: Promise<PartitionMetadata[]> }>();
  /** The last send of each topic-partition: the next one starts after it has ended. */
  private readonly tails = new Map<string, Promise<void>>();

  constructor(
    private readonly kafka: Kafka,
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
    await this.sendByPartition(topic, encoded);
  }

  /** Sends raw bytes (already encoded, or a foreign format) to a topic. */
  async sendRaw(topic: string, messages: Array<{ key: string | Buffer | null; value: Buffer | string | null; headers?: IHeaders }>): Promise<void> {
    await this.connect();
    await this.sendByPartition(topic, messages);
  }

  /**
   * Sends each partition's messages as a request of its own, one after another per partition. A
   * kafkajs 2.2.4 send over partitions of several brokers keeps the answers of the brokers that
   * answered across its retries (responsePerBroker in kafkajs's sendMessages.js): when the request to
   * one broker failed (a frozen leader timed out, or answered once it continued that it leads no
   * longer) and its partition's new leader is a broker that had already answered, the retry sends
   * nothing for that partition and the send resolves. On a cluster with one broker frozen for 30 s
   * the embedder lost one ProductEmbedded that way (`vitrina chaos --brokers 3`, kafka-broker:stop).
   * With one partition per send, a retry always goes to the partition's current leader; and the
   * sequence kafkajs rolls back after a failed request is not taken meanwhile by a second send to
   * the same partition that reached its new leader.
   */
  private async sendByPartition(topic: string, messages: Message[]): Promise<void> {
    const partitionMetadata = await this.partitionsOf(topic);
    const byPartition = new Map<number, Message[]>();
    for (const message of messages) {
      const partition = this.partitioner({ topic, partitionMetadata, message });
      byPartition.set(partition, [...(byPartition.get(partition) ?? []), { ...message, partition }]);
    }
    const sends = [...byPartition].map(([partition, group]) => this.inOrder(`${topic}#${partition}`, () => this.producer.send({ topic, messages: group, acks: SEND_ACKS })));
    // Every partition's send ends before the caller hears of a failure, so its retry starts after them.
    const failed = (await Promise.allSettled(sends)).find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
  }

  private inOrder(key: string, send: () => Promise<unknown>): Promise<void> {
    const mine = (this.tails.get(key) ?? Promise.resolve()).then(async () => void (await send()));
    const tail = mine.catch(() => undefined);
    this.tails.set(key, tail);
    void tail.then(() => {
      if (this.tails.get(key) === tail) this.tails.delete(key);
    });
    return mine;
  }

  /** The topic's partitions, fetched once and again after PARTITIONS_MAX_AGE_MS. */
  private partitionsOf(topic: string): Promise<PartitionMetadata[]> {
    const cached = this.partitionLists.get(topic);
    if (cached && Date.now() - cached.at < PARTITIONS_MAX_AGE_MS) return cached.partitions;
    const partitions = (async () => {
      const admin = this.kafka.admin();
      await admin.connect();
      try {
        const [meta] = (await admin.fetchTopicMetadata({ topics: [topic] })).topics;
        if (!meta || meta.partitions.length === 0) throw new Error(`topic ${topic} has no partitions`);
        return meta.partitions;
      } finally {
        await admin.disconnect();
      }
    })();
    const entry = { at: Date.now(), partitions };
    this.partitionLists.set(topic, entry);
    partitions.catch(() => {
      if (this.partitionLists.get(topic) === entry) this.partitionLists.delete(topic);
    });
    return partitions;
  }

  async disconnect(): Promise<void> {
    if (!this.connected) return;
    this.connected = false;
    await this.producer.disconnect();
  }
}
