// The gateway's validation paths through fastify.inject: every bad input gets its 4xx with a clear
// {error, message, statusCode}, never a 5xx. No server is involved: the search core is a small
// in-memory fake, the model-server client is a fake (or a real client with nothing listening, for
// the 503 paths) and the S3 client points at a closed port.
import crypto from 'node:crypto';
import * as Minio from 'minio';
import sharp from 'sharp';
import t, { type Test } from 'tap';
import type { Encoder, ProductView, SearchBackend, SearchFilters, SearchOptions, SearchPage } from '../../gateway/core.ts';
import { buildGateway, type BuildOptions } from '../../gateway/index.ts';
import { UnknownModelVersionError } from '../../projections/embeddings/errors.ts';
import { createEncoderClient } from '../../proto/client.ts';

const PRODUCTS: ProductView[] = [1, 2, 3, 4, 5].map((id) => ({
  id,
  name: `Product ${id}`,
  gender: id % 2 ? 'Men' : 'Women',
  masterCategory: 'Apparel',
  subCategory: 'Topwear',
  articleType: id < 3 ? 'Shirts' : 'Jeans',
  baseColour: 'Blue',
  season: 'Summer',
  usage: 'Casual',
  year: 2012,
  imageKey: `normalized/${String(id).repeat(64).slice(0, 64)}.jpg`,
}));

type Call = { method: string; options?: SearchOptions; query?: string; vector?: Float32Array };

function fakeSearch(calls: Call[] = []): SearchBackend {
  const page = (method: string, options: SearchOptions, extra: Partial<Call> = {}): SearchPage => {
    calls.push({ method, options, ...extra });
    const offset = options.offset ?? 0;
    const hits = PRODUCTS.slice(offset, offset + options.k).map((product, i) => ({ product, score: 1 - (offset + i) / 10 }));
    return { modelVersion: options.modelVersion ?? 'fake-v1', hits, k: options.k, offset };
  };
  return {
    liveVersion: async () => 'fake-v1',
    byImageVector: async (vector, o) => page('byImageVector', o, { vector }),
    byTextVector: async (vector, o) => page('byTextVector', o, { vector }),
    byNameVector: async (vector, o) => page('byNameVector', o, { vector }),
    hybrid: async (query, vector, o) => page('hybrid', o, { query, vector }),
    moreLikeThis: async (_id, o) => page('moreLikeThis', o),
    product: async (id) => PRODUCTS.find((p) => p.id === id),
    facets: async (_filters: SearchFilters) => ({ gender: [{ value: 'Men', count: 3 }, { value: 'Women', count: 2 }] }),
    filterValues: async () => ({
      gender: ['Men', 'Women'],
      masterCategory: ['Apparel'],
      subCategory: ['Topwear'],
      articleType: ['Shirts', 'Jeans'],
      baseColour: ['Blue'],
      season: ['Summer'],
      usage: ['Casual'],
      year: ['2012'],
    }),
  };
}

const fakeEncoder: Encoder = {
  embedTexts: async (texts, modelVersion) => ({ modelVersion: modelVersion ?? 'fake-v1', dimension: 4, vectors: texts.map(() => new Float32Array([1, 0, 0, 0])) }),
  embedImages: async (images, modelVersion) => ({ modelVersion: modelVersion ?? 'fake-v1', dimension: 4, vectors: images.map(() => new Float32Array([0, 1, 0, 0])) }),
  describe: async () => ({ name: 'fake', version: 'fake-v1', dimension: 4, textPreprocessing: '', imagePreprocessing: '', source: 'fake', loadedVersions: ['fake-v1'], maxBatch: 8, maxImageBytes: 0 }),
};

// An S3 client with nothing behind it: only the paths that must not reach S3 (or must fail with 503) use it.
const deadS3 = new Minio.Client({ endPoint: '127.0.0.1', port: 9, useSSL: false, accessKey: 'x', secretKey: 'y' });

