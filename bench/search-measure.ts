// Timing helpers of the search benchmark: a closed-loop load generator (N requests, C in flight),
// latency percentiles by the nearest-rank method, and requests per second over the wall time.
import os from 'node:os';

export interface LatencySummary {
  requests: number;
  concurrency: number;
  errors: number;
  p50Ms: number;
  p95Ms: number;
  p99Ms: number;
  meanMs: number;
  requestsPerSecond: number;
  /** The first error's message, when some requests failed. */
  firstError?: string;
}

export const round = (v: number, digits = 2): number => Math.round(v * 10 ** digits) / 10 ** digits;

/** The p-th percentile (0 < p <= 100) of values by the nearest-rank method. */
export function percentile(values: number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

export function nowMs(): number {
  return Number(process.hrtime.bigint()) / 1e6;
}

export async function timed<T>(work: () => Promise<T>): Promise<{ value: T; ms: number }> {
  const began = nowMs();
  const value = await work();
  return { value, ms: nowMs() - began };
}

/**
 * Sends `requests` calls, `concurrency` in flight at a time (each worker sends its next call when
 * its previous one answered), after `warmup` untimed calls. call(i, worker) gets the request's
 * index, so inputs rotate, and the worker's (0..concurrency-1), for per-worker connections. Failures are counted, not timed.
 */
export async function underLoad(requests: number, concurrency: number, call: (i: number, worker: number) => Promise<unknown>, warmup = Math.min(concurrency, 8)): Promise<LatencySummary> {
  for (let i = 0; i < warmup; i += 1) await call(requests + i, i % concurrency);
  const times: number[] = [];
  let errors = 0;
  let firstError: string | undefined;
  let next = 0;
  const began = nowMs();
  await Promise.all(
    Array.from({ length: Math.min(concurrency, requests) }, async (_, worker) => {
      while (next < requests) {
        const i = next++;
        const start = nowMs();
        try {
          await call(i, worker);
          times.push(nowMs() - start);
        } catch (err) {
          errors += 1;
          firstError ??= (err as Error).message;
        }
      }
    }),
  );
  const wallMs = nowMs() - began;
  return {
    requests,
    concurrency,
    errors,
    p50Ms: round(percentile(times, 50)),
    p95Ms: round(percentile(times, 95)),
    p99Ms: round(percentile(times, 99)),
    meanMs: round(times.reduce((s, v) => s + v, 0) / Math.max(1, times.length)),
    requestsPerSecond: round((times.length / wallMs) * 1000, 1),
    ...(firstError ? { firstError } : {}),
  };
}

export function loadAverage(): number {
  return round(os.loadavg()[0]!);
}
