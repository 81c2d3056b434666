// Facets over a search's own top results and variants collapsed by display name: the pure parts,
// and the gateway asking the search core for the top results and shaping the page from them.
import * as Minio from 'minio';
import t from 'tap';
import type { Encoder, ProductView, SearchBackend, SearchOptions } from '../../gateway/core.ts';
import { buildGateway } from '../../gateway/index.ts';
import { collapseByName, countFacets, countGroupFacets, facetAttributes, RESULT_SET_SIZE } from '../../gateway/result-sets.ts';

const product = (id: number, name: string | null, baseColour: string, articleType = 'Sunglasses'): ProductView => ({
  id, name, gender: 'Unisex', masterCategory: 'Accessories', subCategory: 'Eyewear', articleType, baseColour, season: 'Summer', usage: 'Casual', year: 2012, imageKey: null,
});
// ranked: two names share three and two products; one product has no name
const HITS = [
  product(1, 'Aviator Shades', 'Black'),
  product(2, 'Round Shades', 'Brown'),
  product(3, 'Aviator Shades', 'Brown'),
  product(4, null, 'Black', 'Watches'),
  product(5, 'Round Shades', 'Black'),
  product(6, 'Aviator Shades', 'Gold'),
].map((p, i) => ({ product: p, score: 1 - i / 10 }));

t.test('facets count the given hits per value, most frequent first', async (t) => {
  t.same(countFacets(HITS, ['baseColour', 'articleType']), {
    baseColour: [{ value: 'Black', count: 3 }, { value: 'Brown', count: 2 }, { value: 'Gold', count: 1 }],
    articleType: [{ value: 'Sunglasses', count: 5 }, { value: 'Watches', count: 1 }],
  });
  t.same(facetAttributes(['articleType,baseColour', 'gender', 'gender']), ['articleType', 'baseColour', 'gender'], 'comma-separated and repeated, de-duplicated');
  t.match(facetAttributes(['colour']), /facets takes attribute names/);
});

t.test('collapse: one group per display name in the rank of its best hit', async (t) => {
  const groups = collapseByName(HITS);
  t.same(groups.map((g) => [g.hit.product.id, g.variants.map((v) => v.id)]), [[1, [1, 3, 6]], [2, [2, 5]], [4, [4]]]);
  t.same(countGroupFacets(groups, ['articleType', 'baseColour']), {
    articleType: [{ value: 'Sunglasses', count: 2 }, { value: 'Watches', count: 1 }],
    baseColour: [{ value: 'Black', count: 3 }, { value: 'Brown', count: 2 }, { value: 'Gold', count: 1 }],
  }, 'collapsed, a value counts the groups that have it (the hits its filter gives), once each');
});

t.test('the gateway: facets and collapsed pages come from the top results of the same search', async (t) => {
  const calls: SearchOptions[] = [];
  const search: SearchBackend = {
    liveVersion: async () => 'fake-v1',
    byImageVector: async () => { throw new Error('unused'); },
    byTextVector: async () => { throw new Error('unused'); },
    byNameVector: async (_v, o) => {
      calls.push(o);
      const offset = o.offset ?? 0;
      return { modelVersion: 'fake-v1', hits: HITS.slice(offset, offset + o.k), k: o.k, offset };
    },
    hybrid: async () => { throw new Error('unused'); },
    moreLikeThis: async () => { throw new Error('unused'); },
    product: async () => undefined,
    facets: async () => ({}),
    filterValues: async () => ({ baseColour: ['Black', 'Brown', 'Gold'], articleType: ['Sunglasses', 'Watches'] }),
  };
  const encoder: Encoder = {
    embedTexts: async (list) => ({ modelVersion: 'fake-v1', dimension: 2, vectors: list.map(() => new Float32Array([1, 0])) }),
    embedImages: async () => { throw new Error('unused'); },
    describe: async () => ({ name: 'fake', version: 'fake-v1', dimension: 2, textPreprocessing: '', imagePreprocessing: '', source: 'fake', loadedVersions: ['fake-v1'], maxBatch: 8, maxImageBytes: 0 }),
  };
  const app = await buildGateway({ search, encoder, s3: new Minio.Client({ endPoint: '127.0.0.1', port: 9, useSSL: false, accessKey: 'x', secretKey: 'y' }) }, { defaultMode: 'name', understandQueries: false });
  t.teardown(() => app.close());

  const faceted = (await app.inject({ url: '/api/v1/search?q=shades&k=2&facets=baseColour' })).json();
  t.same(faceted.hits.map((h: { product: { id: number } }) => h.product.id), [1, 2], 'the page as without facets');
  t.same(faceted.facets, { baseColour: [{ value: 'Black', count: 3 }, { value: 'Brown', count: 2 }, { value: 'Gold', count: 1 }] }, 'counted over all top results, not the page');
  t.equal(faceted.resultsCounted, 6);
  t.same(calls.map((c) => [c.k, c.offset]), [[2, 0], [RESULT_SET_SIZE, 0]], 'the page and the top results');

  const collapsed = (await app.inject({ url: '/api/v1/search?q=shades&k=2&collapse=name' })).json();
  t.same(collapsed.hits.map((h: { product: { id: number }; variants: { count: number; products: Array<{ id: number }> } }) => [h.product.id, h.variants.count, h.variants.products.map((p) => p.id)]), [[1, 3, [1, 3, 6]], [2, 2, [2, 5]]]);
  t.equal(collapsed.nextOffset, 2, 'a third group follows');
  const last = (await app.inject({ url: '/api/v1/search?q=shades&k=2&offset=2&collapse=name' })).json();
  t.same(last.hits.map((h: { product: { id: number } }) => h.product.id), [4]);
  t.equal(last.nextOffset, null);
  const collapsedFacets = (await app.inject({ url: '/api/v1/search?q=shades&k=2&collapse=name&facets=articleType' })).json();
  t.same([collapsedFacets.facets, collapsedFacets.resultsCounted, collapsedFacets.resultGroups], [{ articleType: [{ value: 'Sunglasses', count: 2 }, { value: 'Watches', count: 1 }] }, 6, 3], 'collapsed facets count names; six products in three names');

  const bad = await app.inject({ url: '/api/v1/search?q=shades&facets=colour' });
  t.equal(bad.statusCode, 400);
  t.match(bad.json().message, /facets takes attribute names/);
  t.equal((await app.inject({ url: '/api/v1/search?q=shades&collapse=brand' })).statusCode, 400);

  const gql = await app.inject({ method: 'POST', url: '/graphql', payload: { query: '{ search(q: "shades", k: 1, facets: ["baseColour"], collapse: "name") { hits { product { id } variants { count products { id } } } facets { attribute values { value count } } resultsCounted resultGroups } }' } });
  t.equal(gql.statusCode, 200, gql.body);
  t.same(gql.json().data.search, {
    hits: [{ product: { id: 1 }, variants: { count: 3, products: [{ id: 1 }, { id: 3 }, { id: 6 }] } }],
    facets: [{ attribute: 'baseColour', values: [{ value: 'Black', count: 3 }, { value: 'Brown', count: 2 }, { value: 'Gold', count: 1 }] }],
    resultsCounted: 6,
    resultGroups: 3,
  }, 'GraphQL in step with REST');
});
