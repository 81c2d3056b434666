// The embedder on the real stack with a real model server (the tiny generated model, in process):
// ProductIngested events and images in MinIO → ProductEmbedded → the embeddings projection →
// search finds each product by its own image. A missing image object and an undecodable one are
// dead-lettered with the reason; a model server outage is retried; a promotion re-embeds the
// catalog in the background and the new version goes live once complete.
import crypto from 'node:crypto';
import sharp from 'sharp';
import t from 'tap';
import { createRuntime, type Runtime } from '../../runtime/runtime.ts';
import { startModelServer, type ModelServer } from '../../models/server.ts';
import { createEmbedder } from '../../processors/embedder/embedder.ts';
import { StoredEmbeddings } from '../../projections/embeddings/known.ts';
import { createEmbeddingsProjection } from '../../projections/embeddings/projection.ts';
import { SearchCore } from '../../projections/embeddings/search.ts';
import { createEncoderClient } from '../../proto/client.ts';
import type { ModelPromoted, ProductIngested } from '../../schemas/types.generated.ts';
import { groupIdOf } from '../../streams/processor.ts';
import { readToEnd } from '../../streams/read-to-end.ts';
import { buckets, ensureBucket, getObjectBytes } from '../../platform/s3.ts';
import { topics } from '../../streams/topics.ts';
import { idBase, startGroupAtEnd, uniqueGroup, waitFor } from './fixtures.ts';
import { startProjector, versionsOf, waitForState, type TestSpace } from './embeddings-fixtures.ts';

const GOOD = 10;

function product(id: number, key: string, name: string): ProductIngested {
  return {
    id, gender: id % 2 ? 'Women' : 'Men', masterCategory: 'Apparel', subCategory: 'Topwear', articleType: 'Tshirts', baseColour: 'Blue', season: 'Summer', year: 2015,
    usage: 'Casual', productDisplayName: name, imageOriginalKey: key, imageNormalizedKey: key, imageSha256: crypto.createHash('sha256').update(key).digest('hex'),
    imageWidth: 60, imageHeight: 80, datasetSnapshot: 'test', source: 'test', ingestedAt: Date.now(),
  };
}


async function deadLetters(rt: Runtime, keys: string[]): Promise<Map<string, { processor: string; errorClass: string; errorMessage: string }>> {
  const found = new Map<string, { processor: string; errorClass: string; errorMessage: string }>();
  await readToEnd(rt.kafka, [topics.deadLetter.name], async (_t, _p, message) => {
    const letter = await rt.codec.decode(topics.deadLetter.name, message.value!);
    const key = letter.key?.toString() ?? '';
    if (keys.includes(key) && letter.processor === 'embedder') found.set(key, { processor: letter.processor, errorClass: letter.errorClass, errorMessage: letter.errorMessage });
  });
  return found;
}

