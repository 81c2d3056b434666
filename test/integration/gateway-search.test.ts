// The gateway on the real stack: the real search core over an embeddings projection the test fills
// (ProductEmbedded events through Kafka and the embeddings projector, in a namespace of its own),
// the real model server with the tiny model as the query encoder, MinIO for images and uploads.
// The products' embeddings are chosen by the test around the embeddings the model server gives
// its queries, so the expected neighbours are computed here by brute force: REST and GraphQL must
// return exactly them, with exact filters and pagination, and every bad input gets its 4xx.
import { spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import t, { type Test } from 'tap';
import { createRuntime } from '../../runtime/runtime.ts';
import { buildGateway, type Gateway } from '../../gateway/index.ts';
import { writeManifest } from '../../models/manifest.ts';
import { startModelServer, type ModelServer } from '../../models/server.ts';
import { SearchCore } from '../../projections/embeddings/search.ts';
import { createEncoderClient } from '../../proto/client.ts';
import type { ProductEmbedded } from '../../schemas/types.generated.ts';
import { buckets, ensureBucket } from '../../platform/s3.ts';
import { embedding, emitEmbeddings, promote, startProjector, testSpace, waitForState } from './embeddings-fixtures.ts';
import { idBase } from './fixtures.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));
const N = 24;
const TYPES = ['Shirts', 'Jeans', 'Watches'];
const COLOURS = ['Blue', 'Red', 'Black', 'White'];
const QUERY = 'blue denim jeans';

function mulberry(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let x = Math.imul(a ^ (a >>> 15), 1 | a);
    x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x;
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
}

function normalise(v: number[]): number[] {
  const norm = Math.hypot(...v);
  return v.map((x) => Math.fround(x / norm));
}

const cosine = (a: number[], b: ArrayLike<number>): number => {
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i += 1) {
    dot += a[i]! * b[i]!;
    na += a[i]! * a[i]!;
    nb += b[i]! * b[i]!;
  }
  return dot / Math.sqrt(na * nb);
};

interface Product {
  event: ProductEmbedded;
  image: number[];
  text: number[];
}

type Filters = Partial<Record<'gender' | 'articleType' | 'baseColour' | 'year', Array<string | number>>>;

const passes = (p: Product, filters: Filters): boolean =>
  Object.entries(filters).every(([name, values]) => values!.map(String).includes(String((p.event as unknown as Record<string, unknown>)[name])));

/** The ids of the products nearest to `query` by brute force, as the gateway must return them. */
function expected(products: Product[], query: ArrayLike<number>, side: 'image' | 'text', filters: Filters = {}, exclude?: number): Array<{ id: number; score: number }> {
  return products
    .filter((p) => passes(p, filters) && p.event.productId !== exclude)
    .map((p) => ({ id: p.event.productId, score: cosine(p[side], query) }))
    .sort((a, b) => b.score - a.score || a.id - b.id);
}

interface PageBody {
  query: Record<string, unknown>;
  modelVersion: string;
  k: number;
  offset: number;
  nextOffset: number | null;
  hits: Array<{ score: number; product: Record<string, unknown> & { id: number; imageUrl: string | null } }>;
}

// ---- the stack: model server, projection, images, gateway ----

const rt = createRuntime('test-gateway');
t.teardown(() => rt.close());
const space = testSpace(N);
const version = space.version('tiny');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'vitrina-gateway-'));
const modelDir = path.join(tmp, 'models', version);
writeManifest(modelDir, { source: 'tiny', seed: 7, version });
let modelServer: ModelServer | undefined = await startModelServer({ address: '127.0.0.1:0', model: modelDir, cacheDir: tmp, s3: null, threads: 1 });
t.teardown(() => modelServer?.stop());
const encoder = createEncoderClient(modelServer.address, 10_000);
t.teardown(() => encoder.close());

const queryImage = await sharp(crypto.randomBytes(64 * 64 * 3), { raw: { width: 64, height: 64, channels: 3 } }).jpeg().toBuffer();
const qText = [...(await encoder.embedTexts([QUERY], version)).vectors[0]!];
const qImage = [...(await encoder.embedImages([queryImage], version)).vectors[0]!];
const dimension = qText.length;

