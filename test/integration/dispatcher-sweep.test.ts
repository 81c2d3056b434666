// The dispatcher's sweep on the real stack, over a bucket of its own (no notifications): a round
// looks at no more than its cap and the next goes on where it stopped, a bad object is
// dead-lettered once with its reason, and an object that fails for a transient reason does not end
// the round; a later round predicts it.
import t from 'tap';
import { createRuntime } from '../../runtime/runtime.ts';
import { sweepBucket } from '../../processors/dispatcher/sweep.ts';
import { ensureBucket } from '../../platform/s3.ts';
import { colourImage, dispatcherDeadLetters, startTestDispatcher } from './dispatcher-fixtures.ts';
import { waitFor } from './fixtures.ts';

t.test('a sweep round is bounded, resumes where it stopped and goes on past a failing object', async (t) => {
  const rt = createRuntime('test-dispatcher-sweep');
  t.teardown(() => rt.close());
  const dispatcher = await startTestDispatcher(rt, t);
  const bucket = `vitrina-sweep-test-${dispatcher.hex}`;
  await ensureBucket(rt.s3, bucket);
  const keys = ['a.jpg', 'b.jpg', 'c-not-an-image.jpg', 'd.jpg', 'e.jpg', 'f.jpg'];
  t.teardown(async () => {
    await rt.s3.removeObjects(bucket, keys);
    await rt.s3.removeBucket(bucket);
  });
  for (const [i, key] of keys.entries()) {
    const body = key.includes('not-an-image') ? Buffer.from('words, not pixels') : await colourImage({ r: 20 + i * 30, g: 40, b: 200 });
    await rt.s3.putObject(bucket, key, body, body.length);
  }
  // The model server is unreachable for the first object the sweep sends it.
  let refusals = 1;
  const deps = {
    ...dispatcher.deps,
    encoder: {
      embedImages: async (...args: Parameters<typeof dispatcher.deps.encoder.embedImages>) => {
        if (refusals-- > 0) throw Object.assign(new Error('14 UNAVAILABLE: connection refused'), { code: 14 });
        return dispatcher.deps.encoder.embedImages(...args);
      },
    },
  };

  const first = await sweepBucket(bucket, deps, { minAgeMs: 0, maxPerRound: 4 });
  t.same(first, { listed: 4, predicted: 2, rejected: 1, failed: 1, next: 'd.jpg' }, 'the first round: 4 objects, the failing one did not end it');
  const second = await sweepBucket(bucket, deps, { minAgeMs: 0, maxPerRound: 4, startAfter: first.next });
  t.same(second, { listed: 2, predicted: 2, rejected: 0, failed: 0, next: undefined }, 'the second goes on after d.jpg and reaches the end');
  const third = await sweepBucket(bucket, deps, { minAgeMs: 0, maxPerRound: 4 });
  t.same(third, { listed: 4, predicted: 1, rejected: 0, failed: 0, next: 'd.jpg' }, 'a later round predicts the object that failed, and nothing twice');

  const letters = await waitFor('the dead letter', async () => {
    const found = await dispatcherDeadLetters(rt, `${bucket}/c-not-an-image.jpg`);
    return found.length > 0 ? found : undefined;
  }, 30_000);
  t.equal(letters.length, 1, 'one dead letter for the bad object, though three rounds saw it');
  t.equal(letters[0]!.processor, 'dispatcher.sweep');
  t.match(letters[0]!.errorMessage, /is not a usable image: the file is not an image/);
});