async function gateway(t: Test, opts: { calls?: Call[]; encoder?: Encoder } & BuildOptions = {}) {
  const { calls, encoder = fakeEncoder, ...build } = opts;
  // These cases were written for vector mode (byTextVector); the shipped default is measured (bench search).
  const app = await buildGateway({ search: fakeSearch(calls), encoder, s3: deadS3 }, { defaultMode: 'vector', understandQueries: false, ...build });
  t.teardown(() => app.close());
  return app;
}

function multipart(field: string, filename: string, bytes: Buffer, type = 'application/octet-stream'): { payload: Buffer; headers: Record<string, string> } {
  const boundary = '----vitrinaTestBoundary7MA4YWxkTrZu0gW';
  const head = Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${field}"; filename="${filename}"\r\nContent-Type: ${type}\r\n\r\n`);
  const tail = Buffer.from(`\r\n--${boundary}--\r\n`);
  return { payload: Buffer.concat([head, bytes, tail]), headers: { 'content-type': `multipart/form-data; boundary=${boundary}` } };
}

const png = (width = 8, height = 8): Promise<Buffer> => sharp({ create: { width, height, channels: 3, background: '#3366cc' } }).png().toBuffer();

function expectError(t: Test, res: { statusCode: number; json: () => unknown }, status: number, pattern: RegExp, what: string): void {
  t.equal(res.statusCode, status, `${what}: status ${status}`);
  const body = res.json() as { error: string; message: string; statusCode: number };
  t.equal(body.statusCode, status, `${what}: statusCode in the body`);
  t.type(body.error, 'string', `${what}: error`);
  t.match(body.message, pattern, `${what}: message "${body.message}"`);
}

t.test('text search: a valid query returns a page with scores, image URLs and the query echo', async (t) => {
  const calls: Call[] = [];
  const app = await gateway(t, { calls });
  const res = await app.inject({ url: '/api/v1/search?q=blue%20shirt&k=2&offset=1&articleType=Shirts&articleType=Jeans&gender=Men&year=2012', headers: { host: 'shop.test:8080' } });
  t.equal(res.statusCode, 200, res.body);
  const page = res.json();
  t.same(page.query, { kind: 'text', q: 'blue shirt', mode: 'vector', filters: { gender: ['Men'], articleType: ['Shirts', 'Jeans'], year: [2012] } });
  t.equal(page.k, 2);
  t.equal(page.offset, 1);
  t.equal(page.nextOffset, 3);
  t.equal(page.modelVersion, 'fake-v1');
  t.same(page.hits.map((h: { product: { id: number } }) => h.product.id), [2, 3]);
  t.equal(page.hits[0].product.imageUrl, `/api/v1/images/normalized/${'2'.repeat(64)}.jpg`, 'relative: the Host header is never echoed');
  t.equal(page.hits[0].score, 0.9);
  t.equal(calls[0]!.method, 'byTextVector');
  t.same(calls[0]!.options, { k: 2, offset: 1, filters: { gender: ['Men'], articleType: ['Shirts', 'Jeans'], year: [2012] }, modelVersion: 'fake-v1' });
});

t.test('text search: the mode picks the search core method, the default comes from the options', async (t) => {
  const calls: Call[] = [];
  const app = await gateway(t, { calls, defaultMode: 'hybrid' });
  await app.inject({ url: '/api/v1/search?q=shirt' });
  await app.inject({ url: '/api/v1/search?q=shirt&mode=name' });
  await app.inject({ url: '/api/v1/search?q=shirt&mode=vector' });
  t.same(calls.map((c) => c.method), ['hybrid', 'byNameVector', 'byTextVector']);
  t.equal(calls[0]!.query, 'shirt');
  t.equal(calls[0]!.options!.k, 10, 'k defaults to 10');
});