// A product image in the images bucket, content-addressed like the ingest writes them.
const productImage = await sharp({ create: { width: 60, height: 80, channels: 3, background: '#2244aa' } }).jpeg().toBuffer();
const productImageKey = `normalized/${crypto.createHash('sha256').update(productImage).digest('hex')}.jpg`;
await ensureBucket(rt.s3, buckets.images);
await rt.s3.putObject(buckets.images, productImageKey, productImage, productImage.length, { 'Content-Type': 'image/jpeg' });
// The query image and a text file in the uploads bucket.
const uploadPrefix = `gateway-test/${crypto.randomBytes(4).toString('hex')}`;
await ensureBucket(rt.s3, buckets.uploads);
await rt.s3.putObject(buckets.uploads, `${uploadPrefix}/query.jpg`, queryImage, queryImage.length, { 'Content-Type': 'image/jpeg' });
await rt.s3.putObject(buckets.uploads, `${uploadPrefix}/notes.txt`, Buffer.from('not an image'), 12, { 'Content-Type': 'text/plain' });

const random = mulberry(20240607);
const noise = (): number[] => Array.from({ length: dimension }, () => random() * 2 - 1);
const base = idBase();
const products: Product[] = Array.from({ length: N }, (_, i) => {
  const [a, b, n1, n2] = [random(), random() * 0.8, noise(), noise()];
  const image = i === 0 ? normalise(qText) : normalise(qText.map((x, d) => a * x + b * qImage[d]! + 0.35 * n1[d]!));
  const text = i === 0 ? normalise(qText) : normalise(qText.map((x, d) => random() * x + 0.5 * n2[d]!));
  const articleType = TYPES[i % 3]!;
  const baseColour = COLOURS[i % 4]!;
  const event = embedding(base + i, version, image, text, {
    productDisplayName: i === 0 ? 'Blue Denim Jeans' : `Gateway ${baseColour} ${articleType} ${i}`,
    gender: i % 2 === 0 ? 'Men' : 'Women',
    masterCategory: articleType === 'Watches' ? 'Accessories' : 'Apparel',
    subCategory: articleType === 'Watches' ? 'Watches' : articleType === 'Jeans' ? 'Bottomwear' : 'Topwear',
    articleType,
    baseColour,
    season: Math.floor(i / 2) % 2 === 0 ? 'Summer' : 'Winter',
    usage: 'Casual',
    year: 2010 + (i % 5),
    imageKey: i === 0 ? productImageKey : `normalized/${base + i}.jpg`,
  });
  return { event, image, text };
});
await startProjector(rt, space, t);
await emitEmbeddings(rt, products.map((p) => p.event));
await promote(rt, space, version);
await waitForState(rt.db, space, version, 'live');

const core = new SearchCore(rt.db, { namespace: space.namespace });
// Written for the raw ranking: query understanding (its own tests) would read "blue" and "jeans" as filters.
const app: Gateway = await buildGateway({ search: core, encoder, s3: rt.s3 }, { understandQueries: false });
t.teardown(() => app.close());
await app.listen({ host: '127.0.0.1', port: 0 });
const url = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;

async function get(pathAndQuery: string): Promise<{ status: number; body: unknown }> {
  const res = await fetch(`${url}${pathAndQuery}`);
  return { status: res.status, body: await res.json() };
}

const ids = (page: PageBody): number[] => page.hits.map((h) => h.product.id);

function sameNeighbours(tt: Test, page: PageBody, want: Array<{ id: number; score: number }>, what: string): void {
  tt.same(ids(page), want.map((w) => w.id), `${what}: the expected neighbours in order`);
  page.hits.forEach((hit, i) => tt.ok(Math.abs(hit.score - want[i]!.score) < 1e-4, `${what}: score ${hit.score} ≈ ${want[i]!.score}`));
}

// ---- REST ----

