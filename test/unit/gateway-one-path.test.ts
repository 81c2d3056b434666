// One gateway path each: a request resolves the live model version once, the catalog's filter
// values are read through one cache (the query-understanding lexicon included), and errors map to
// statuses by their class, never by the words of their message.
import * as Minio from 'minio';
import t from 'tap';
import type { Encoder, ProductView, SearchBackend, SearchOptions, SearchPage } from '../../gateway/core.ts';
import { classify } from '../../gateway/errors.ts';
import { buildGateway } from '../../gateway/index.ts';
import { ConflictError, NotFoundError, TransientError } from '../../platform/errors.ts';

const PRODUCT: ProductView = {
  id: 1,
  name: 'Blue Shirt',
  gender: 'Men',
  masterCategory: 'Apparel',
  subCategory: 'Topwear',
  articleType: 'Shirts',
  baseColour: 'Blue',
  season: 'Summer',
  usage: 'Casual',
  year: 2012,
  imageKey: null,
};

function countingSearch(counts: Record<string, number>): SearchBackend {
  const count = (name: string): void => {
    counts[name] = (counts[name] ?? 0) + 1;
  };
  const page = (o: SearchOptions): SearchPage => ({ modelVersion: o.modelVersion ?? 'v1', hits: [{ product: PRODUCT, score: 1 }], k: o.k, offset: o.offset ?? 0 });
  return {
    liveVersion: async () => (count('liveVersion'), 'v1'),
    byImageVector: async (_v, o) => page(o),
    byTextVector: async (_v, o) => page(o),
    byNameVector: async (_v, o) => page(o),
    hybrid: async (_q, _v, o) => page(o),
    moreLikeThis: async (_id, o) => page(o),
    product: async (id) => (id === 1 ? PRODUCT : undefined),
    facets: async () => ({}),
    filterValues: async () => {
      count('filterValues');
      return { gender: ['Men', 'Women'], articleType: ['Shirts'], baseColour: ['Blue'], masterCategory: ['Apparel'], subCategory: ['Topwear'], season: ['Summer'], usage: ['Casual'], year: ['2012'] };
    },
  };
}

const encoder: Encoder = {
  embedTexts: async (texts, v) => ({ modelVersion: v ?? 'v1', dimension: 2, vectors: texts.map(() => new Float32Array([1, 0])) }),
  embedImages: async (images, v) => ({ modelVersion: v ?? 'v1', dimension: 2, vectors: images.map(() => new Float32Array([0, 1])) }),
  describe: async () => ({ name: 'fake', version: 'v1', dimension: 2, textPreprocessing: '', imagePreprocessing: '', source: 'fake', loadedVersions: ['v1'], maxBatch: 8, maxImageBytes: 0 }),
};
const deadS3 = new Minio.Client({ endPoint: '127.0.0.1', port: 9, useSSL: false, accessKey: 'x', secretKey: 'y' });

t.test('a search resolves the live version once and reads filter values through one cache', async (t) => {
  const counts: Record<string, number> = {};
  const app = await buildGateway({ search: countingSearch(counts), encoder, s3: deadS3 }, { understandQueries: true, filterValuesTtlMs: 60_000 });
  t.teardown(() => app.close());
  for (const q of ['blue shirt for men', 'shirt']) {
    const res = await app.inject({ method: 'GET', url: `/api/v1/search?q=${encodeURIComponent(q)}&gender=Men` });
    t.equal(res.statusCode, 200, res.body.slice(0, 200));
  }
  t.equal(counts.liveVersion, 2, 'two REST searches: the live version resolved once each');
  const gql = await app.inject({ method: 'POST', url: '/graphql', payload: { query: '{ search(q: "blue shirt", filters: { gender: ["Men"] }) { modelVersion } }' } });
  t.equal(gql.statusCode, 200, gql.body.slice(0, 200));
  t.equal(counts.liveVersion, 3, 'a GraphQL search: once more');
  t.equal(counts.filterValues, 1, 'the filter check and the lexicon of three searches read the catalog values once, through one cache');
});

t.test('errors map to statuses by their class, not by the words of their message', async (t) => {
  t.match(classify(new NotFoundError('version x is nowhere')), { statusCode: 404, message: 'version x is nowhere', error: 'Not Found' });
  t.match(classify(new ConflictError('nothing to roll back to')), { statusCode: 409, message: 'nothing to roll back to', error: 'Conflict' });
  t.match(classify(new TransientError('kafka is restarting')), { statusCode: 503 });
  t.match(classify(new Error('x is already the champion; neither in MinIO')), { statusCode: 500, message: 'internal error' }, 'a plain error is a bug, whatever it says');
});