t.test('text search: every bad input is a 400 naming the problem', async (t) => {
  const app = await gateway(t);
  const cases: Array<[string, RegExp]> = [
    ['/api/v1/search', /missing query parameter "q"/],
    ['/api/v1/search?q=', /q must NOT have fewer than 1 characters/],
    ['/api/v1/search?q=%20%20%20', /q must not be empty/],
    [`/api/v1/search?q=${'a'.repeat(2049)}`, /q must NOT have more than 2048 characters/],
    [`/api/v1/search?q=${encodeURIComponent('é'.repeat(1100))}`, /q has 2200 bytes; at most 2048/],
    ['/api/v1/search?q=shirt&k=0', /k must be >= 1/],
    ['/api/v1/search?q=shirt&k=101', /k must be <= 100/],
    ['/api/v1/search?q=shirt&k=ten', /k must be an integer written in decimal digits, got "ten"/],
    ['/api/v1/search?q=shirt&k=2.5', /k must be an integer written in decimal digits, got "2.5"/],
    ['/api/v1/search?q=shirt&offset=-1', /offset must be >= 0/],
    ['/api/v1/search?q=shirt&offset=1001', /offset must be <= 1000/],
    ['/api/v1/search?q=shirt&mode=magic', /mode must be equal to one of the allowed values/],
    ['/api/v1/search?q=shirt&colour=Red', /unknown query parameter "colour"/],
    ['/api/v1/search?q=shirt&articleType=Sarees', /unknown articleType value "Sarees" \(known values: Jeans, Shirts\)/],
    ['/api/v1/search?q=shirt&articleType=shirts', /unknown articleType value "shirts" \(did you mean "Shirts"\?\)/],
    ['/api/v1/search?q=shirt&gender=Men&gender=Robots&year=1999', /unknown gender value "Robots".*unknown year value "1999"/],
    ['/api/v1/search?q=shirt&year=recent', /year must be an integer written in decimal digits, got "recent"/],
  ];
  for (const [url, pattern] of cases) expectError(t, await app.inject({ url }), 400, pattern, url.slice(0, 80));
});

t.test('image search: uploads are checked for size, field and format', async (t) => {
  const calls: Call[] = [];
  const app = await gateway(t, { calls, uploadLimitBytes: 4096 });
  const ok = await app.inject({ method: 'POST', url: '/api/v1/search/image?k=3&gender=Women', ...multipart('image', 'query.png', await png(), 'image/png') });
  t.equal(ok.statusCode, 200, ok.body);
  const page = ok.json();
  t.same(page.query, { kind: 'image', source: 'upload', filename: 'query.png', image: { format: 'png', width: 8, height: 8, bytes: (await png()).length }, filters: { gender: ['Women'] } });
  t.equal(page.hits.length, 3);
  t.equal(calls[0]!.method, 'byImageVector');
  t.same([...calls[0]!.vector!], [0, 1, 0, 0], 'the image embedding is what is searched');

  const big = await sharp({ create: { width: 200, height: 200, channels: 3, background: '#000' }, }).png({ compressionLevel: 0 }).toBuffer();
  expectError(t, await app.inject({ method: 'POST', url: '/api/v1/search/image', ...multipart('image', 'big.png', big) }), 413, /larger than the upload limit of 4096 bytes/, 'an upload over the limit');
  expectError(t, await app.inject({ method: 'POST', url: '/api/v1/search/image', ...multipart('image', 'notes.txt', Buffer.from('just some text, not an image')) }), 415, /not an image/, 'a text file');
  const noise = crypto.randomBytes(48 * 48 * 3);
  const jpeg = await sharp(noise, { raw: { width: 48, height: 48, channels: 3 } }).jpeg().toBuffer();
  const truncated = jpeg.subarray(0, Math.floor(jpeg.length / 2));
  expectError(t, await app.inject({ method: 'POST', url: '/api/v1/search/image', ...multipart('image', 'cut.jpg', truncated) }), 415, /the jpeg image is truncated: it ends after \d+ bytes/, 'a truncated JPEG');
  const svg = Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect width="10" height="10"/></svg>');
  expectError(t, await app.inject({ method: 'POST', url: '/api/v1/search/image', ...multipart('image', 'x.svg', svg) }), 415, /svg format are not accepted/, 'an SVG');
  expectError(t, await app.inject({ method: 'POST', url: '/api/v1/search/image', ...multipart('picture', 'q.png', await png()) }), 400, /field "image", not "picture"/, 'the wrong field');
  expectError(t, await app.inject({ method: 'POST', url: '/api/v1/search/image', ...multipart('image', 'empty.png', Buffer.alloc(0)) }), 400, /empty/, 'an empty file');
  expectError(t, await app.inject({ method: 'POST', url: '/api/v1/search/image?k=500', ...multipart('image', 'q.png', await png()) }), 400, /k must be <= 100/, 'k out of range');
  expectError(t, await app.inject({ method: 'POST', url: '/api/v1/search/image?baseColour=Plaid', ...multipart('image', 'q.png', await png()) }), 400, /unknown baseColour value "Plaid"/, 'an unknown filter value');
  expectError(
    t,
    await app.inject({ method: 'POST', url: '/api/v1/search/image', payload: await png(), headers: { 'content-type': 'image/png' } }),
    415,
    /content type "image\/png" is not accepted by POST \/api\/v1\/search\/image/,
    'a raw image body',
  );
  expectError(t, await app.inject({ method: 'POST', url: '/api/v1/search/image', payload: 'hello', headers: { 'content-type': 'text/plain' } }), 415, /multipart\/form-data/, 'a text body');
  expectError(t, await app.inject({ method: 'POST', url: '/api/v1/search/image' }), 415, /multipart\/form-data/, 'no body');
  expectError(t, await app.inject({ method: 'POST', url: '/api/v1/search/image', payload: { objectKey: '' } }), 400, /objectKey must NOT have fewer than 1 characters/, 'an empty object key');
  expectError(t, await app.inject({ method: 'POST', url: '/api/v1/search/image', payload: { key: 'a.png' } }), 400, /missing body property "objectKey"|unknown body property "key"/, 'a body without objectKey');
  expectError(t, await app.inject({ method: 'POST', url: '/api/v1/search/image', payload: { objectKey: '../secret' } }), 400, /invalid object key/, 'a key escaping the bucket');
  expectError(t, await app.inject({ method: 'POST', url: '/api/v1/search/image', payload: '{"objectKey":', headers: { 'content-type': 'application/json' } }), 400, /JSON/i, 'malformed JSON');
});

