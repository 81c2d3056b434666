// Query understanding on the real stack: the search core's exclusions and boosts over an
// embeddings projection the test fills (ProductEmbedded → projector → PostgreSQL), and the gateway
// over that core reading shoppers' words into filters, echoing them, and relaxing them when they
// leave nothing, and facets and variants over a search's own top results, with the real model
// server (the tiny model) embedding the queries. The expected rankings are computed here from the
// vectors the test chose.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import t from 'tap';
import { createRuntime } from '../../runtime/runtime.ts';
import { buildGateway } from '../../gateway/index.ts';
import { writeManifest } from '../../models/manifest.ts';
import { startModelServer } from '../../models/server.ts';
import { createEncoderClient } from '../../proto/client.ts';
import { SearchCore, type Hit } from '../../projections/embeddings/search.ts';
import { angleVector, embedding, emitEmbeddings, promote, startProjector, testSpace, waitForState } from './embeddings-fixtures.ts';
import { idBase } from './fixtures.ts';

const COUNT = 24;
const TYPES = ['Dresses', 'Watches', 'Tshirts'];
const COLOURS = ['Black', 'Red', 'Navy Blue', 'White'];

const rt = createRuntime('test-search-understanding');
t.teardown(() => rt.close());
const space = testSpace(COUNT);
const version = space.version('tiny');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'vitrina-understanding-'));
writeManifest(path.join(tmp, 'models', version), { source: 'tiny', seed: 13, version });
const modelServer = await startModelServer({ address: '127.0.0.1:0', model: path.join(tmp, 'models', version), cacheDir: tmp, s3: null, threads: 1 });
t.teardown(() => modelServer.stop());
const encoder = createEncoderClient(modelServer.address, 10_000);
t.teardown(() => encoder.close());
const DIM = (await encoder.embedTexts(['x'], version)).vectors[0]!.length;
const base = idBase();
const attributes = (i: number) => ({
  gender: i % 2 === 0 ? 'Men' : 'Women',
  masterCategory: 'Apparel',
  subCategory: 'Topwear',
  articleType: TYPES[i % 3]!,
  baseColour: COLOURS[i % 4]!,
  season: i % 5 === 0 ? 'Winter' : 'Summer',
  usage: i % 6 === 0 ? 'Formal' : 'Casual',
  year: 2012,
  productDisplayName: `Understanding ${COLOURS[i % 4]} ${TYPES[i % 3]}`, // 12 names, two products each
});
// image and name embeddings at angle 2i degrees from the query: product i is the i-th nearest
const vector = (i: number): number[] => angleVector(DIM, i * 2);
await startProjector(rt, space, t);
await emitEmbeddings(rt, Array.from({ length: COUNT }, (_, i) => embedding(base + i, version, vector(i), vector(i), attributes(i))));
await promote(rt, space, version);
await waitForState(rt.db, space, version, 'live');
const core = new SearchCore(rt.db, { namespace: space.namespace, exactBelow: 0 });
const query = new Float32Array(angleVector(DIM, 0));
const ids = (hits: Hit[]): number[] => hits.map((h) => h.product.id - base);
const all = Array.from({ length: COUNT }, (_, i) => i);

