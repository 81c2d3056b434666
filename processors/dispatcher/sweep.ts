// The safety net under bucket notifications: lists the uploads bucket now and then and predicts any
// object that never got a prediction (an event MinIO lost). A round is bounded: it reads the
// listing page by page, looks at no more than `maxPerRound` objects and goes on from there next
// round (back to the start once it reached the end), and an object that fails does not end it.
// Objects the gateway's rules refuse are dead-lettered once with the reason (the ledger remembers).
import type { KafkaMessage } from 'kafkajs';
import { isTransient } from '../../platform/errors.ts';
import { logger } from '../../platform/logger.ts';
import { predictOrReject, type DispatcherDeps } from './dispatcher.ts';

export interface SweepOptions {
  /** Younger objects are left to their notification; default 30 s. */
  minAgeMs?: number;
  /** Most objects looked at in one round; default 500. */
  maxPerRound?: number;
  /** Start listing after this key (where the previous round stopped); default the beginning. */
  startAfter?: string;
}

export interface SweepResult {
  listed: number;
  predicted: number;
  rejected: number;
  /** Objects that failed for a transient reason (left for the next round). */
  failed: number;
  /** Where the next round starts; undefined when this one reached the end of the bucket. */
  next: string | undefined;
}

function sweepMessage(key: string): KafkaMessage {
  return { key: Buffer.from(key), value: null, offset: '-1', timestamp: String(Date.now()), attributes: 0, headers: {} } as KafkaMessage;
}

export async function sweepBucket(bucket: string, deps: DispatcherDeps, options: SweepOptions = {}): Promise<SweepResult> {
  const minAgeMs = options.minAgeMs ?? 30_000;
  const maxPerRound = options.maxPerRound ?? 500;
  const result: SweepResult = { listed: 0, predicted: 0, rejected: 0, failed: 0, next: undefined };
  const listing = deps.s3.listObjectsV2(bucket, '', true, options.startAfter ?? '');
  try {
    for await (const item of listing) {
      const o = item as { name?: string; etag?: string; size?: number; lastModified?: Date };
      if (!o.name || !o.etag) continue;
      if (result.listed >= maxPerRound) {
        break; // the round's cap: the next round starts after the last key looked at
      }
      result.listed += 1;
      result.next = o.name;
      if (Date.now() - (o.lastModified ?? new Date(0)).getTime() < minAgeMs) continue; // its notification is probably on its way
      const object = { bucket, key: o.name, etag: o.etag.replace(/"/g, ''), size: o.size ?? 0, eventName: 'sweep' };
      try {
        const before = await deps.ledger.has(bucket, object.key, object.etag);
        if (before) continue;
        if (await predictOrReject(object, deps, { topic: `sweep:${bucket}`, partition: -1, message: sweepMessage(o.name) }, 'dispatcher.sweep')) result.rejected += 1;
        else result.predicted += 1;
      } catch (err) {
        result.failed += 1;
        logger.warn({ bucket, key: o.name, err: String(err), transient: isTransient(err) }, 'sweep could not predict an object; the next round tries again');
      }
    }
  } finally {
    (listing as unknown as { destroy?: () => void }).destroy?.();
  }
  if (result.listed < maxPerRound) result.next = undefined;
  return result;
}

/** Runs a bounded sweepBucket round every intervalMs until stopped, each round going on where the previous stopped. */
export function startSweeper(bucket: string, deps: DispatcherDeps, intervalMs = 60_000, options: Omit<SweepOptions, 'startAfter'> = {}): { stop: () => Promise<void> } {
  let running: Promise<unknown> = Promise.resolve();
  let busy = false;
  let startAfter: string | undefined;
  const timer = setInterval(() => {
    if (busy) return; // a slow round is never overlapped by the next
    busy = true;
    running = sweepBucket(bucket, deps, { ...options, startAfter })
      .then((r) => {
        startAfter = r.next;
        if (r.predicted + r.rejected + r.failed > 0) logger.info({ bucket, ...r }, 'sweep handled uploads that had no prediction');
      })
      .catch((err) => logger.warn({ err: String(err) }, 'sweep failed; next round will try again'))
      .finally(() => {
        busy = false;
      });
  }, intervalMs);
  timer.unref();
  return {
    stop: async () => {
      clearInterval(timer);
      await running;
    },
  };
}
