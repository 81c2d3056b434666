// The one poison policy of Vitrina, shared by the processor runner (live processors and projectors)
// and the replay: a transient failure (a server unreachable, a timeout, a restart) is retried with
// backoff and, once the retries are spent, thrown, so nothing is skipped for it; a permanent failure
// is the message's own fault: a batch that fails for one is split until the poison message is found,
// and only that message is handed to onPoison (dead-lettered live, skipped and counted by a replay).
import { withRetries, defaultBackoff, type BackoffOptions } from '../platform/backoff.ts';
import { isTransient } from '../platform/errors.ts';

export interface PolicyOptions {
  retry?: BackoffOptions;
  onRetry?: (err: unknown, attempt: number, delayMs: number) => void;
}

function retrying(options: PolicyOptions): BackoffOptions {
  return { ...(options.retry ?? defaultBackoff), onRetry: options.onRetry };
}

export type Decoded<V> = { ok: true; value: V } | { ok: false; error: unknown };

/** Decodes one message: its value, or the permanent reason it is poison; throws a transient failure once the retries are spent. */
export async function decodeOrPoison<V>(decode: () => Promise<V> | V, options: PolicyOptions = {}): Promise<Decoded<V>> {
  try {
    return { ok: true, value: await withRetries(async () => decode(), retrying(options)) };
  } catch (err) {
    if (isTransient(err)) throw err;
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
    if (isTransient(err)) throw err; // retries spent: the caller must not move past this batch
    if (batch.length === 1) {
      await onPoison(batch[0]!, err, attempts);
      return 0;
    }
    const middle = Math.ceil(batch.length / 2);
    const first = await applyIsolating(batch.slice(0, middle), apply, onPoison, options);
    return first + (await applyIsolating(batch.slice(middle), apply, onPoison, options));
  }
}