t.test('image search: an image with too many pixels is refused as too large', async (t) => {
  const app = await gateway(t, { maxImagePixels: 10_000 });
  expectError(t, await app.inject({ method: 'POST', url: '/api/v1/search/image', ...multipart('image', 'q.png', await png(200, 100)) }), 413, /200×100 pixels, more than the limit of 10000/, 'too many pixels');
});

t.test('products, similar and facets validate their inputs', async (t) => {
  const calls: Call[] = [];
  const app = await gateway(t, { calls });
  const product = await app.inject({ url: '/api/v1/products/3', headers: { host: 'localhost' } });
  t.equal(product.statusCode, 200);
  t.same(product.json(), { ...PRODUCTS[2], imageUrl: `/api/v1/images/normalized/${'3'.repeat(64)}.jpg` });
  expectError(t, await app.inject({ url: '/api/v1/products/999' }), 404, /no product 999/, 'an unknown product');
  expectError(t, await app.inject({ url: '/api/v1/products/shirt' }), 400, /id must be an integer written in decimal digits, got "shirt"/, 'a non-numeric id');
  expectError(t, await app.inject({ url: '/api/v1/products/0' }), 400, /id must be >= 1/, 'id 0');
  expectError(t, await app.inject({ url: '/api/v1/products/99999999999' }), 400, /id must be <= 2147483647/, 'an id over 32 bits');

  const similar = await app.inject({ url: '/api/v1/products/1/similar?k=2&articleType=Jeans' });
  t.equal(similar.statusCode, 200);
  t.same(similar.json().query, { kind: 'similar', productId: 1, filters: { articleType: ['Jeans'] } });
  t.same(calls.at(-1), { method: 'moreLikeThis', options: { k: 2, offset: 0, filters: { articleType: ['Jeans'] } } });
  expectError(t, await app.inject({ url: '/api/v1/products/999/similar' }), 404, /no product 999/, 'similar to an unknown product');
  expectError(t, await app.inject({ url: '/api/v1/products/1/similar?k=0' }), 400, /k must be >= 1/, 'similar with k 0');

  const facets = await app.inject({ url: '/api/v1/facets?gender=Men' });
  t.equal(facets.statusCode, 200);
  t.same(facets.json(), { filters: { gender: ['Men'] }, facets: { gender: [{ value: 'Men', count: 3 }, { value: 'Women', count: 2 }] } });
  expectError(t, await app.inject({ url: '/api/v1/facets?gender=Martians' }), 400, /unknown gender value "Martians"/, 'facets with an unknown value');
  expectError(t, await app.inject({ url: '/api/v1/facets?q=shirt' }), 400, /unknown query parameter "q"/, 'facets with q');
  expectError(t, await app.inject({ url: '/api/v1/nothing-here' }), 404, /no route GET \/api\/v1\/nothing-here/, 'an unknown route');
});