t.test('REST text search returns the nearest image embeddings to the query embedding', async (t) => {
  const { status, body } = await get(`/api/v1/search?q=${encodeURIComponent(QUERY)}&k=5&mode=vector`);
  t.equal(status, 200);
  const page = body as PageBody;
  t.equal(page.modelVersion, version);
  t.same(page.query, { kind: 'text', q: QUERY, mode: 'vector', filters: {} });
  t.equal(page.k, 5);
  t.equal(page.offset, 0);
  t.equal(page.nextOffset, 5);
  sameNeighbours(t, page, expected(products, qText, 'image').slice(0, 5), 'vector');
  t.equal(page.hits[0]!.product.id, base, 'the product whose image embedding is the query embedding comes first');
  t.match(page.hits[0]!.product, {
    name: 'Blue Denim Jeans',
    gender: 'Men',
    masterCategory: 'Apparel',
    subCategory: 'Topwear',
    articleType: 'Shirts',
    baseColour: 'Blue',
    season: 'Summer',
    usage: 'Casual',
    year: 2010,
    imageKey: productImageKey,
    imageUrl: `/api/v1/images/${productImageKey}`,
  });
});

t.test('REST pagination is exact: consecutive pages are the brute-force ranking cut in pieces', async (t) => {
  const want = expected(products, qText, 'image');
  const seen: number[] = [];
  for (let offset = 0; offset < N; offset += 7) {
    const page = (await get(`/api/v1/search?q=${encodeURIComponent(QUERY)}&k=7&offset=${offset}&mode=vector`)).body as PageBody;
    t.equal(page.offset, offset);
    seen.push(...ids(page));
    t.equal(page.nextOffset, page.hits.length === 7 ? offset + 7 : null);
  }
  t.same(seen, want.map((w) => w.id), 'all pages together: every product once, in order');
  const beyond = (await get(`/api/v1/search?q=${encodeURIComponent(QUERY)}&k=5&offset=${N}&mode=vector`)).body as PageBody;
  t.same(beyond.hits, [], 'a page past the end is empty');
  t.equal(beyond.nextOffset, null);
});

t.test('REST filters are exact, alone and combined, with repeated values', async (t) => {
  const cases: Array<[string, Filters]> = [
    ['articleType=Jeans', { articleType: ['Jeans'] }],
    ['articleType=Jeans&articleType=Watches&gender=Women', { articleType: ['Jeans', 'Watches'], gender: ['Women'] }],
    ['baseColour=Red&year=2011&year=2013', { baseColour: ['Red'], year: [2011, 2013] }],
    ['gender=Men&articleType=Shirts&baseColour=Blue', { gender: ['Men'], articleType: ['Shirts'], baseColour: ['Blue'] }],
  ];
  for (const [query, filters] of cases) {
    const page = (await get(`/api/v1/search?q=${encodeURIComponent(QUERY)}&k=10&mode=vector&${query}`)).body as PageBody;
    const want = expected(products, qText, 'image', filters).slice(0, 10);
    t.ok(want.length > 0, `${query} matches some products`);
    sameNeighbours(t, page, want, query);
    for (const hit of page.hits) t.ok(passes({ event: hit.product as unknown as ProductEmbedded, image: [], text: [] }, filters), `${query}: hit ${hit.product.id} passes`);
  }
});

t.test('REST name mode searches the product-name embeddings; hybrid fuses them with keywords', async (t) => {
  const name = (await get(`/api/v1/search?q=${encodeURIComponent(QUERY)}&k=6&mode=name&gender=Women`)).body as PageBody;
  sameNeighbours(t, name, expected(products, qText, 'text', { gender: ['Women'] }).slice(0, 6), 'name mode');
  const hybrid = (await get(`/api/v1/search?q=${encodeURIComponent(QUERY)}&k=5&mode=hybrid`)).body as PageBody;
  t.equal(hybrid.query.mode, 'hybrid');
  t.equal(hybrid.hits.length, 5);
  t.equal(hybrid.hits[0]!.product.id, base, 'first in all three lists, first in the fusion');
  for (let i = 1; i < hybrid.hits.length; i += 1) t.ok(hybrid.hits[i - 1]!.score >= hybrid.hits[i]!.score, 'fused scores descend');
  const filtered = (await get(`/api/v1/search?q=${encodeURIComponent(QUERY)}&k=10&mode=hybrid&articleType=Watches`)).body as PageBody;
  t.ok(filtered.hits.length > 0 && filtered.hits.every((h) => h.product.articleType === 'Watches'), 'hybrid honours filters');
});

