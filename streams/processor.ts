// The processor runner every Kafka processor of Vitrina runs in: a consumer group reading batches,
// at-least-once delivery into idempotent handlers, retries with backoff for transient failures,
// poison messages to the dead-letter topic with the reason, and a graceful stop that lets the
// batch in hand finish and commits it.
import type { Consumer, EachBatchPayload, Kafka, KafkaMessage } from 'kafkajs';
import { defaultBackoff, type BackoffOptions } from '../platform/backoff.ts';
import { sendToDeadLetter } from './dead-letter.ts';
import { groupLag, type PartitionLag } from './lag.ts';
import { logger, type Logger } from '../platform/logger.ts';
import { applyIsolating, decodeOrPoison, groupCall, isRebalance, type PolicyOptions } from './poison-policy.ts';
import type { EventProducer } from './producer.ts';

export interface Incoming<V> {
  topic: string;
  partition: number;
  offset: string;
  key: string | null;
  value: V;
  timestamp: string;
  message: KafkaMessage;
}

export interface HandlerContext {
  producer: EventProducer;
  log: Logger;
  /** Call during long work so the group does not think this member is dead. */
  heartbeat: () => Promise<void>;
}

export interface ProcessorSpec<V> {
  /** Processor name; its consumer group is "vitrina.<name>". */
  name: string;
  topics: string[];
  /** Turns the raw message into the handler's input; a permanent error marks the message as poison, a transient one is retried. */
  decode: (topic: string, message: KafkaMessage) => Promise<V> | V;
  /** Applies a batch of messages of one partition, in offset order. Must be idempotent. */
  handle: (batch: Array<Incoming<V>>, ctx: HandlerContext) => Promise<void>;
  /** Largest batch handed to handle(); default 200. */
  maxBatch?: number;
  /**
   * Batches of this many partitions handled at once (default 1): a handler that waits on another
   * service (the model server) keeps it busy with the next partition's batch meanwhile. Each
   * partition's batches stay in order and its offsets are committed after its handler succeeded.
   */
  partitionsInParallel?: number;
  fromBeginning?: boolean;
  retry?: BackoffOptions;
  groupId?: string;
}

export interface ProcessorStats {
  handled: number;
  deadLettered: number;
  retries: number;
  batches: number;
}

export function groupIdOf(name: string): string {
  return `vitrina.${name}`;
}

export class ProcessorRunner<V> {
  readonly groupId: string;
  readonly stats: ProcessorStats = { handled: 0, deadLettered: 0, retries: 0, batches: 0 };
  private consumer: Consumer | undefined;
  private readonly log: Logger;

  constructor(
    private readonly spec: ProcessorSpec<V>,
    private readonly kafka: Kafka,
    private readonly producer: EventProducer,
  ) {
    this.groupId = spec.groupId ?? groupIdOf(spec.name);
    this.log = logger.child({ processor: spec.name });
  }

  async start(): Promise<void> {
    const consumer = this.kafka.consumer({
      groupId: this.groupId,
      allowAutoTopicCreation: false,
      sessionTimeout: 30_000,
      heartbeatInterval: 3_000,
      // A failure kafkajs's own retries do not mend (a commit to the coordinator of a broker that
      // died) crashes the consumer and kafkajs restarts it, finding the coordinator again: ten retries
      // capped at 30 s (as before) meant about 2.5 minutes of retries plus a 30 s wait before that.
      retry: { retries: 5, maxRetryTime: 5_000 },
    });
    this.consumer = consumer;
    await this.producer.connect();
    await consumer.connect();
    await consumer.subscribe({ topics: this.spec.topics, fromBeginning: this.spec.fromBeginning ?? true });
    await consumer.run({
      eachBatchAutoResolve: false,
      autoCommit: true,
      autoCommitThreshold: 1,
      partitionsConsumedConcurrently: this.spec.partitionsInParallel ?? 1,
      eachBatch: (payload) => this.onBatch(payload).catch((err: unknown) => {
        // kafkajs rejoins the group on these and re-delivers the batch from the last committed offset.
        if (isRebalance(err)) this.log.info({ err: String(err) }, 'the group rebalanced during a batch; it is re-delivered after rejoining');
        throw err;
      }),
    });
    this.log.info({ group: this.groupId, topics: this.spec.topics }, 'processor started');
  }

  /** Stops after the batch in hand; its resolved offsets are committed. */
  async stop(): Promise<void> {
    const consumer = this.consumer;
    this.consumer = undefined;
    if (!consumer) return;
    await consumer.stop();
    await consumer.disconnect();
    this.log.info({ ...this.stats }, 'processor stopped');
  }

  async lag(): Promise<PartitionLag[]> {
    const admin = this.kafka.admin();
    await admin.connect();
    try {
      return await groupLag(admin, this.groupId, this.spec.topics);
    } finally {
      await admin.disconnect();
    }
  }

  private async onBatch({ batch, resolveOffset, heartbeat, commitOffsetsIfNecessary, isRunning, isStale }: EachBatchPayload): Promise<void> {
    const maxBatch = this.spec.maxBatch ?? 200;
    const ctx: HandlerContext = { producer: this.producer, log: this.log, heartbeat: groupCall(heartbeat) };
    for (let start = 0; start < batch.messages.length; start += maxBatch) {
      if (!isRunning() || isStale()) return;
      const slice = batch.messages.slice(start, start + maxBatch);
      const decoded: Array<Incoming<V>> = [];
      for (const message of slice) {
        // A decode that fails for a transient reason (the schema registry unreachable) is retried
        // and, once the retries are spent, thrown: the group re-delivers it instead of dead-lettering it.
        const result = await decodeOrPoison(() => this.spec.decode(batch.topic, message), this.policy());
        if (result.ok) decoded.push({ topic: batch.topic, partition: batch.partition, offset: message.offset, key: message.key?.toString('utf8') ?? null, value: result.value, timestamp: message.timestamp, message });
        else await this.deadLetter(batch.topic, batch.partition, message, result.error, 1);
      }
      if (decoded.length > 0) await this.applyIsolating(decoded, ctx);
      this.stats.batches += 1;
      resolveOffset(slice[slice.length - 1]!.offset);
      await commitOffsetsIfNecessary();
      await heartbeat();
    }
  }

  private policy(): PolicyOptions {
    return {
      retry: this.spec.retry ?? defaultBackoff,
      onRetry: (err, attempt, delayMs) => {
        this.stats.retries += 1;
        this.log.warn({ err: String(err), attempt, delayMs }, 'transient failure, retrying');
      },
    };
  }

  /** Applies a batch under the shared poison policy (streams/poison-policy.ts): poison is dead-lettered, transient failures retried. */
  private async applyIsolating(batch: Array<Incoming<V>>, ctx: HandlerContext): Promise<void> {
    this.stats.handled += await applyIsolating(
      batch,
      (part) => this.spec.handle(part, ctx),
      (only, err, attempts) => this.deadLetter(only.topic, only.partition, only.message, err, attempts),
      this.policy(),
    );
  }

  private async deadLetter(topic: string, partition: number, message: KafkaMessage, err: unknown, attempts: number): Promise<void> {
    this.stats.deadLettered += 1;
    this.log.warn({ topic, partition, offset: message.offset, err: String(err) }, 'poison message sent to the dead-letter topic');
    await sendToDeadLetter(this.producer, { topic, partition, message }, err, this.spec.name, attempts);
  }
}
