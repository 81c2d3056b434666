// The champion model version is whatever the latest ModelPromoted event on
// vitrina.model-promotions names. At start the topic is read to its end (readEvents); then a
// consumer with a group of its own (every server replica sees every promotion) keeps reading
// from where that read began and reports each newer promotion. Events for other model names are
// ignored. Re-reading an event already seen is harmless: promoting the champion again is a no-op.
// RetryingPromotion keeps trying a promoted version that failed to load (see below).
import crypto from 'node:crypto';
import os from 'node:os';
import type { Consumer, Kafka } from 'kafkajs';
import type { EventCodec } from '../streams/codec.ts';
import { backoffDelay } from '../platform/backoff.ts';
import { readEvents } from '../streams/read-to-end.ts';
import { ensureTopics, topics } from '../streams/topics.ts';
import type { ModelPromoted } from '../schemas/types.generated.ts';

export interface PromotionFollower {
  stop(): Promise<void>;
}

export interface FollowOptions {
  kafka: Kafka;
  codec: EventCodec;
  /** ModelPromoted.modelName to follow (default "vitrina"). */
  modelName?: string;
  /** Called once with the latest promotion at start (undefined on a fresh system), before any newer one. */
  onStart: (latest: ModelPromoted | undefined) => Promise<void>;
  onPromotion: (event: ModelPromoted) => Promise<void>;
  log?: (message: string, extra?: Record<string, unknown>) => void;
}

export async function followPromotions(options: FollowOptions): Promise<PromotionFollower> {
  const topic = topics.promotions.name;
  const modelName = options.modelName ?? 'vitrina';
  const admin = options.kafka.admin();
  await admin.connect();
  let ends: Map<number, bigint>;
  try {
    await ensureTopics(admin, [topics.promotions]);
    ends = new Map((await admin.fetchTopicOffsets(topic)).map((p) => [p.partition, BigInt(p.high)]));
  } finally {
    await admin.disconnect();
  }
  let latest: ModelPromoted | undefined;
  await readEvents(options.kafka, options.codec, topic, (event) => {
    if (event.modelName === modelName) latest = event;
  });
  await options.onStart(latest);

  const groupId = `vitrina.model-server.${os.hostname()}.${process.pid}.${crypto.randomBytes(4).toString('hex')}`;
  const consumer: Consumer = options.kafka.consumer({ groupId, allowAutoTopicCreation: false });
  await consumer.connect();
  await consumer.subscribe({ topics: [topic], fromBeginning: true });
  await consumer.run({
    eachMessage: async ({ partition, message }) => {
      if (BigInt(message.offset) < (ends.get(partition) ?? 0n) || !message.value) return;
      let event: ModelPromoted;
      try {
        event = await options.codec.decode(topic, message.value);
      } catch (err) {
        options.log?.('unreadable ModelPromoted event skipped', { offset: message.offset, err: String(err) });
        return;
      }
      if (event.modelName !== modelName) return;
      try {
        await options.onPromotion(event);
      } catch (err) {
        options.log?.('promoted model version could not be loaded; the champion stays', { version: event.version, err: String(err) });
      }
    },
  });
  return {
    async stop() {
      await consumer.disconnect();
      const cleanup = options.kafka.admin();
      await cleanup.connect();
      await cleanup.deleteGroups([groupId]).catch(() => undefined);
      await cleanup.disconnect();
    },
  };
}

export interface RetryBackoff {
  initialMs: number;
  maxMs: number;
}

/**
 * The promoted version the server is trying to load: tried at once, then again with capped
 * backoff (each failure logged with its cause) until it loads or a newer promotion replaces it, so
 * a promotion made while MinIO or a download was down still goes live once they are back.
 */
export class RetryingPromotion {
  private version: string | undefined;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly load: (version: string) => Promise<void>,
    private readonly backoff: RetryBackoff,
    private readonly log: (message: string, extra: Record<string, unknown>) => void,
  ) {}

  /** The version still waiting to load, if any. */
  pending(): string | undefined {
    return this.version;
  }

  /** Tries to load the version now; resolves whether it loaded (failures are retried in the background). */
  promote(version: string): Promise<boolean> {
    this.cancel();
    this.version = version;
    return this.attempt(version, 0);
  }

  cancel(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.version = undefined;
  }

  private async attempt(version: string, attempt: number): Promise<boolean> {
    if (this.version !== version) return false;
    try {
      await this.load(version);
      if (this.version === version) this.version = undefined;
      return true;
    } catch (err) {
      if (this.version !== version) return false;
      const delayMs = backoffDelay(attempt, this.backoff);
      const cause = (err as { cause?: unknown }).cause;
      this.log('the promoted model version could not be loaded; retrying', { version, attempt: attempt + 1, delayMs, err: String(err), ...(cause ? { cause: String(cause) } : {}) });
      this.timer = setTimeout(() => void this.attempt(version, attempt + 1), delayMs);
      return false;
    }
  }
}
