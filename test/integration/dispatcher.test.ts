// Streaming inference on the real stack: an image put in the uploads bucket → MinIO's Kafka
// notification → the dispatcher → model server (tiny model, in process) → nearest products of the
// embeddings projection → an ImagePrediction event. A duplicate notification gives no second
// prediction; an object that is not an image is dead-lettered with the reason.
import crypto from 'node:crypto';
import sharp from 'sharp';
import t from 'tap';
import { createRuntime, type Runtime } from '../../cli/runtime.ts';
import { startModelServer } from '../../models/server.ts';
import { dispatcherSpec } from '../../processors/dispatcher/dispatcher.ts';
import { PredictionLedger } from '../../processors/dispatcher/ledger.ts';
import { sweepBucket } from '../../processors/dispatcher/sweep.ts';
import { createEmbeddingsProjection } from '../../projections/embeddings/projection.ts';
import { SearchCore } from '../../projections/embeddings/search.ts';
import { createEncoderClient } from '../../proto/client.ts';
import type { ImagePrediction } from '../../schemas/types.generated.ts';
import { ProcessorRunner } from '../../streams/processor.ts';
import { readToEnd } from '../../streams/read-to-end.ts';
import { buckets, ensureBucket } from '../../streams/s3.ts';
import { topics } from '../../streams/topics.ts';
import { embedding, emitEmbeddings, promote, startProjector, waitForState, type TestSpace } from './embeddings-fixtures.ts';
import { idBase, startGroupAtEnd, uniqueGroup, waitFor } from './fixtures.ts';

const COLOURS: Array<[string, string, { r: number; g: number; b: number }]> = [
  ['Tshirts', 'red', { r: 220, g: 20, b: 20 }],
  ['Jeans', 'blue', { r: 20, g: 40, b: 210 }],
  ['Kurtas', 'green', { r: 20, g: 190, b: 40 }],
];

function image(colour: { r: number; g: number; b: number }, size = 80): Promise<Buffer> {
  return sharp({ create: { width: 60, height: size, channels: 3, background: colour } }).jpeg().toBuffer();
}


async function predictionsFor(rt: Runtime, key: string): Promise<ImagePrediction[]> {
  const found: ImagePrediction[] = [];
  await readToEnd(rt.kafka, [topics.predictions.name], async (_t, _p, message) => {
    if (message.key?.toString() !== key) return;
    found.push(await rt.codec.decode(topics.predictions.name, message.value!));
  });
  return found;
}

t.test('an image put in the uploads bucket gets an ImagePrediction', async (t) => {
  const rt = createRuntime('test-dispatcher');
  t.teardown(() => rt.close());
  const seed = crypto.randomInt(10_000_000, 999_999_999);
  const version = `tiny-${seed}`;
  const server = await startModelServer({ address: '127.0.0.1:0', model: version, followPromotions: false, s3: null });
  t.teardown(() => server.stop());
  const encoder = createEncoderClient(server.address);
  t.teardown(() => encoder.close());

  // A catalog of three products whose image embeddings are those of three plain colours.
  const hex = crypto.randomBytes(4).toString('hex');
  const space: TestSpace = {
    namespace: `embt_${hex}`,
    modelName: `test-${hex}`,
    version: (name) => name,
    projection: createEmbeddingsProjection({ namespace: `embt_${hex}`, modelName: `test-${hex}`, expectedRows: async () => COLOURS.length, acceptVersion: (v) => v === version }),
  };
  await startProjector(rt, space, t);
  const base = idBase();
  const catalog = [];
  for (const [i, [articleType, , colour]] of COLOURS.entries()) {
    const [vector] = (await encoder.embedImages([await image(colour)])).vectors;
    catalog.push(embedding(base + i, version, [...vector!], [...vector!], { articleType }));
  }
  await emitEmbeddings(rt, catalog);
  await promote(rt, space, version);
  await waitForState(rt.db, space, version, 'live');

  const group = uniqueGroup('dispatcher');
  await startGroupAtEnd(rt, group, [topics.uploads.name]);
  const deps = { s3: rt.s3, encoder, search: new SearchCore(rt.db, { namespace: space.namespace }), ledger: new PredictionLedger(rt.db), producer: rt.producer, k: 3 };
  const dispatcher = new ProcessorRunner(dispatcherSpec(deps, group), rt.kafka, rt.producer);
  await dispatcher.start();
  t.teardown(() => dispatcher.stop());

  await ensureBucket(rt.s3, buckets.uploads);
  const key = `shots/${hex} blue jeans+photo.jpg`;
  const upload = await image({ r: 25, g: 45, b: 200 }, 70);
  await rt.s3.putObject(buckets.uploads, key, upload, upload.length, { 'Content-Type': 'image/jpeg' });
  const [prediction] = await waitFor('the ImagePrediction', async () => {
    const found = await predictionsFor(rt, `${buckets.uploads}/${key}`);
    return found.length > 0 ? found : undefined;
  }, 90_000);
  t.equal(prediction!.objectKey, key, 'the URL-encoded key is decoded');
  t.equal(prediction!.modelVersion, version);
  t.equal(prediction!.neighbours[0]!.productId, base + 1, 'the blue product is the nearest');
  t.equal(prediction!.predictedArticleType, 'Jeans');
  t.ok(prediction!.confidence > 0 && prediction!.confidence <= 1);
  t.ok(prediction!.etag.length > 0);

  // The same notification again (MinIO may deliver twice) and a sweep: no second prediction.
  const notification = { Records: [{ eventName: 's3:ObjectCreated:Put', s3: { bucket: { name: buckets.uploads }, object: { key: encodeURIComponent(key).replace(/%20/g, '+'), eTag: prediction!.etag, size: upload.length } } }] };
  await rt.producer.sendRaw(topics.uploads.name, [{ key: `${buckets.uploads}/${key}`, value: JSON.stringify(notification) }]);
  const sweep = await sweepBucket(buckets.uploads, deps, 0);
  t.ok(sweep.listed >= 1);
  await waitFor('the duplicate to be handled', async () => dispatcher.stats.handled >= 2, 30_000);
  t.equal((await predictionsFor(rt, `${buckets.uploads}/${key}`)).length, 1, 'one prediction per key and ETag');

  // An object that is not an image goes to the dead-letter topic with the reason.
  const junkKey = `shots/${hex}-not-an-image.jpg`;
  await rt.s3.putObject(buckets.uploads, junkKey, Buffer.from('plain text, not pixels'), 22, { 'Content-Type': 'image/jpeg' });
  const letter = await waitFor('the dead letter', async () => {
    let found: { errorMessage: string; processor: string } | undefined;
    await readToEnd(rt.kafka, [topics.deadLetter.name], async (_t, _p, message) => {
      const d = await rt.codec.decode(topics.deadLetter.name, message.value!);
      if (d.processor === 'dispatcher' && d.errorMessage.includes(junkKey)) found = d;
    });
    return found;
  }, 60_000);
  t.match(letter.errorMessage, /is not a usable image/);
});
