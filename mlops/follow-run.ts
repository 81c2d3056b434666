// Follows one training run through the loop's topics, from positions taken before the request was
// sent: prepared → trained → evaluated (champion, challenger) → decided (→ promoted). Resolves
// when the run ends: rejected, promoted (its ModelPromoted seen), or failed at some step.
import crypto from 'node:crypto';
import type { Kafka } from 'kafkajs';
import type { EvaluationCompleted, ModelPromoted, PromotionDecided, TrainingRunCompleted, TrainingRunPrepared } from '../schemas/types.generated.ts';
import type { EventCodec } from '../streams/codec.ts';
import { topics, type AvroTopic } from '../streams/topics.ts';

export const FOLLOWED_TOPICS = [topics.trainingPrepared.name, topics.trainingCompleted.name, topics.evaluations.name, topics.promotionDecisions.name, topics.promotions.name] as const;

export type RunEvent =
  | { kind: 'prepared'; event: TrainingRunPrepared }
  | { kind: 'trained'; event: TrainingRunCompleted }
  | { kind: 'evaluated'; event: EvaluationCompleted }
  | { kind: 'decided'; event: PromotionDecided }
  | { kind: 'promoted'; event: ModelPromoted };

export interface RunOutcome {
  runId: string;
  result: 'promoted' | 'rejected' | 'failed';
  /** Why it was rejected or failed, or the promotion's reason. */
  reason: string;
  prepared?: TrainingRunPrepared;
  trained?: TrainingRunCompleted;
  evaluations: EvaluationCompleted[];
  decision?: PromotionDecided;
  promotion?: ModelPromoted;
}

export type Positions = Map<string, bigint>;

/** The end of every followed topic now ("<topic>#<partition>" → next offset). */
export async function followPositions(kafka: Kafka): Promise<Positions> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const out: Positions = new Map();
    for (const topic of FOLLOWED_TOPICS) for (const p of await admin.fetchTopicOffsets(topic)) out.set(`${topic}#${p.partition}`, BigInt(p.high));
    return out;
  } finally {
    await admin.disconnect();
  }
}

export interface FollowOptions {
  from: Positions;
  onEvent?: (event: RunEvent) => void;
  timeoutMs?: number;
}

export async function followRun(kafka: Kafka, codec: EventCodec, runId: string, options: FollowOptions): Promise<RunOutcome> {
  const outcome: RunOutcome = { runId, result: 'failed', reason: '', evaluations: [] };
  const groupId = `vitrina.follow.${runId}.${crypto.randomBytes(4).toString('hex')}`;
  const consumer = kafka.consumer({ groupId, allowAutoTopicCreation: false });
  let finish: (() => void) | undefined;
  let fail: ((err: unknown) => void) | undefined;
  const done = new Promise<void>((resolve, reject) => {
    finish = resolve;
    fail = reject;
  });
  const end = (result: RunOutcome['result'], reason: string): void => {
    outcome.result = result;
    outcome.reason = reason;
    finish?.();
  };
  // The promotion may be read before the decision (they are on different topics).
  const promotions: ModelPromoted[] = [];
  const matches = (p: ModelPromoted, d: PromotionDecided | undefined): boolean => d?.decision === 'PROMOTE' && p.modelName === d.modelName && p.version === d.challengerVersion;
  const on = (event: RunEvent): void => {
    options.onEvent?.(event);
    switch (event.kind) {
      case 'prepared':
        outcome.prepared = event.event;
        if (event.event.error) end('failed', `preparing the experiment failed: ${event.event.error}`);
        break;
      case 'trained':
        outcome.trained = event.event;
        if (event.event.status === 'FAILED') end('failed', `training failed: ${event.event.error ?? 'no reason given'}`);
        break;
      case 'evaluated':
        outcome.evaluations.push(event.event);
        break;
      case 'decided': {
        outcome.decision = event.event;
        if (event.event.decision === 'REJECT') end('rejected', event.event.reason);
        const seen = promotions.find((p) => matches(p, event.event));
        if (seen) on({ kind: 'promoted', event: seen });
        break;
      }
      case 'promoted':
        outcome.promotion = event.event;
        end('promoted', event.event.reason);
        break;
    }
  };
  await consumer.connect();
  try {
    await consumer.subscribe({ topics: [...FOLLOWED_TOPICS], fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ topic, partition, message }) => {
        if (BigInt(message.offset) < (options.from.get(`${topic}#${partition}`) ?? 0n) || !message.value) return;
        try {
          const value = await codec.decode(topic as AvroTopic, message.value);
          switch (topic) {
            case topics.trainingPrepared.name: {
              const e = value as TrainingRunPrepared;
              if (e.runId === runId) on({ kind: 'prepared', event: e });
              break;
            }
            case topics.trainingCompleted.name: {
              const e = value as TrainingRunCompleted;
              if (e.runId === runId) on({ kind: 'trained', event: e });
              break;
            }
            case topics.evaluations.name: {
              const e = value as EvaluationCompleted;
              if (e.runId === runId) on({ kind: 'evaluated', event: e });
              break;
            }
            case topics.promotionDecisions.name: {
              const e = value as PromotionDecided;
              if (e.runId === runId) on({ kind: 'decided', event: e });
              break;
            }
            case topics.promotions.name: {
              const e = value as ModelPromoted;
              if (matches(e, outcome.decision)) on({ kind: 'promoted', event: e });
              else promotions.push(e);
              break;
            }
          }
        } catch (err) {
          fail?.(err);
        }
      },
    });
    const timeoutMs = options.timeoutMs ?? 2 * 60 * 60 * 1000;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`run ${runId} did not end within ${Math.round(timeoutMs / 1000)} s`)), timeoutMs);
    });
    try {
      await Promise.race([done, timeout]);
    } finally {
      clearTimeout(timer);
    }
  } finally {
    await consumer.disconnect().catch(() => undefined);
    const admin = kafka.admin();
    await admin.connect().catch(() => undefined);
    await admin.deleteGroups([groupId]).catch(() => undefined);
    await admin.disconnect().catch(() => undefined);
  }
  return outcome;
}