t.test('REST image search: a multipart upload and an uploads-bucket object give the same exact neighbours', async (t) => {
  const form = new FormData();
  form.append('image', new Blob([queryImage], { type: 'image/jpeg' }), 'query.jpg');
  const res = await fetch(`${url}/api/v1/search/image?k=6&articleType=Shirts&articleType=Jeans`, { method: 'POST', body: form });
  t.equal(res.status, 200);
  const upload = (await res.json()) as PageBody;
  const want = expected(products, qImage, 'image', { articleType: ['Shirts', 'Jeans'] }).slice(0, 6);
  sameNeighbours(t, upload, want, 'upload');
  t.same(upload.query, { kind: 'image', source: 'upload', filename: 'query.jpg', image: { format: 'jpeg', width: 64, height: 64, bytes: queryImage.length }, filters: { articleType: ['Shirts', 'Jeans'] } });

  const byKey = await fetch(`${url}/api/v1/search/image?k=6&articleType=Shirts&articleType=Jeans`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ objectKey: `${uploadPrefix}/query.jpg` }),
  });
  t.equal(byKey.status, 200);
  const page = (await byKey.json()) as PageBody;
  sameNeighbours(t, page, want, 'object key');
  t.match(page.query, { source: 'object', objectKey: `${uploadPrefix}/query.jpg` });
});

t.test('REST product, more like this, facets and the image a result links to', async (t) => {
  const target = products[5]!;
  const product = await get(`/api/v1/products/${target.event.productId}`);
  t.equal(product.status, 200);
  t.match(product.body, { id: target.event.productId, name: target.event.productDisplayName, articleType: target.event.articleType, year: target.event.year });

  const similar = (await get(`/api/v1/products/${target.event.productId}/similar?k=5&offset=2`)).body as PageBody;
  sameNeighbours(t, similar, expected(products, target.image, 'image', {}, target.event.productId).slice(2, 7), 'more like this, second page');
  t.notOk(ids(similar).includes(target.event.productId), 'the product itself is left out');
  const similarFiltered = (await get(`/api/v1/products/${target.event.productId}/similar?k=3&gender=Men`)).body as PageBody;
  sameNeighbours(t, similarFiltered, expected(products, target.image, 'image', { gender: ['Men'] }, target.event.productId).slice(0, 3), 'more like this, filtered');

  const facets = (await get('/api/v1/facets?articleType=Jeans')).body as { filters: unknown; facets: Record<string, Array<{ value: string; count: number }>> };
  t.same(facets.filters, { articleType: ['Jeans'] });
  const jeans = products.filter((p) => p.event.articleType === 'Jeans');
  for (const name of ['gender', 'baseColour', 'year', 'articleType'] as const) {
    const want = new Map<string, number>();
    for (const p of jeans) want.set(String(p.event[name]), (want.get(String(p.event[name])) ?? 0) + 1);
    t.same(new Map(facets.facets[name]!.map((f) => [f.value, f.count])), want, `facet counts of ${name} among Jeans`);
  }

  const imageUrl = `${url}${((await get(`/api/v1/search?q=${encodeURIComponent(QUERY)}&k=1&mode=vector`)).body as PageBody).hits[0]!.product.imageUrl!}`;
  const image = await fetch(imageUrl);
  t.equal(image.status, 200);
  t.equal(image.headers.get('content-type'), 'image/jpeg');
  t.equal(image.headers.get('cache-control'), 'public, max-age=31536000, immutable');
  t.same(Buffer.from(await image.arrayBuffer()), productImage, 'the bytes in the bucket');
  const etag = image.headers.get('etag');
  t.ok(etag);
  const again = await fetch(imageUrl, { headers: { 'if-none-match': etag! } });
  t.equal(again.status, 304, 'revalidation answers 304');
  const head = await fetch(imageUrl, { method: 'HEAD' });
  t.equal(head.status, 200);
  t.equal(head.headers.get('content-length'), String(productImage.length), 'HEAD gives the size without the bytes');
  const missing = await get(`/api/v1/images/normalized/${'0'.repeat(64)}.jpg`);
  t.equal(missing.status, 404);
  t.match(missing.body, { error: 'Not Found', statusCode: 404, message: /no image/ });
});

