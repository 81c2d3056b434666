// The safety net under bucket notifications: lists the uploads bucket now and then and predicts any
// object that never got a prediction (an event MinIO lost, or one that failed for good is skipped).
import { sendToDeadLetter } from '../../streams/dead-letter.ts';
import { PoisonError } from '../../streams/errors.ts';
import { logger } from '../../streams/logger.ts';
import { predict, type DispatcherDeps } from './dispatcher.ts';

export interface SweepResult {
  listed: number;
  predicted: number;
  rejected: number;
}

export async function sweepBucket(bucket: string, deps: DispatcherDeps, minAgeMs = 30_000): Promise<SweepResult> {
  const result: SweepResult = { listed: 0, predicted: 0, rejected: 0 };
  const objects: Array<{ name: string; etag: string; size: number; lastModified: Date }> = [];
  for await (const item of deps.s3.listObjectsV2(bucket, '', true)) {
    const o = item as { name?: string; etag?: string; size?: number; lastModified?: Date };
    if (o.name && o.etag) objects.push({ name: o.name, etag: o.etag.replace(/"/g, ''), size: o.size ?? 0, lastModified: o.lastModified ?? new Date(0) });
  }
  for (const o of objects) {
    result.listed += 1;
    if (Date.now() - o.lastModified.getTime() < minAgeMs) continue; // its notification is probably on its way
    try {
      const prediction = await predict({ bucket, key: o.name, etag: o.etag, size: o.size, eventName: 'sweep' }, deps);
      if (prediction) result.predicted += 1;
    } catch (err) {
      if (!(err instanceof PoisonError)) throw err;
      result.rejected += 1;
      await sendToDeadLetter(deps.producer, { topic: `sweep:${bucket}`, partition: -1, message: { key: Buffer.from(o.name), value: null, offset: '-1', timestamp: String(Date.now()), attributes: 0, headers: {} } }, err, 'dispatcher.sweep', 1);
    }
  }
  return result;
}

/** Runs sweepBucket every intervalMs until stopped. */
export function startSweeper(bucket: string, deps: DispatcherDeps, intervalMs = 60_000): { stop: () => Promise<void> } {
  let running: Promise<unknown> = Promise.resolve();
  const timer = setInterval(() => {
    running = sweepBucket(bucket, deps)
      .then((r) => r.predicted + r.rejected > 0 && logger.info({ bucket, ...r }, 'sweep predicted uploads that had no prediction'))
      .catch((err) => logger.warn({ err: String(err) }, 'sweep failed; next round will try again'));
  }, intervalMs);
  timer.unref();
  return {
    stop: async () => {
      clearInterval(timer);
      await running;
    },
  };
}
