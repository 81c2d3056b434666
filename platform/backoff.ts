// Exponential backoff with full jitter, capped, for retrying transient failures.
import { sleep } from './sleep.ts';
import { isTransient } from './errors.ts';

export interface BackoffOptions {
  retries: number;
  initialMs: number;
  maxMs: number;
  onRetry?: (err: unknown, attempt: number, delayMs: number) => void;
  /** Which failures are retried (default: the transient ones); any other is thrown at once. */
  retryable?: (err: unknown) => boolean;
}

export const defaultBackoff: BackoffOptions = { retries: 6, initialMs: 200, maxMs: 10_000 };

export function backoffDelay(attempt: number, opts: Pick<BackoffOptions, 'initialMs' | 'maxMs'>, random = Math.random): number {
  const ceiling = Math.min(opts.maxMs, opts.initialMs * 2 ** attempt);
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}

/** Runs fn, retrying transient (or opts.retryable) failures with backoff; any other failure is thrown at once. */
export async function withRetries<T>(fn: (attempt: number) => Promise<T>, opts: BackoffOptions = defaultBackoff): Promise<T> {
  for (let attempt = 0; ; attempt += 1) {
    try {
      return await fn(attempt);
    } catch (err) {
      if (!(opts.retryable ?? isTransient)(err) || attempt >= opts.retries) throw err;
      const delay = backoffDelay(attempt, opts);
      opts.onRetry?.(err, attempt + 1, delay);
      await sleep(delay);
    }
  }
}