t.test('image keys are checked before anything reaches the object store', async (t) => {
  const app = await gateway(t);
  expectError(t, await app.inject({ url: '/api/v1/images/normalized/..%2F..%2Fetc%2Fpasswd' }), 400, /invalid object key/, 'a key with ..');
  expectError(t, await app.inject({ url: '/api/v1/images/normalized//x.jpg' }), 400, /invalid object key/, 'an empty segment');
});

t.test('the model server down is a 503 with a message; health says which part is down', async (t) => {
  const encoder = createEncoderClient('127.0.0.1:9', 2000); // nothing listens on the discard port
  t.teardown(() => encoder.close());
  const app = await gateway(t, { encoder, healthTimeoutMs: 3000 });
  const res = await app.inject({ url: '/api/v1/search?q=shirt' });
  expectError(t, res, 503, /model server is unavailable/, 'search with the model server down');
  t.equal(res.headers['retry-after'], '5');
  expectError(t, await app.inject({ method: 'POST', url: '/api/v1/search/image', ...multipart('image', 'q.png', await png()) }), 503, /model server is unavailable/, 'image search with the model server down');
  const health = await app.inject({ url: '/api/v1/health' });
  t.equal(health.statusCode, 503);
  t.match(health.json(), { status: 'degraded', modelServer: { status: 'down' }, database: { status: 'up', liveModelVersion: 'fake-v1' } });
  expectError(t, await app.inject({ method: 'POST', url: '/api/v1/search/image', payload: { objectKey: 'uploads/q.png' } }), 503, /unavailable/, 'an object key with the object store down');
});

t.test('health is 200 when the model server and the database answer', async (t) => {
  const app = await gateway(t);
  const res = await app.inject({ url: '/api/v1/health' });
  t.equal(res.statusCode, 200);
  t.same(res.json(), { status: 'ok', modelServer: { status: 'up', modelVersion: 'fake-v1', dimension: 4 }, database: { status: 'up', liveModelVersion: 'fake-v1' } });
});

t.test('a database error is a 503 and an unexpected error a 500 without details', async (t) => {
  const search = fakeSearch();
  let failure: Error = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:15432'), { code: 'ECONNREFUSED' });
  search.byTextVector = async () => {
    throw failure;
  };
  const app = await buildGateway({ search, encoder: fakeEncoder, s3: deadS3 }, { defaultMode: 'vector' });
  t.teardown(() => app.close());
  expectError(t, await app.inject({ url: '/api/v1/search?q=shirt' }), 503, /database or object store\) is unavailable/, 'the database down');
  failure = new Error('column "secret" does not exist');
  const res = await app.inject({ url: '/api/v1/search?q=shirt' });
  expectError(t, res, 500, /^internal error$/, 'a bug');
});

t.test('no live model version yet is a 503', async (t) => {
  const search = fakeSearch();
  search.liveVersion = async () => undefined;
  const app = await buildGateway({ search, encoder: fakeEncoder, s3: deadS3 });
  t.teardown(() => app.close());
  expectError(t, await app.inject({ url: '/api/v1/search?q=shirt' }), 503, /no model version is live/, 'nothing embedded');
});