t.test('the search core: exclusions drop values, boosts raise them within the pool', async (t) => {
  const notBlack = await core.byNameVector(query, { k: 6, exclude: { baseColour: ['Black'] } });
  t.same(ids(notBlack.hits), all.filter((i) => i % 4 !== 0).slice(0, 6), 'every Black product left out, the rest in order');
  const dresses = await core.byTextVector(query, { k: 4, filters: { articleType: ['Dresses'] }, exclude: { baseColour: ['Black', 'Red'] } });
  t.same(ids(dresses.hits), all.filter((i) => i % 3 === 0 && i % 4 >= 2).slice(0, 4), 'a filter and an exclusion together');

  // 0.03 of cosine distance per boosted attribute: angle 2i has distance 1 - cos(2i°)
  const boosted = await core.byNameVector(query, { k: 8, boost: { usage: ['Formal'] } });
  const expected = all
    .map((i) => ({ i, d: 1 - Math.cos((i * 2 * Math.PI) / 180) - (i % 6 === 0 ? 0.03 : 0) }))
    .sort((a, b) => a.d - b.d || a.i - b.i)
    .map((x) => x.i);
  t.same(ids(boosted.hits), expected.slice(0, 8), 'Formal products move up by the boost');
  t.ok(ids(boosted.hits).indexOf(18) < ids((await core.byNameVector(query, { k: 24 })).hits).indexOf(18), 'product 18 (Formal) ranks higher than unboosted');
  // a selective filter is ranked exactly (few rows pass), the boost applied over all of them
  const exact = new SearchCore(rt.db, { namespace: space.namespace });
  const boostedDresses = await exact.byNameVector(query, { k: 8, filters: { articleType: ['Dresses'] }, boost: { usage: ['Formal'] } });
  t.same(ids(boostedDresses.hits), expected.filter((i) => i % 3 === 0).slice(0, 8), 'boost and a filter few rows pass, together');

  const hybrid = await core.hybrid('understanding dress', query, { k: 10, exclude: { baseColour: ['Black'] } });
  t.ok(hybrid.hits.length === 10 && hybrid.hits.every((h) => h.product.baseColour !== 'Black'), 'hybrid honours exclusions');
  const hybridBoost = await core.hybrid('understanding', query, { k: 24, boost: { season: ['Winter'] } });
  const plain = await core.hybrid('understanding', query, { k: 24 });
  const winterRank = (hits: Hit[]): number => hits.findIndex((h) => h.product.season === 'Winter' && h.product.id !== base);
  t.ok(winterRank(hybridBoost.hits) <= winterRank(plain.hits), 'hybrid raises boosted products');
});

/** The products that pass `keep` in the order the core must rank them for a query vector: cosine similarity, then id. */
function rankedFor(query: ArrayLike<number>, keep: (i: number) => boolean): number[] {
  const cos = (i: number): number => {
    const v = vector(i);
    let dot = 0;
    let nq = 0;
    for (let d = 0; d < v.length; d += 1) {
      dot += v[d]! * query[d]!;
      nq += query[d]! * query[d]!;
    }
    return dot / Math.sqrt(nq);
  };
  return all.filter(keep).sort((a, b) => cos(b) - cos(a) || a - b);
}