t.test('REST: every bad input gets its 4xx on the real stack', async (t) => {
  const cases: Array<[string, number, RegExp]> = [
    [`/api/v1/search?q=${encodeURIComponent(QUERY)}&articleType=Sarees`, 400, /unknown articleType value "Sarees" \(known values: Jeans, Shirts, Watches\)/],
    [`/api/v1/search?q=${encodeURIComponent(QUERY)}&baseColour=blue`, 400, /did you mean "Blue"/],
    [`/api/v1/search?q=${encodeURIComponent(QUERY)}&year=1999`, 400, /unknown year value "1999"/],
    [`/api/v1/search?q=${encodeURIComponent(QUERY)}&k=0`, 400, /k must be >= 1/],
    [`/api/v1/search?q=${encodeURIComponent(QUERY)}&k=101`, 400, /k must be <= 100/],
    [`/api/v1/search?q=${encodeURIComponent(QUERY)}&offset=5000`, 400, /offset must be <= 1000/],
    ['/api/v1/search?q=', 400, /fewer than 1 characters/],
    [`/api/v1/search?q=${'x'.repeat(2049)}`, 400, /more than 2048 characters/],
    [`/api/v1/products/${base + N + 50}`, 404, /no product/],
    [`/api/v1/products/${base + N + 50}/similar`, 404, /no product/],
    ['/api/v1/facets?season=Monsoon', 400, /unknown season value "Monsoon"/],
  ];
  for (const [request, status, message] of cases) {
    const res = await get(request);
    t.equal(res.status, status, `${request.slice(0, 90)}: ${status}`);
    t.match(res.body, { statusCode: status, message }, request.slice(0, 90));
  }

  const post = async (body: string | FormData, headers: Record<string, string> = {}, query = ''): Promise<{ status: number; body: unknown }> => {
    const res = await fetch(`${url}/api/v1/search/image${query}`, { method: 'POST', body, headers });
    return { status: res.status, body: await res.json() };
  };
  const form = (bytes: Buffer, name = 'image'): FormData => {
    const f = new FormData();
    f.append(name, new Blob([bytes]), 'file.bin');
    return f;
  };
  t.match(await post(form(Buffer.from('plain text, not an image'))), { status: 415, body: { statusCode: 415, message: /not an image/ } }, 'a text file upload');
  t.match(await post(form(queryImage, 'photo')), { status: 400, body: { message: /field "image", not "photo"/ } }, 'the wrong field');
  t.match(await post(JSON.stringify({ objectKey: `${uploadPrefix}/missing.jpg` }), { 'content-type': 'application/json' }), { status: 404, body: { message: /no object/ } }, 'a missing object');
  t.match(await post(JSON.stringify({ objectKey: `${uploadPrefix}/notes.txt` }), { 'content-type': 'application/json' }), { status: 415, body: { message: /not an image/ } }, 'an object that is not an image');
  t.match(await post(form(queryImage), {}, '?k=1000'), { status: 400, body: { message: /k must be <= 100/ } }, 'image search with k out of range');

  // Over the size limit (default 5 MB), over HTTP and through inject.
  const big = crypto.randomBytes(5 * 1024 * 1024 + 1);
  t.match(await post(form(big)), { status: 413, body: { statusCode: 413, message: /larger than the upload limit of 5242880 bytes/ } }, 'an upload over the limit');
  const boundary = 'gatewayTestBoundary';
  const payload = Buffer.concat([
    Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="image"; filename="big.jpg"\r\nContent-Type: image/jpeg\r\n\r\n`),
    big,
    Buffer.from(`\r\n--${boundary}--\r\n`),
  ]);
  const tooBig = await app.inject({ method: 'POST', url: '/api/v1/search/image', payload, headers: { 'content-type': `multipart/form-data; boundary=${boundary}` } });
  t.equal(tooBig.statusCode, 413);
  t.match(tooBig.json(), { statusCode: 413, message: /larger than the upload limit of 5242880 bytes/ });

  const small = await buildGateway({ search: core, encoder, s3: rt.s3 }, { uploadLimitBytes: 1000 });
  t.teardown(() => small.close());
  const objectTooBig = await small.inject({ method: 'POST', url: '/api/v1/search/image', payload: { objectKey: `${uploadPrefix}/query.jpg` } });
  t.equal(objectTooBig.statusCode, 413);
  t.match(objectTooBig.json(), { message: /more than the upload limit of 1000 bytes/ });
});

// ---- GraphQL ----

async function graphql(query: string, variables?: Record<string, unknown>): Promise<{ status: number; body: { data?: Record<string, unknown> | null; errors?: Array<{ message: string; extensions?: Record<string, unknown> }> } }> {
  const res = await fetch(`${url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query, variables }) });
  return { status: res.status, body: (await res.json()) as never };
}

