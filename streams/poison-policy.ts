// The one poison policy of Vitrina, shared by the processor runner (live processors and projectors)
// and the replay: a transient failure (a server unreachable, a timeout, a restart) is retried with
// backoff and, once the retries are spent, thrown, so nothing is skipped for it; a rebalance of the
// consumer group met mid-batch (a heartbeat answered "not aware of this member") is thrown at once,
// so kafkajs rejoins and re-delivers the batch; a permanent failure
// is the message's own fault: a batch that fails for one is split until the poison message is found,
// and only that message is handed to onPoison (dead-lettered live, skipped and counted by a replay).
import { withRetries, defaultBackoff, type BackoffOptions } from '../platform/backoff.ts';
import { isTransient } from '../platform/errors.ts';

export interface PolicyOptions {
  retry?: BackoffOptions;
  onRetry?: (err: unknown, attempt: number, delayMs: number) => void;
}

function retrying(options: PolicyOptions): BackoffOptions {
  // A rebalance is not retried in place: the member rejoins only once the batch is given back.
  return { ...(options.retry ?? defaultBackoff), onRetry: options.onRetry, retryable: (err) => isTransient(err) && !isRebalance(err) };
}

/** Failures that must leave the policy as they are: retries spent on a transient one, or a rebalance. */
function mustNotSkip(err: unknown): boolean {
  return isTransient(err) || isRebalance(err);
}

/**
 * The group coordinator's answers that this consumer's membership is out of date (the group
 * rebalanced while a batch was in hand, e.g. after a Kafka freeze). kafkajs rejoins when eachBatch
 * throws one of them and re-delivers the batch from the last committed offset.
 */
const REBALANCE_TYPES = new Set(['REBALANCE_IN_PROGRESS', 'UNKNOWN_MEMBER_ID', 'ILLEGAL_GENERATION', 'NOT_COORDINATOR_FOR_GROUP', 'MEMBER_ID_REQUIRED', 'FENCED_INSTANCE_ID']);

/** Whether err (or its cause) says the consumer group rebalanced, or came from the group's own call (groupCall): nothing is wrong with the message. */
export function isRebalance(err: unknown): boolean {
  for (let e = err, depth = 0; typeof e === 'object' && e !== null && depth < 5; e = (e as { cause?: unknown }).cause, depth += 1) {
    if (groupFailures.has(e)) return true;
    if (REBALANCE_TYPES.has(String((e as { type?: unknown }).type))) return true;
  }
  return false;
}

export type Decoded<V> = { ok: true; value: V } | { ok: false; error: unknown };

/** Decodes one message: its value, or the permanent reason it is poison; throws a transient failure once the retries are spent. */
export async function decodeOrPoison<V>(decode: () => Promise<V> | V, options: PolicyOptions = {}): Promise<Decoded<V>> {
  try {
    return { ok: true, value: await withRetries(async () => decode(), retrying(options)) };
  } catch (err) {
    if (mustNotSkip(err)) throw err;
    return { ok: false, error: err };
  }
}

/**
 * Applies a batch; when it fails for a permanent reason, splits it to find the poison and hands each
 * poison item with its error to onPoison. Returns how many items were applied.
 */
export async function applyIsolating<T>(
  batch: T[],
  apply: (batch: T[]) => Promise<void>,
  onPoison: (item: T, err: unknown, attempts: number) => Promise<void>,
  options: PolicyOptions = {},
): Promise<number> {
  let attempts = 0;
  try {
    await withRetries(async (attempt) => {
      attempts = attempt + 1;
      await apply(batch);
    }, retrying(options));
    return batch.length;
  } catch (err) {
    if (mustNotSkip(err)) throw err; // retries spent, or the group rebalanced: the caller must not move past this batch
    if (batch.length === 1) {
      await onPoison(batch[0]!, err, attempts);
      return 0;
    }
    const middle = Math.ceil(batch.length / 2);
    const first = await applyIsolating(batch.slice(0, middle), apply, onPoison, options);
    return first + (await applyIsolating(batch.slice(middle), apply, onPoison, options));
  }
}

const groupFailures = new WeakSet<object>();

/**
 * The consumer group's own call (a heartbeat) as handlers get it: its failure (the coordinator's
 * broker died, ECONNREFUSED) leaves the policy at once like a rebalance, so kafkajs restarts the
 * consumer, finds the group's coordinator again and re-delivers the batch. Retried in place it would
 * meet the same cached, dead coordinator for as long as the retries last.
 */
export function groupCall(call: () => Promise<void>): () => Promise<void> {
  return async () => {
    try {
      await call();
    } catch (err) {
      if (typeof err === 'object' && err !== null) groupFailures.add(err);
      throw err;
    }
  };
}