t.test('the gateway reads the query into filters on the real core, and relaxes what leaves nothing', async (t) => {
  const app = await buildGateway({ search: new SearchCore(rt.db, { namespace: space.namespace }), encoder, s3: rt.s3 }, { defaultMode: 'name' });
  t.teardown(() => app.close());

  const res = await app.inject({ url: '/api/v1/search?q=womens%20dress%20not%20black&k=24' });
  t.equal(res.statusCode, 200, res.body);
  const page = res.json() as { hits: Array<{ product: { id: number; articleType: string; baseColour: string } }>; query: { understood: Array<{ attribute: string; values: string[]; applied: string }>; searchedText: string; broadened: { after: number; dropped: Array<{ attribute: string }> } } };
  t.same(page.query.understood.map((u) => [u.attribute, u.values, u.applied]), [
    ['gender', ['Women', 'Unisex'], 'filter'],
    ['articleType', ['Dresses'], 'filter'],
    ['baseColour', ['Black'], 'exclude'],
  ]);
  t.equal(page.query.searchedText, 'womens dress', 'the negated words are not embedded');
  const q = (await encoder.embedTexts(['womens dress'], version)).vectors[0]!;
  const matching = rankedFor(q, (i) => i % 2 === 1 && i % 3 === 0 && i % 4 !== 0);
  t.same(page.hits.slice(0, page.query.broadened.after).map((h) => h.product.id - base), matching, "first exactly the catalog's women's dresses that are not black, nearest to the embedded text first");
  t.same(page.query.broadened.dropped.map((u) => u.attribute), ['gender', 'articleType'], 'then, to fill the page, without the gender filter (the least certain), then without the type');
  t.ok(page.hits.slice(matching.length, 6).every((h) => h.product.articleType === 'Dresses'), "the other dresses first (6 aren't black)");
  t.ok(page.hits.length === 18 && page.hits.every((h) => h.product.baseColour !== 'Black'), 'the exclusion stays: a page is never filled with what the shopper said no to');

  const relaxed = (await app.inject({ url: '/api/v1/search?q=navy%20blue%20tshirt%20for%20her&k=5' })).json() as { hits: Array<{ product: { articleType: string; baseColour: string; gender: string } }>; query: { relaxed: Array<{ attribute: string }>; broadened: { after: number } } };
  // navy blue tshirts exist only for men (i ≡ 2 mod 4 and ≡ 2 mod 3: even): the least certain, the gender read from "her", is relaxed
  t.same(relaxed.query.relaxed.map((u) => u.attribute), ['gender'], 'relaxed the gender and said so');
  t.ok(relaxed.query.broadened.after > 0 && relaxed.hits.slice(0, relaxed.query.broadened.after).every((h) => h.product.articleType === 'Tshirts' && h.product.baseColour === 'Navy Blue'), 'and found navy blue tshirts');

  // two black dresses (i ≡ 0 mod 12): the page of 5 is filled with the nearest dresses of other colours
  type Page = { hits: Array<{ product: { id: number } }>; nextOffset: number | null; query: { broadened: { after: number; dropped: Array<{ attribute: string }> } } };
  const short = (await app.inject({ url: '/api/v1/search?q=black%20dress&k=5' })).json() as Page;
  const d = (await encoder.embedTexts(['black dress'], version)).vectors[0]!;
  const expected = [...rankedFor(d, (i) => i % 12 === 0), ...rankedFor(d, (i) => i % 3 === 0 && i % 12 !== 0)];
  t.same(short.hits.map((h) => h.product.id - base), expected.slice(0, 5), 'the black dresses first, then the other dresses nearest to the text');
  t.same([short.query.broadened.after, short.query.broadened.dropped.map((u) => u.attribute)], [2, ['baseColour']], 'and the echo says from where and without what');
  const next = (await app.inject({ url: '/api/v1/search?q=black%20dress&k=5&offset=5' })).json() as Page;
  t.same(next.hits.slice(0, 3).map((h) => h.product.id - base), expected.slice(5, 8), 'the next page goes on with the same list (8 dresses in all, then other types)');
  const graphql = await app.inject({ method: 'POST', url: '/graphql', payload: { query: '{ search(q: "black dress", k: 5) { query { broadened { after dropped { attribute } } } hits { product { id } } } }' } });
  const g = (graphql.json() as { data: { search: { query: Page['query']; hits: Array<{ product: { id: string | number } }> } } }).data.search;
  t.same([g.query.broadened, g.hits.map((h) => Number(h.product.id))], [{ after: 2, dropped: [{ attribute: 'baseColour' }] }, short.hits.map((h) => h.product.id)], 'GraphQL answers the same filled page and says the same');
});

t.test('facets over the top results and variants collapsed by name, on the real core', async (t) => {
  const app = await buildGateway({ search: new SearchCore(rt.db, { namespace: space.namespace }), encoder, s3: rt.s3 }, { defaultMode: 'vector', understandQueries: false });
  t.teardown(() => app.close());
  const page = (await app.inject({ url: '/api/v1/search?q=anything&k=3&facets=articleType,gender&gender=Women' })).json() as { hits: unknown[]; facets: Record<string, Array<{ value: string; count: number }>>; resultsCounted: number };
  const women = all.filter((i) => i % 2 === 1);
  t.equal(page.hits.length, 3);
  t.equal(page.resultsCounted, women.length, 'every product that passes the filter is among the top results here');
  t.same(page.facets.articleType, TYPES.map((type, ti) => ({ value: type, count: women.filter((i) => i % 3 === ti).length })).sort((a, b) => b.count - a.count || (a.value < b.value ? -1 : 1)), 'counted over the filtered results');
  t.same(page.facets.gender, [{ value: 'Women', count: women.length }]);

  const collapsed = (await app.inject({ url: '/api/v1/search?q=anything&k=24&collapse=name' })).json() as { hits: Array<{ product: { id: number; name: string }; variants: { count: number; products: Array<{ id: number }> } }> };
  t.equal(collapsed.hits.length, 12, 'one hit per display name');
  const order = rankedFor((await encoder.embedTexts(['anything'], version)).vectors[0]!, () => true);
  const partner = (i: number): number => (i < 12 ? i + 12 : i - 12);
  t.same(collapsed.hits.map((h) => h.product.id - base), order.filter((i) => order.indexOf(i) < order.indexOf(partner(i))), 'each name at the rank of its nearest product');
  t.ok(collapsed.hits.every((h) => h.variants.count === 2 && h.variants.products[1]!.id - base === partner(h.product.id - base)), 'with its other product (i and i ± 12 share a name)');
});


