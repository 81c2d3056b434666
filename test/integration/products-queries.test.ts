// What others read from the products projection goes through projections/products/queries.ts: the
// training run's catalog, the embeddings projection's expected row count and the search core's
// product fallback all see the products the live projector applied, and only those.
import crypto from 'node:crypto';
import t from 'tap';
import { catalogFromProjection } from '../../processors/training-run/catalog.ts';
import { catalogSize } from '../../projections/embeddings/registry.ts';
import { SearchCore } from '../../projections/embeddings/search.ts';
import { createProjector } from '../../projections/projector.ts';
import { productsProjection } from '../../projections/products/projection.ts';
import { namedProducts, productById, productCount } from '../../projections/products/queries.ts';
import { createRuntime } from '../../runtime/runtime.ts';
import type { ProductIngested } from '../../schemas/types.generated.ts';
import { topics } from '../../streams/topics.ts';
import { idBase, startGroupAtEnd, uniqueGroup, waitFor } from './fixtures.ts';

t.test('the products projection is read through its queries module', async (t) => {
  const rt = createRuntime('test-products-queries');
  t.teardown(() => rt.close());
  const snapshot = `queries-${crypto.randomBytes(4).toString('hex')}`;
  const base = idBase();
  const event = (i: number): ProductIngested => ({
    id: base + i, gender: 'Women', masterCategory: 'Apparel', subCategory: 'Topwear', articleType: i % 2 ? 'Tops' : 'Shirts', baseColour: 'Red',
    season: 'Summer', year: 2016, usage: 'Casual', productDisplayName: i === 3 ? null : `Queries product ${i}`,
    imageOriginalKey: `originals/${base + i}.jpg`, imageNormalizedKey: `normalized/${base + i}.jpg`, imageSha256: 's', imageWidth: 60, imageHeight: 80,
    datasetSnapshot: snapshot, source: 'test', ingestedAt: 1_700_000_000_000,
  });
  const events = [0, 1, 2, 3].map(event);
  const countBefore = await productCount(rt.db);

  const group = uniqueGroup('products-queries');
  await startGroupAtEnd(rt, group, [topics.products.name]);
  await rt.producer.send(topics.products.name, events.map((value) => ({ key: String(value.id), value })));
  const projector = createProjector(productsProjection, rt, { groupId: group });
  await projector.start();
  try {
    await waitFor('the products in the live projection', async () => (await productById(rt.db, base + 3)) !== undefined, 150_000);
  } finally {
    await projector.stop(); // before the runtime's pool closes: a projector left running would find the pool ended
  }

  const named = await namedProducts(rt.db, snapshot);
  t.same(named.map((p) => p.id).sort((a, b) => a - b), [base, base + 1, base + 2], 'of the snapshot, the products with a display name');
  t.same(await productById(rt.db, base + 1), {
    id: base + 1, displayName: 'Queries product 1', gender: 'Women', masterCategory: 'Apparel', subCategory: 'Topwear', articleType: 'Tops',
    baseColour: 'Red', season: 'Summer', usage: 'Casual', year: 2016, imageNormalizedKey: `normalized/${base + 1}.jpg`, datasetSnapshot: snapshot,
  });
  t.equal(await productById(rt.db, base + 99), undefined, 'an id never ingested');
  t.ok((await productCount(rt.db)) - countBefore >= events.length, 'the count grew by the products applied');

  const catalog = await catalogFromProjection(rt.db, snapshot);
  t.equal(catalog.source, 'products-projection');
  t.same(catalog.rows.map((r) => [r.id, r.articleType]), [[base, 'Shirts'], [base + 1, 'Tops'], [base + 2, 'Shirts']], "the training run's catalog");

  const client = await rt.db.connect();
  try {
    t.equal(await catalogSize(client), await productCount(client), 'the embeddings projection expects the products projection\'s count');
  } finally {
    client.release();
  }
  const search = new SearchCore(rt.db, { namespace: `nover_${crypto.randomBytes(4).toString('hex')}` });
  t.match(await search.product(base + 2), { id: base + 2, name: 'Queries product 2', articleType: 'Shirts', imageKey: `normalized/${base + 2}.jpg` }, 'without a live version, the search core falls back to the products projection');
  t.equal(await search.product(base + 99), undefined);
});