t.test('a search that meets a model-version switch runs again with the new live version', async (t) => {
  const search = fakeSearch();
  const versions = ['v1', 'v2'];
  search.liveVersion = async () => versions[0];
  const seen: string[] = [];
  const original = search.byTextVector;
  search.byTextVector = async (vector, o) => {
    seen.push(o.modelVersion!);
    if (o.modelVersion === 'v1') {
      versions.shift(); // v2 went live meanwhile and v1 was retired
      throw new UnknownModelVersionError('v1');
    }
    return original(vector, o);
  };
  const embeddedWith: Array<string | undefined> = [];
  const encoder: Encoder = { ...fakeEncoder, embedTexts: async (texts, v) => (embeddedWith.push(v), fakeEncoder.embedTexts(texts, v)) };
  const app = await buildGateway({ search, encoder, s3: deadS3 }, { defaultMode: 'vector' });
  t.teardown(() => app.close());
  const res = await app.inject({ url: '/api/v1/search?q=shirt&understand=false' }); // one search (no short page to fill)
  t.equal(res.statusCode, 200);
  t.equal(res.json().modelVersion, 'v2');
  t.same(seen, ['v1', 'v2']);
  t.same(embeddedWith, ['v1', 'v2'], 'the query is embedded again by the new version');
});