t.test('GraphQL answers from the same search core: the same neighbours, filters and pages as REST', async (t) => {
  const res = await graphql(
    `query($q: String!, $f: SearchFilters) {
      search(q: $q, k: 4, offset: 1, mode: vector, filters: $f) {
        modelVersion k offset nextOffset query { kind q mode filters { gender articleType } }
        hits { score product { id name articleType gender imageUrl } }
      }
    }`,
    { q: QUERY, f: { gender: ['Women'], articleType: ['Jeans', 'Watches'] } },
  );
  t.equal(res.status, 200, JSON.stringify(res.body.errors));
  const page = res.body.data!.search as PageBody;
  t.equal(page.modelVersion, version);
  t.match(page.query, { kind: 'text', q: QUERY, mode: 'vector', filters: { gender: ['Women'], articleType: ['Jeans', 'Watches'] } });
  sameNeighbours(t, page, expected(products, qText, 'image', { gender: ['Women'], articleType: ['Jeans', 'Watches'] }).slice(1, 5), 'GraphQL search');
  const rest = (await get(`/api/v1/search?q=${encodeURIComponent(QUERY)}&k=4&offset=1&mode=vector&gender=Women&articleType=Jeans&articleType=Watches`)).body as PageBody;
  t.same(page.hits, rest.hits.map((h) => ({ score: h.score, product: { id: h.product.id, name: h.product.name, articleType: h.product.articleType, gender: h.product.gender, imageUrl: h.product.imageUrl } })), 'the same hits as REST');

  const target = products[3]!;
  const product = await graphql(`{ product(id: ${target.event.productId}) { id name year similar(k: 3) { hits { product { id } } } } missing: product(id: ${base + N + 50}) { id } }`);
  t.equal(product.status, 200);
  t.same(product.body.data, {
    product: {
      id: target.event.productId,
      name: target.event.productDisplayName,
      year: target.event.year,
      similar: { hits: expected(products, target.image, 'image', {}, target.event.productId).slice(0, 3).map((w) => ({ product: { id: w.id } })) },
    },
    missing: null,
  });

  const facets = await graphql('{ facets(filters: { articleType: ["Watches"] }) { attribute values { value count } } }');
  const articleTypes = (facets.body.data!.facets as Array<{ attribute: string; values: unknown }>).find((f) => f.attribute === 'articleType');
  t.same(articleTypes, { attribute: 'articleType', values: [{ value: 'Watches', count: products.filter((p) => p.event.articleType === 'Watches').length }] });

  const image = await graphql(`{ searchByImageKey(objectKey: "${uploadPrefix}/query.jpg", k: 3) { hits { product { id } } } }`);
  t.same((image.body.data!.searchByImageKey as PageBody).hits.map((h) => h.product.id), expected(products, qImage, 'image').slice(0, 3).map((w) => w.id));
});