t.test('ProductIngested + images in MinIO → embedder → ProductEmbedded → projection → search', async (t) => {
  const rt = createRuntime('test-embedder');
  t.teardown(() => rt.close());
  const seed = crypto.randomInt(10_000_000, 999_999_999);
  const [v1, v2] = [`tiny-${seed}`, `tiny-${seed + 1}`];
  let server: ModelServer = await startModelServer({ address: '127.0.0.1:0', model: v1, followPromotions: false, s3: null });
  t.teardown(() => server.stop());
  const encoder = createEncoderClient(server.address);
  t.teardown(() => encoder.close());

  const hex = crypto.randomBytes(4).toString('hex');
  const expected = GOOD + 2;
  const ids: number[] = [];
  const space: TestSpace = {
    namespace: `embt_${hex}`,
    modelName: `test-${hex}`,
    version: (name) => name,
    projection: createEmbeddingsProjection({ namespace: `embt_${hex}`, modelName: `test-${hex}`, expectedRows: async () => ids.length, acceptVersion: (v) => v === v1 || v === v2 }),
  };
  await startProjector(rt, space, t);

  // Products: GOOD with distinct images, one whose object is missing, one whose object is not an image.
  await ensureBucket(rt.s3, buckets.images);
  const base = idBase();
  const products: ProductIngested[] = [];
  for (let i = 0; i < GOOD; i += 1) {
    const key = `normalized/test-embedder-${hex}-${i}.jpg`;
    const image = await sharp({ create: { width: 60, height: 80, channels: 3, background: { r: (i * 83) % 256, g: (i * 47) % 256, b: (i * 151) % 256 } } }).jpeg().toBuffer();
    await rt.s3.putObject(buckets.images, key, image, image.length, { 'Content-Type': 'image/jpeg' });
    products.push(product(base + i, key, `Embedder test shirt number ${i}`));
  }
  const missing = product(base + GOOD, `normalized/test-embedder-${hex}-missing.jpg`, 'Shirt without an image object');
  const brokenKey = `normalized/test-embedder-${hex}-broken.jpg`;
  await rt.s3.putObject(buckets.images, brokenKey, Buffer.from('definitely not a jpeg'), 21, { 'Content-Type': 'image/jpeg' });
  const broken = product(base + GOOD + 1, brokenKey, 'Shirt with a broken image');
  ids.push(...[...products, missing, broken].map((p) => p.id));

  const group = uniqueGroup('embedder');
  await startGroupAtEnd(rt, group, [topics.products.name, topics.promotions.name]);
  const embedder = createEmbedder(
    { kafka: rt.kafka, producer: rt.producer, s3: rt.s3, encoder, known: new StoredEmbeddings(rt.db, space.namespace) },
    { groupId: group, modelName: space.modelName, batchSize: 4, catalogFilter: (p) => ids.includes(p.id) },
  );
  await embedder.start();
  t.teardown(() => embedder.stop());
  t.equal(embedder.runner.groupId, group);
  t.not(groupIdOf('embedder'), group);

  await rt.producer.send(topics.products.name, [...products, missing, broken].map((p) => ({ key: String(p.id), value: p })));
  const live = await waitForState(rt.db, space, v1, 'live', 120_000);
  t.match(live, { rows: expected, expectedRows: expected, dimension: Number }, 'every product is embedded; the version is complete and live');

  const { rows } = await rt.db.query<{ product_id: number; has_image: boolean; has_text: boolean; image_key: string | null; article_type: string }>(
    `SELECT product_id, image_embedding IS NOT NULL AS has_image, text_embedding IS NOT NULL AS has_text, image_key, article_type FROM ${live.table} ORDER BY product_id`,
  );
  t.same(rows.filter((r) => r.has_image).map((r) => r.product_id), products.map((p) => p.id), 'products with a usable image have an image embedding');
  t.same(rows.filter((r) => !r.has_image).map((r) => [r.product_id, r.image_key]), [[missing.id, null], [broken.id, null]], 'the others are kept with their name embedding only');
  t.ok(rows.every((r) => r.has_text && r.article_type === 'Tshirts'), 'names are embedded and attributes copied from the product');

  const letters = await waitFor('the dead letters', async () => {
    const found = await deadLetters(rt, [String(missing.id), String(broken.id)]);
    return found.size === 2 ? found : undefined;
  });
  t.match(letters.get(String(missing.id)), { errorClass: 'PoisonError', errorMessage: /image object missing: vitrina-images\/normalized\/test-embedder-.*-missing\.jpg/ }, 'a missing image object is dead-lettered with the reason');
  t.match(letters.get(String(broken.id)), { errorClass: 'PoisonError', errorMessage: /undecodable image/ }, 'so is an undecodable image');

  const search = new SearchCore(rt.db, { namespace: space.namespace });
  for (const i of [0, 5, 9]) {
    const bytes = await getObjectBytes(rt.s3, buckets.images, products[i]!.imageNormalizedKey);
    const [vector] = (await encoder.embedImages([bytes], v1)).vectors;
    const page = await search.byImageVector(vector!, { k: 3 });
    t.equal(page.hits[0]!.product.id, products[i]!.id, `product ${i} is found by its own image`);
    t.ok(page.hits[0]!.score > 0.999, 'with a cosine similarity of 1');
  }
  const [nameVector] = (await encoder.embedTexts(['Shirt with a broken image'], v1)).vectors;
  t.equal((await search.byNameVector(nameVector!, { k: 1 })).hits[0]!.product.id, broken.id, 'a product without an image is found by its name');

  // Idempotent: the same product again is not embedded again.
  const skippedBefore = embedder.stats.skipped;
  await rt.producer.send(topics.products.name, [{ key: String(products[0]!.id), value: products[0]! }]);
  await waitFor('the duplicate to be skipped', async () => embedder.stats.skipped > skippedBefore);
  t.pass('an unchanged product is skipped');

  // The model server goes away: the batch is retried until it is back.
  const address = server.address;
  await server.stop();
  const late = product(base + GOOD + 2, products[1]!.imageNormalizedKey, 'Shirt that waits for the model server');
  ids.push(late.id);
  await rt.producer.send(topics.products.name, [{ key: String(late.id), value: late }]);
  await waitFor('a retry', async () => embedder.runner.stats.retries > 0, 60_000);
  server = await startModelServer({ address, model: v1, followPromotions: false, s3: null });
  await waitFor('the late product in the projection', async () => {
    const { rows: found } = await rt.db.query(`SELECT 1 FROM ${live.table} WHERE product_id = $1`, [late.id]);
    return found.length === 1;
  }, 120_000);
  t.pass('a product that arrived while the model server was down is embedded once it is back');
  t.equal(embedder.runner.stats.deadLettered, 0, 'an outage is not the product\'s fault: nothing dead-lettered by the runner');

  // A promotion: the catalog is re-embedded for the new version in the background; it goes live when complete.
  const promotion: ModelPromoted = { modelName: space.modelName, version: v2, previousVersion: v1, reason: 'test', promotedBy: 'test', promotedAt: Date.now() };
  await rt.producer.send(topics.promotions.name, [{ key: space.modelName, value: promotion }]);
  await waitFor('the re-embedding to start', async () => embedder.reembedStatus()?.version === v2, 120_000);
  const status = await embedder.reembedFinished();
  t.match(status, { version: v2, state: 'done', total: ids.length, done: ids.length }, 'the background re-embedding covered the catalog');
  const second = await waitForState(rt.db, space, v2, 'live', 120_000);
  t.equal(second.rows, ids.length);
  t.equal(embedder.currentVersion(), v2, 'new products are embedded for the new champion');
  t.match((await versionsOf(rt.db, space)).find((v) => v.version === v1), { state: 'complete' });
  t.equal(await search.liveVersion(), v2, 'search reads the new version');
});
