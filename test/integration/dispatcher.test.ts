// Streaming inference on the real stack: an image put in the uploads bucket → MinIO's Kafka
// notification → the dispatcher → model server (tiny model, in process) → nearest products of the
// embeddings projection → an ImagePrediction event. A duplicate notification gives no second
// prediction; an object that is not an image is dead-lettered with the reason.
import t from 'tap';
import { createRuntime } from '../../runtime/runtime.ts';
import { sweepBucket } from '../../processors/dispatcher/sweep.ts';
import { buckets } from '../../platform/s3.ts';
import { topics } from '../../streams/topics.ts';
import { dispatcherDeadLetters, predictionsFor, startTestDispatcher, uploadBlueAndWait } from './dispatcher-fixtures.ts';
import { waitFor } from './fixtures.ts';

t.test('an image put in the uploads bucket gets an ImagePrediction', async (t) => {
  const rt = createRuntime('test-dispatcher');
  t.teardown(() => rt.close());
  const { version, hex, base, deps, runner: dispatcher } = await startTestDispatcher(rt, t);

  const key = `shots/${hex} blue jeans+photo.jpg`;
  const prediction = await uploadBlueAndWait(rt, key, 90_000);
  t.equal(prediction.objectKey, key, 'the URL-encoded key is decoded');
  t.equal(prediction.modelVersion, version);
  t.equal(prediction.neighbours[0]!.productId, base + 1, 'the blue product is the nearest');
  t.equal(prediction.predictedArticleType, 'Jeans');
  t.ok(prediction.confidence > 0 && prediction.confidence <= 1);
  t.ok(prediction.etag.length > 0);

  // The same notification again (MinIO may deliver twice) and a sweep: no second prediction.
  const notification = { Records: [{ eventName: 's3:ObjectCreated:Put', s3: { bucket: { name: buckets.uploads }, object: { key: encodeURIComponent(key).replace(/%20/g, '+'), eTag: prediction.etag, size: 1 } } }] };
  await rt.producer.sendRaw(topics.uploads.name, [{ key: `${buckets.uploads}/${key}`, value: JSON.stringify(notification) }]);
  const sweep = await sweepBucket(buckets.uploads, deps, { minAgeMs: 0 });
  t.ok(sweep.listed >= 1);
  await waitFor('the duplicate to be handled', async () => dispatcher.stats.handled >= 2, 30_000);
  t.equal((await predictionsFor(rt, `${buckets.uploads}/${key}`)).length, 1, 'one prediction per key and ETag');

  // An object that is not an image goes to the dead-letter topic with the reason.
  const junkKey = `shots/${hex}-not-an-image.jpg`;
  await rt.s3.putObject(buckets.uploads, junkKey, Buffer.from('plain text, not pixels'), 22, { 'Content-Type': 'image/jpeg' });
  const [letter] = await waitFor('the dead letter', async () => {
    const found = await dispatcherDeadLetters(rt, junkKey);
    return found.length > 0 ? found : undefined;
  }, 60_000);
  t.match(letter!.errorMessage, /is not a usable image/);
});