t.test('GraphQL: the same search, with errors carrying their status, and depth and cost limits', async (t) => {
  const calls: Call[] = [];
  const app = await gateway(t, { calls, graphqlMaxDepth: 8, graphqlMaxCost: 3000 });
  const gql = async (query: string, variables?: Record<string, unknown>) => app.inject({ method: 'POST', url: '/graphql', payload: { query, variables } });

  const ok = await gql('query($f: SearchFilters) { search(q: "shirt", k: 2, filters: $f) { modelVersion k offset nextOffset query { kind q mode filters { gender } } hits { score product { id name imageUrl } } } }', {
    f: { gender: ['Men'] },
  });
  t.equal(ok.statusCode, 200, ok.body);
  const data = ok.json().data.search;
  t.same(data.query, { kind: 'text', q: 'shirt', mode: 'vector', filters: { gender: ['Men'] } });
  t.same(data.hits.map((h: { product: { id: number } }) => h.product.id), [1, 2]);
  t.match(data.hits[0].product.imageUrl, /^\/api\/v1\/images\/normalized\//);
  t.same(calls[0]!.options, { k: 2, offset: 0, filters: { gender: ['Men'] }, modelVersion: 'fake-v1' });

  const product = await gql('{ product(id: 2) { id name similar(k: 2) { hits { product { id } } } } missing: product(id: 999) { id } }');
  t.equal(product.statusCode, 200);
  t.same(product.json().data, { product: { id: 2, name: 'Product 2', similar: { hits: [{ product: { id: 1 } }, { product: { id: 2 } }] } }, missing: null });

  const facets = await gql('{ facets(filters: { gender: ["Men"] }) { attribute values { value count } } }');
  t.same(facets.json().data.facets, [{ attribute: 'gender', values: [{ value: 'Men', count: 3 }, { value: 'Women', count: 2 }] }]);

  for (const [query, pattern] of [
    ['{ search(q: "shirt", k: 500) { k } }', /k must be an integer from 1 to 100/],
    ['{ search(q: "  ") { k } }', /q must not be empty/],
    [`{ search(q: "${'x'.repeat(2049)}") { k } }`, /at most 2048 are accepted/],
    ['{ search(q: "shirt", offset: -3) { k } }', /offset must be an integer from 0 to 1000/],
    ['{ search(q: "shirt", filters: { articleType: ["Kurtas"] }) { k } }', /unknown articleType value "Kurtas"/],
  ] as Array<[string, RegExp]>) {
    const res = await gql(query);
    t.equal(res.statusCode, 400, `${query.slice(0, 60)}: 400`);
    const body = res.json();
    t.match(body.errors[0].message, pattern);
    t.equal(body.errors[0].extensions.code, 'BAD_USER_INPUT');
    t.equal(body.errors[0].extensions.statusCode, 400);
  }

  const badId = await gql('{ product(id: -1) { id } }');
  t.equal(badId.statusCode, 200, 'product is nullable: partial data and an error');
  t.match(badId.json(), { data: { product: null }, errors: [{ message: /product id must be a positive 32-bit integer/, extensions: { code: 'BAD_USER_INPUT', statusCode: 400 } }] });

  const deep = await gql('{ product(id: 1) { similar { hits { product { similar { hits { product { similar { hits { product { id } } } } } } } } } } }');
  t.equal(deep.statusCode, 400, 'a too deep query is a 400');
  t.match(deep.json().errors[0], { message: /nested 11 fields deep; the limit is 8/, extensions: { code: 'QUERY_TOO_DEEP' } });

  const costly = await gql('query($k: Int) { search(q: "shirt", k: $k) { hits { product { similar(k: 100) { hits { product { id } } } } } } }', { k: 100 });
  t.equal(costly.statusCode, 400, 'a too costly query is a 400');
  t.match(costly.json().errors[0], { message: /would cost \d+; the limit is 3000/, extensions: { code: 'QUERY_TOO_COSTLY' } });

  const viaFragment = await gql('{ search(q: "shirt", k: 100) { ...h } } fragment h on SearchPage { hits { product { similar(k: 50) { k } } } }');
  t.equal(viaFragment.statusCode, 400, 'fragments count towards the cost');

  const introspection = await gql('{ __schema { types { name fields { name type { name ofType { name ofType { name ofType { name } } } } } } } }');
  t.equal(introspection.statusCode, 200, 'introspection is not limited');
  t.equal(calls.filter((c) => c.method === 'byTextVector').length, 1, 'refused queries never reached the search core');
});

t.test('GraphQL: the model server down is an error with status 503', async (t) => {
  const encoder = createEncoderClient('127.0.0.1:9', 2000);
  t.teardown(() => encoder.close());
  const app = await gateway(t, { encoder });
  const res = await app.inject({ method: 'POST', url: '/graphql', payload: { query: '{ search(q: "shirt") { k } }' } });
  t.equal(res.statusCode, 503);
  t.match(res.json().errors[0], { message: /model server is unavailable/, extensions: { code: 'SERVICE_UNAVAILABLE', statusCode: 503 } });
});

t.test('the OpenAPI document is generated from the route schemas', async (t) => {
  const app = await gateway(t);
  const res = await app.inject({ url: '/api/openapi.json' });
  t.equal(res.statusCode, 200);
  const doc = res.json();
  t.match(doc.openapi, /^3\./);
  for (const p of ['/api/v1/search', '/api/v1/search/image', '/api/v1/products/{id}', '/api/v1/products/{id}/similar', '/api/v1/facets', '/api/v1/images/{key}', '/api/v1/health']) {
    t.ok(doc.paths[p], `documents ${p}`);
  }
  const search = doc.paths['/api/v1/search'].get;
  t.same(
    search.parameters.map((p: { name: string }) => p.name).sort(),
    ['articleType', 'baseColour', 'collapse', 'facets', 'gender', 'ignore', 'k', 'masterCategory', 'mode', 'offset', 'q', 'season', 'subCategory', 'understand', 'usage', 'year'],
  );
  t.ok(search.responses['200'] && search.responses['400'] && search.responses['503']);
  const image = doc.paths['/api/v1/search/image'].post.requestBody.content;
  t.same(Object.keys(image).sort(), ['application/json', 'multipart/form-data']);
  t.equal(image['multipart/form-data'].schema.properties.image.format, 'binary');
  t.notOk(doc.paths['/api/openapi.json'], 'the document does not list itself');
  t.notOk(doc.paths['/graphql'], 'nor the GraphQL endpoint');
  t.match(doc.paths['/api/v1/images/{key}'].get.parameters, [{ in: 'path', name: 'key', required: true }]);
});