t.test('GraphQL: bad input, too deep and too costly queries are 4xx errors', async (t) => {
  const unknown = await graphql(`{ search(q: "${QUERY}", filters: { articleType: ["Sarees"] }) { k } }`);
  t.equal(unknown.status, 400);
  t.match(unknown.body.errors![0], { message: /unknown articleType value "Sarees"/, extensions: { code: 'BAD_USER_INPUT', statusCode: 400 } });
  const emptyQ = await graphql('{ search(q: "") { k } }');
  t.equal(emptyQ.status, 400);
  const deep = await graphql(`{ product(id: ${base}) { similar { hits { product { similar { hits { product { similar { hits { product { id } } } } } } } } } } }`);
  t.equal(deep.status, 400);
  t.match(deep.body.errors![0], { extensions: { code: 'QUERY_TOO_DEEP' } });
  const costly = await graphql(`{ search(q: "${QUERY}", k: 100) { hits { product { similar(k: 100) { hits { product { id } } } } } } }`);
  t.equal(costly.status, 400);
  t.match(costly.body.errors!.map((e) => e.extensions?.code), ['QUERY_TOO_COSTLY']);
  const wrongType = await graphql('query($k: Int) { search(q: "x", k: $k) { k } }', { k: 'ten' });
  t.equal(wrongType.status, 400, 'a variable of the wrong type');
});

// ---- operations ----

t.test('the OpenAPI document and health on the real stack', async (t) => {
  const doc = (await get('/api/openapi.json')).body as { openapi: string; paths: Record<string, unknown> };
  t.match(doc.openapi, /^3\./);
  t.ok(doc.paths['/api/v1/search'] && doc.paths['/api/v1/search/image']);
  const health = await get('/api/v1/health');
  t.equal(health.status, 200);
  t.same(health.body, { status: 'ok', modelServer: { status: 'up', modelVersion: version, dimension }, database: { status: 'up', liveModelVersion: version } });
});

t.test('vitrina serve gateway starts the gateway on the given port and prints its URL', async (t) => {
  const child = spawn(process.execPath, [path.join(root, 'bin', 'vitrina.js'), 'serve', 'gateway', '--port', '0', '--model-server', modelServer!.address], {
    cwd: root,
    env: { ...process.env, VITRINA_LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  t.teardown(() => void child.kill('SIGKILL'));
  let out = '';
  const served = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no URL printed within 60 s: ${out}`)), 60_000);
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const match = /gateway listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(out);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]!);
      }
    });
    child.stderr.on('data', (chunk: Buffer) => (out += chunk.toString()));
  });
  const health = await fetch(`${served}/api/v1/health`);
  t.match(await health.json(), { modelServer: { status: 'up', modelVersion: version }, database: { status: 'up' } });
  const doc = await fetch(`${served}/api/openapi.json`);
  t.equal(doc.status, 200);
  child.kill('SIGTERM');
  t.equal(await exited, 0, 'stops cleanly on SIGTERM');
});

t.test('the model server down: search is a 503 with a message, health says so', async (t) => {
  await modelServer!.stop();
  modelServer = undefined;
  // A text never searched before: the gateway remembers query embeddings (VITRINA_QUERY_EMBEDDING_CACHE),
  // so QUERY, searched by the tests before, is answered without the model server.
  const fresh = `${QUERY} never searched ${crypto.randomBytes(4).toString('hex')}`;
  const search = await get(`/api/v1/search?q=${encodeURIComponent(fresh)}`);
  t.equal(search.status, 503);
  t.match(search.body, { error: 'Service Unavailable', statusCode: 503, message: /model server is unavailable/ });
  const gql = await graphql(`{ search(q: "${fresh}") { k } }`);
  t.equal(gql.status, 503);
  t.match(gql.body.errors![0], { extensions: { code: 'SERVICE_UNAVAILABLE', statusCode: 503 } });
  const health = await get('/api/v1/health');
  t.equal(health.status, 503);
  t.match(health.body, { status: 'degraded', modelServer: { status: 'down' }, database: { status: 'up', liveModelVersion: version } });
  const product = await get(`/api/v1/products/${base}`);
  t.equal(product.status, 200, 'what needs no encoding still works');
});
