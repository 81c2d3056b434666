// The search core over embeddings the test controls: ProductEmbedded events → the embeddings
// projector → SearchCore returns the expected neighbours in order, with filters, exact pages (ties
// broken by product id across a page boundary), name and hybrid search, facets and products.
import t from 'tap';
import { createRuntime } from '../../runtime/runtime.ts';
import { SearchCore, type Hit } from '../../projections/embeddings/search.ts';
import { DimensionMismatchError, ProductNotFoundError, UnknownModelVersionError } from '../../projections/embeddings/errors.ts';
import { idBase } from './fixtures.ts';
import { angleVector, embedding, emitEmbeddings, startProjector, testSpace, waitForState } from './embeddings-fixtures.ts';

const DIM = 8;
const COUNT = 40;
const TWIN = 39; // same image vector as product 5: a tie broken by id
const TYPES = ['Shirts', 'Jeans', 'Watches', 'Handbags'];
const COLOURS = ['Red', 'Blue', 'Green', 'Black', 'White'];

t.test('SearchCore finds the expected neighbours, with filters, exact pages and hybrid ranking', async (t) => {
  const rt = createRuntime('test-embeddings-search');
  t.teardown(() => rt.close());
  const space = testSpace(COUNT);
  const version = space.version('v1');
  const base = idBase();
  const id = (i: number): number => base + i;
  const imageAngle = (i: number): number => (i === TWIN ? 5 : i) * 2;
  const attributes = (i: number) => ({
    gender: i % 2 === 0 ? 'Men' : 'Women',
    masterCategory: 'Apparel',
    subCategory: 'Topwear',
    articleType: TYPES[i % TYPES.length]!,
    baseColour: COLOURS[i % COLOURS.length]!,
    season: 'Summer',
    usage: 'Casual',
    year: 2010 + (i % 3),
    productDisplayName: i === 20 ? 'Crimson Velvet Blazer' : `Vitrina ${COLOURS[i % COLOURS.length]} ${TYPES[i % TYPES.length]} ${i}`,
  });
  const events = Array.from({ length: COUNT }, (_, i) => embedding(id(i), version, angleVector(DIM, imageAngle(i)), angleVector(DIM, (COUNT - 1 - i) * 2, 2, 3), attributes(i)));
  await startProjector(rt, space, t);
  await emitEmbeddings(rt, events);
  await waitForState(rt.db, space, version, 'live');

  const search = new SearchCore(rt.db, { namespace: space.namespace });
  const query = new Float32Array(angleVector(DIM, 0));
  const ids = (hits: Hit[]): number[] => hits.map((h) => h.product.id - base);
  // Nearest to angle 0 by image: 0..5, then the twin of 5 (a larger id), then 6..38.
  const byImage = [0, 1, 2, 3, 4, 5, TWIN, ...Array.from({ length: 33 }, (_, i) => i + 6)];

  t.equal(await search.liveVersion(), version, 'the complete version is live');

  const top = await search.byImageVector(query, { k: 5 });
  t.same(ids(top.hits), [0, 1, 2, 3, 4], 'image neighbours in order');
  t.equal(top.modelVersion, version);
  t.ok(Math.abs(top.hits[0]!.score - 1) < 1e-6 && Math.abs(top.hits[1]!.score - Math.cos((2 * Math.PI) / 180)) < 1e-6, 'scores are cosine similarities');
  t.match(top.hits[0]!.product, { id: id(0), name: 'Vitrina Red Shirts 0', gender: 'Men', articleType: 'Shirts', baseColour: 'Red', year: 2010, imageKey: `normalized/${id(0)}.jpg` });

  t.same(ids((await search.byTextVector(query, { k: 40 })).hits), byImage, 'text vectors search the image embeddings (cross-modal), every product once');

  for (const k of [6, 7]) {
    const pages: number[] = [];
    for (let offset = 0; offset < COUNT; offset += k) pages.push(...ids((await search.byImageVector(query, { k, offset })).hits));
    t.same(pages, byImage, `pages of ${k} concatenate to the full ranking, the tie at a page boundary ordered by id`);
  }
  t.same(ids((await search.byImageVector(query, { k: 5, offset: 38 })).hits), [37, 38], 'the last page is short');

  const women = await search.byImageVector(query, { k: 5, filters: { gender: ['Women'] } });
  t.same(ids(women.hits), [1, 3, 5, TWIN, 7], 'a filter keeps only its products, in order');
  const narrow = await search.byImageVector(query, { k: 10, filters: { articleType: ['Watches', 'Handbags'], year: [2011], baseColour: ['Black', 'Green', 'White'] } });
  const expected = byImage.filter((i) => ['Watches', 'Handbags'].includes(TYPES[i % 4]!) && 2010 + (i % 3) === 2011 && ['Black', 'Green', 'White'].includes(COLOURS[i % 5]!));
  t.same(ids(narrow.hits), expected.slice(0, 10), 'several filters are AND-ed, values within one OR-ed');

  const byName = await search.byNameVector(new Float32Array(angleVector(DIM, 0, 2, 3)), { k: 3 });
  t.same(ids(byName.hits), [39, 38, 37], 'name vectors search the name embeddings');

  const alike = await search.moreLikeThis(id(0), { k: 3 });
  t.same(ids(alike.hits), [1, 2, 3], 'more like this excludes the product itself');
  await t.rejects(search.moreLikeThis(base + 999, { k: 3 }), ProductNotFoundError);

  // Hybrid: v is orthogonal to every name embedding (all tie, ranked by id); only product 20 says "velvet".
  const rank = (list: number[], i: number): number => list.indexOf(i) + 1;
  const byId = Array.from({ length: COUNT }, (_, i) => i);
  const fused = byId
    .map((i) => ({ i, score: 1 / (60 + rank(byImage, i)) + 1 / (60 + rank(byId, i)) + (i === 20 ? 1 / 61 : 0) }))
    .sort((a, b) => b.score - a.score || a.i - b.i);
  const hybrid = await search.hybrid('velvet!', query, { k: 10 });
  t.same(ids(hybrid.hits), fused.slice(0, 10).map((f) => f.i), 'hybrid is the reciprocal rank fusion of image, name and keyword ranks');
  t.equal(hybrid.hits[0]!.product.id, id(20), 'the keyword match leads');
  t.ok(Math.abs(hybrid.hits[0]!.score - fused[0]!.score) < 1e-12, 'with its RRF score');
  const hybridPages = [...(await search.hybrid('velvet!', query, { k: 4 })).hits, ...(await search.hybrid('velvet!', query, { k: 4, offset: 4 })).hits];
  t.same(ids(hybridPages), fused.slice(0, 8).map((f) => f.i), 'hybrid pages are exact too');

  const facets = await search.facets({ gender: ['Men'] });
  const men = byId.filter((i) => i % 2 === 0);
  t.same(facets.gender, [{ value: 'Men', count: 20 }], 'facets count under the current filters');
  const shirts = men.filter((i) => i % 4 === 0).length;
  t.same(facets.articleType, [{ value: 'Watches', count: 20 - shirts }, { value: 'Shirts', count: shirts }].sort((a, b) => b.count - a.count || a.value.localeCompare(b.value)));
  t.equal(facets.year!.reduce((s, f) => s + f.count, 0), 20);
  const values = await search.filterValues();
  t.same(values.articleType, [...TYPES].sort());
  t.same(values.year, ['2010', '2011', '2012']);

  t.match(await search.product(id(20)), { id: id(20), name: 'Crimson Velvet Blazer' });
  t.equal(await search.product(base + 999), undefined);

  await t.rejects(search.byImageVector(new Float32Array(4), { k: 3 }), DimensionMismatchError, 'a query vector of the wrong dimension is refused');
  await t.rejects(search.byImageVector(query, { k: 3, modelVersion: space.version('unknown') }), UnknownModelVersionError);
  await t.rejects(search.byImageVector(query, { k: 0 }), RangeError);
  t.same(ids((await search.byImageVector(query, { k: 2, modelVersion: version })).hits), [0, 1], 'a complete version can be named');
});