t.test('collapsed by name: pages follow one another and a facet counts the hits its filter gives', async (t) => {
  const app = await buildGateway({ search: new SearchCore(rt.db, { namespace: space.namespace }), encoder, s3: rt.s3 }, { defaultMode: 'name', understandQueries: false });
  t.teardown(() => app.close());
  type Collapsed = { hits: Array<{ product: { id: number; name: string } }>; nextOffset: number | null; facets: Record<string, Array<{ value: string; count: number }>> };
  const get = async (query: string): Promise<Collapsed> => {
    const res = await app.inject({ url: `/api/v1/search?q=anything&collapse=name&${query}` });
    t.equal(res.statusCode, 200, res.body);
    return res.json() as Collapsed;
  };
  const whole = await get('k=24');
  t.equal(whole.hits.length, 12, 'twelve names');
  const pages = [await get('k=5&offset=0'), await get('k=5&offset=5'), await get('k=5&offset=10')];
  t.same(pages.flatMap((p) => p.hits.map((h) => h.product.id)), whole.hits.map((h) => h.product.id), 'pages of five names, one after another, neither overlapping nor skipping');
  t.same(pages.map((p) => p.nextOffset), [5, 10, null], 'offsets count names, not products');

  const faceted = await get('k=24&facets=articleType,baseColour,gender');
  for (const attribute of ['articleType', 'baseColour', 'gender']) {
    for (const { value, count } of faceted.facets[attribute]!) {
      const filtered = await get(`k=24&${attribute}=${encodeURIComponent(value)}`);
      t.equal(count, filtered.hits.length, `${attribute} ${value}: the count is the number of hits that filter gives`);
    }
  }
});

t.test('a query text embedded once is not sent to the model server again (the gateway remembers recent query embeddings)', async (t) => {
  // a model server of this test's own, stopped half way
  const own = await startModelServer({ address: '127.0.0.1:0', model: path.join(tmp, 'models', version), cacheDir: tmp, s3: null, threads: 1 });
  const ownEncoder = createEncoderClient(own.address, 5_000);
  t.teardown(() => ownEncoder.close());
  const cached = await buildGateway({ search: new SearchCore(rt.db, { namespace: space.namespace }), encoder: ownEncoder, s3: rt.s3 }, { defaultMode: 'name', understandQueries: false });
  t.teardown(() => cached.close());
  const uncached = await buildGateway({ search: new SearchCore(rt.db, { namespace: space.namespace }), encoder: ownEncoder, s3: rt.s3 }, { defaultMode: 'name', understandQueries: false, queryEmbeddingCacheSize: 0 });
  t.teardown(() => uncached.close());
  const first = await cached.inject({ url: '/api/v1/search?q=red%20dress&k=5' });
  t.equal(first.statusCode, 200, first.body);
  t.equal((await uncached.inject({ url: '/api/v1/search?q=red%20dress&k=5' })).statusCode, 200);
  await own.stop();

  const again = await cached.inject({ url: '/api/v1/search?q=red%20dress&k=5&offset=5&gender=Women' });
  t.equal(again.statusCode, 200, `the same words answer with the model server down: ${again.body}`);
  const q = (await encoder.embedTexts(['red dress'], version)).vectors[0]!;
  t.same((again.json() as { hits: Array<{ product: { id: number } }> }).hits.map((h) => h.product.id - base), rankedFor(q, (i) => i % 2 === 1).slice(5, 10), 'ranked by the embedding remembered');
  t.equal((await cached.inject({ url: '/api/v1/search?q=blue%20dress&k=5' })).statusCode, 503, 'new words still need the model server');
  t.equal((await uncached.inject({ url: '/api/v1/search?q=red%20dress&k=5' })).statusCode, 503, 'with the cache off (queryEmbeddingCacheSize 0) every search asks it');
});
