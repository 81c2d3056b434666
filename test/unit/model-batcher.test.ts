// Dynamic batching: concurrent requests share ONNX runs, a request is never split, a batch never
// exceeds the limit, a run's failure reaches every request in it, and results come back in order.
import t from 'tap';
import { Batcher } from '../../models/batcher.ts';

/** An encoder that records its batches and embeds n as [n]. */
function recorder(delayMs = 0): { run: (items: number[]) => Promise<Float32Array[]>; batches: number[][] } {
  const batches: number[][] = [];
  return {
    batches,
    run: async (items) => {
      batches.push(items);
      if (delayMs) await new Promise((r) => setTimeout(r, delayMs));
      return items.map((n) => Float32Array.of(n));
    },
  };
}

t.test('requests arriving within the wait share one batch, each gets its own vectors', async (t) => {
  const enc = recorder();
  const batcher = new Batcher(enc.run, { maxBatch: 64, maxWaitMs: 20 });
  const results = await Promise.all([batcher.submit([1, 2]), batcher.submit([3]), batcher.submit([4, 5, 6])]);
  t.same(enc.batches, [[1, 2, 3, 4, 5, 6]], 'one run');
  t.same(results.map((r) => r.map((v) => v[0])), [[1, 2], [3], [4, 5, 6]]);
  t.same(batcher.stats, { batches: 1, items: 6, requests: 3, largest: 6 });
});

t.test('with no wait, requests submitted in the same event-loop turn still share a batch', async (t) => {
  const enc = recorder();
  const batcher = new Batcher(enc.run, { maxBatch: 64, maxWaitMs: 0 });
  await Promise.all([batcher.submit([1]), batcher.submit([2]), batcher.submit([3])]);
  t.same(enc.batches, [[1, 2, 3]]);
});

t.test('a full batch runs at once; requests are not split across batches', async (t) => {
  const enc = recorder();
  const batcher = new Batcher(enc.run, { maxBatch: 4, maxWaitMs: 10_000 });
  const began = Date.now();
  await Promise.all([batcher.submit([1, 2, 3]), batcher.submit([4, 5]), batcher.submit([6, 7])]);
  t.same(enc.batches, [[1, 2, 3], [4, 5, 6, 7]]);
  t.ok(Date.now() - began < 5_000, 'full batches did not wait for maxWaitMs');
  await t.rejects(batcher.submit([1, 2, 3, 4, 5]), /exceeds the batch limit 4/);
});

t.test('requests arriving during a run form the next batch', async (t) => {
  const enc = recorder(50);
  const batcher = new Batcher(enc.run, { maxBatch: 64, maxWaitMs: 0 });
  const first = batcher.submit([1]);
  await new Promise((r) => setTimeout(r, 10));
  const later = [batcher.submit([2]), batcher.submit([3]), batcher.submit([4])];
  await Promise.all([first, ...later]);
  t.same(enc.batches, [[1], [2, 3, 4]]);
  await batcher.idle();
});

t.test('a failed run fails every request in it and the batcher keeps working', async (t) => {
  let fail = true;
  const batcher = new Batcher(
    async (items: number[]) => {
      if (fail) throw new Error('boom');
      return items.map((n) => Float32Array.of(n));
    },
    { maxBatch: 8, maxWaitMs: 5 },
  );
  const outcomes = await Promise.allSettled([batcher.submit([1]), batcher.submit([2])]);
  t.same(outcomes.map((o) => o.status), ['rejected', 'rejected']);
  fail = false;
  t.same((await batcher.submit([9])).map((v) => v[0]), [9]);
});
