// What the browser tests run the real gateway (buildGateway + uiPlugin) on: a small generated
// catalog with drawn product images, an in-memory search core that ranks by the vectors of a
// fake encoder (text: hashed words; image: silhouette and colour), an in-memory object store for
// the image route, and fixed answers for the model-registry, training-run and pipeline endpoints
// the models and pipeline pages call (GET /api/v1/models, /training-runs, /pipeline, POST
// promote/rollback), which the gateway does not serve yet. Nothing here needs the stack.
import crypto from 'node:crypto';
import { Readable } from 'node:stream';
import type { FastifyPluginAsync } from 'fastify';
import type * as Minio from 'minio';
import sharp from 'sharp';
import type { Encoder, FilterName, ProductView, SearchBackend, SearchFilters, SearchOptions, SearchPage } from '../../gateway/core.ts';
import { allTopics } from '../../streams/topics.ts';

// ---- the catalog ----

interface Kind {
  articleType: string;
  noun: string;
  masterCategory: string;
  subCategory: string;
  shape: string;
  genders: string[];
  usage: string[];
}

const KINDS: Kind[] = [
  { articleType: 'Tshirts', noun: 'T-shirt', masterCategory: 'Apparel', subCategory: 'Topwear', shape: 'tshirt', genders: ['Men', 'Women', 'Girls'], usage: ['Casual', 'Sports'] },
  { articleType: 'Shirts', noun: 'Shirt', masterCategory: 'Apparel', subCategory: 'Topwear', shape: 'shirt', genders: ['Men', 'Women'], usage: ['Casual', 'Formal'] },
  { articleType: 'Jeans', noun: 'Denim Jeans', masterCategory: 'Apparel', subCategory: 'Bottomwear', shape: 'jeans', genders: ['Men', 'Women'], usage: ['Casual'] },
  { articleType: 'Dresses', noun: 'Dress', masterCategory: 'Apparel', subCategory: 'Dress', shape: 'dress', genders: ['Women', 'Girls'], usage: ['Casual', 'Formal'] },
  { articleType: 'Kurtas', noun: 'Kurta', masterCategory: 'Apparel', subCategory: 'Topwear', shape: 'kurta', genders: ['Men', 'Women'], usage: ['Ethnic'] },
  { articleType: 'Sports Shoes', noun: 'Sports Shoes', masterCategory: 'Footwear', subCategory: 'Shoes', shape: 'shoe', genders: ['Men', 'Women'], usage: ['Sports'] },
  { articleType: 'Handbags', noun: 'Leather Handbag', masterCategory: 'Accessories', subCategory: 'Bags', shape: 'bag', genders: ['Women'], usage: ['Casual', 'Formal'] },
  { articleType: 'Watches', noun: 'Analog Watch', masterCategory: 'Accessories', subCategory: 'Watches', shape: 'watch', genders: ['Men', 'Women'], usage: ['Casual', 'Formal'] },
];

export const COLOURS: Record<string, string> = {
  Blue: '#2f5fb3',
  'Navy Blue': '#1d2b4f',
  Red: '#c8282d',
  Black: '#222222',
  White: '#eeeeee',
  Green: '#2f8a4a',
  Yellow: '#e8c227',
  Pink: '#e07aa5',
  Grey: '#8a8d91',
  Brown: '#7a4a2a',
};

const BRANDS = ['Roadster', 'Nike', 'Puma', 'Fabindia', 'Titan', 'Baggit', 'Levis', 'Wrangler', 'Adidas', 'Mango'];
const SEASONS = ['Summer', 'Fall', 'Winter', 'Spring'];

/** A silhouette of each kind of product, drawn in a 60×80 box like the catalog's normalised images. */
function silhouette(shape: string, fill: string): string {
  const stroke = 'stroke="#3a3a3a" stroke-width="1.2" stroke-linejoin="round"';
  const shapes: Record<string, string> = {
    tshirt: `<path d="M20 14 L8 22 L13 32 L18 29 L18 66 L42 66 L42 29 L47 32 L52 22 L40 14 Q30 21 20 14 Z" fill="${fill}" ${stroke}/>`,
    shirt: `<path d="M21 13 L8 22 L12 40 L18 38 L18 68 L42 68 L42 38 L48 40 L52 22 L39 13 L30 20 Z" fill="${fill}" ${stroke}/><path d="M30 20 L30 68" stroke="#3a3a3a" stroke-width="0.8"/><circle cx="30" cy="30" r="1" fill="#3a3a3a"/><circle cx="30" cy="42" r="1" fill="#3a3a3a"/><circle cx="30" cy="54" r="1" fill="#3a3a3a"/>`,
    jeans: `<path d="M18 10 L42 10 L46 72 L34 72 L30 30 L26 72 L14 72 Z" fill="${fill}" ${stroke}/>`,
    dress: `<path d="M24 10 L36 10 L38 28 L50 70 L10 70 L22 28 Z" fill="${fill}" ${stroke}/>`,
    kurta: `<path d="M22 8 L10 18 L14 30 L19 27 L17 74 L43 74 L41 27 L46 30 L50 18 L38 8 Q30 14 22 8 Z" fill="${fill}" ${stroke}/><path d="M30 12 L30 34" stroke="#3a3a3a" stroke-width="0.8"/>`,
    shoe: `<path d="M6 50 L6 60 L54 60 L54 54 Q40 50 32 40 L18 38 L14 46 Z" fill="${fill}" ${stroke}/><path d="M6 60 L54 60" stroke="#3a3a3a" stroke-width="3"/>`,
    bag: `<path d="M20 32 Q20 16 30 16 Q40 16 40 32" fill="none" stroke="#3a3a3a" stroke-width="2.5"/><rect x="10" y="30" width="40" height="36" rx="4" fill="${fill}" ${stroke}/>`,
    watch: `<rect x="24" y="6" width="12" height="68" rx="3" fill="${fill}" ${stroke}/><circle cx="30" cy="40" r="13" fill="#f4f4f4" stroke="#3a3a3a" stroke-width="2"/><path d="M30 40 L30 32 M30 40 L36 43" stroke="#3a3a3a" stroke-width="1.5"/>`,
  };
  return `<svg xmlns="http://www.w3.org/2000/svg" width="60" height="80" viewBox="0 0 60 80"><rect width="60" height="80" fill="#ffffff"/>${shapes[shape] ?? ''}</svg>`;
}

/** A product image like the catalog's (60×80 JPEG), or bigger for a query image. */
export async function productPicture(shape: string, colour: string, options: { width?: number; format?: 'jpeg' | 'png' } = {}): Promise<Buffer> {
  const width = options.width ?? 60;
  const image = sharp(Buffer.from(silhouette(shape, COLOURS[colour] ?? colour)), { density: 72 * (width / 60) }).resize(width, Math.round((width * 4) / 3));
  return options.format === 'png' ? image.png().toBuffer() : image.jpeg({ quality: 90 }).toBuffer();
}

export interface Catalog {
  products: ProductView[];
  /** The images bucket: object key → bytes. */
  objects: Map<string, Buffer>;
}

/** 80 products: every kind in several colours, with deterministic attributes (one has no colour or year). */
export async function buildCatalog(): Promise<Catalog> {
  const products: ProductView[] = [];
  const objects = new Map<string, Buffer>();
  const colours = Object.keys(COLOURS);
  let id = 1001;
  for (let i = 0; i < 80; i++) {
    const kind = KINDS[i % KINDS.length]!;
    const colour = colours[(Math.floor(i / KINDS.length) * 3 + (i % KINDS.length)) % colours.length]!;
    const gender = kind.genders[Math.floor(i / KINDS.length) % kind.genders.length]!;
    const brand = BRANDS[(i * 7) % BRANDS.length]!;
    const bytes = await productPicture(kind.shape, colour);
    const key = `normalized/${crypto.createHash('sha256').update(bytes).digest('hex')}.jpg`;
    objects.set(key, bytes);
    const noColour = i === 13;
    products.push({
      id: id++,
      name: `${brand} ${gender} ${colour} ${kind.noun}`,
      gender,
      masterCategory: kind.masterCategory,
      subCategory: kind.subCategory,
      articleType: kind.articleType,
      baseColour: noColour ? null : colour,
      season: SEASONS[i % SEASONS.length]!,
      usage: kind.usage[i % kind.usage.length]!,
      year: noColour ? null : 2011 + (i % 7),
      imageKey: key,
    });
  }
  return { products, objects };
}

// ---- the fake encoder: words hashed into a vector; images by silhouette and colour ----

const TEXT_DIM = 64;
const STOP = new Set(['a', 'an', 'the', 'for', 'and', 'with', 'of', 'in']);

function normalise(v: Float32Array): Float32Array {
  let sum = 0;
  for (const x of v) sum += x * x;
  const norm = Math.sqrt(sum) || 1;
  return v.map((x) => x / norm);
}

export function textVector(text: string): Float32Array {
  const v = new Float32Array(TEXT_DIM);
  for (const raw of text.toLowerCase().split(/[^a-z0-9]+/)) {
    if (!raw || STOP.has(raw)) continue;
    const word = raw.length > 3 ? raw.replace(/e?s$/, '') : raw; // "jeans" and "jean", "dresses" and "dress"
    const h = crypto.createHash('md5').update(word).digest();
    v[h.readUInt16LE(0) % TEXT_DIM]! += 1;
  }
  return normalise(v);
}

/** The silhouette (a 6×8 mask of non-white pixels) and the mean colour of those pixels. */
export async function imageVector(bytes: Buffer): Promise<Float32Array> {
  const { data } = await sharp(bytes).flatten({ background: '#ffffff' }).resize(30, 40, { fit: 'fill' }).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  const mask = new Float32Array(48);
  const rgb = [0, 0, 0];
  let n = 0;
  for (let y = 0; y < 40; y++) {
    for (let x = 0; x < 30; x++) {
      const o = (y * 30 + x) * 3;
      const [r, g, b] = [data[o]!, data[o + 1]!, data[o + 2]!];
      if (r > 245 && g > 245 && b > 245) continue;
      mask[Math.floor(y / 5) * 6 + Math.floor(x / 5)]! += 1;
      rgb[0]! += r;
      rgb[1]! += g;
      rgb[2]! += b;
      n += 1;
    }
  }
  // The silhouette counts twice the colour: "more like this" for jeans is mostly jeans.
  const mean = mask.reduce((a, b) => a + b, 0) / mask.length;
  const shape = normalise(mask.map((m) => m - mean));
  const colour = normalise(new Float32Array(rgb.map((c) => (n ? c / n / 255 : 0) + 0.05)));
  return normalise(Float32Array.from([...[...shape].map((c) => c * 2), ...colour]));
}

export const fakeEncoder = (version: () => string): Encoder => ({
  embedTexts: async (texts, modelVersion) => ({ modelVersion: modelVersion ?? version(), dimension: TEXT_DIM, vectors: texts.map(textVector) }),
  embedImages: async (images, modelVersion) => ({ modelVersion: modelVersion ?? version(), dimension: 51, vectors: await Promise.all(images.map((b) => imageVector(b))) }),
  describe: async () => ({
    name: 'fake-clip',
    version: version(),
    dimension: 51,
    textPreprocessing: 'hashed words',
    imagePreprocessing: 'silhouette and colour',
    source: 'test fixture',
    loadedVersions: [version()],
    maxBatch: 32,
    maxImageBytes: 5 * 1024 * 1024,
  }),
});

// ---- the fake search core ----

const FILTER_NAMES: FilterName[] = ['gender', 'masterCategory', 'subCategory', 'articleType', 'baseColour', 'season', 'usage', 'year'];

function matches(p: ProductView, filters: SearchFilters | undefined): boolean {
  for (const name of FILTER_NAMES) {
    const wanted = filters?.[name];
    if (!wanted || wanted.length === 0) continue;
    const value = p[name];
    if (value === null || !(wanted as Array<string | number>).map(String).includes(String(value))) return false;
  }
  return true;
}

function dot(a: Float32Array, b: Float32Array): number {
  let sum = 0;
  for (let i = 0; i < Math.min(a.length, b.length); i++) sum += a[i]! * b[i]!;
  return sum;
}

export async function fakeSearch(catalog: Catalog, version: () => string): Promise<SearchBackend> {
  const textVectors = new Map(catalog.products.map((p) => [p.id, textVector(`${p.name} ${p.articleType}`)]));
  const imageVectors = new Map<number, Float32Array>();
  for (const p of catalog.products) imageVectors.set(p.id, await imageVector(catalog.objects.get(p.imageKey!)!));
  const rank = (vectors: Map<number, Float32Array>, query: Float32Array, o: SearchOptions, exclude?: number): SearchPage => {
    const scored = catalog.products
      .filter((p) => p.id !== exclude && matches(p, o.filters))
      .map((product) => ({ product, score: Number(dot(vectors.get(product.id)!, query).toFixed(6)) }))
      .sort((a, b) => b.score - a.score || a.product.id - b.product.id);
    const offset = o.offset ?? 0;
    return { modelVersion: o.modelVersion ?? version(), hits: scored.slice(offset, offset + o.k), k: o.k, offset };
  };
  const counts = (filters: SearchFilters): Record<string, Array<{ value: string; count: number }>> => {
    const out: Record<string, Array<{ value: string; count: number }>> = {};
    const kept = catalog.products.filter((p) => matches(p, filters));
    for (const name of FILTER_NAMES) {
      const tally = new Map<string, number>();
      for (const p of kept) if (p[name] !== null) tally.set(String(p[name]), (tally.get(String(p[name])) ?? 0) + 1);
      out[name] = [...tally].map(([value, count]) => ({ value, count })).sort((a, b) => b.count - a.count || a.value.localeCompare(b.value));
    }
    return out;
  };
  return {
    liveVersion: async () => version(),
    byImageVector: async (v, o) => rank(imageVectors, v, o),
    byTextVector: async (v, o) => rank(textVectors, v, o),
    byNameVector: async (v, o) => rank(textVectors, v, o),
    hybrid: async (_q, v, o) => rank(textVectors, v, o),
    moreLikeThis: async (id, o) => rank(imageVectors, imageVectors.get(id)!, o, id),
    product: async (id) => catalog.products.find((p) => p.id === id),
    facets: async (filters) => counts(filters),
    filterValues: async () => Object.fromEntries(Object.entries(counts({})).map(([name, list]) => [name, list.map((c) => c.value)])),
  };
}

/** An object store holding the images bucket (only what the image route calls). */
export function fakeS3(objects: Map<string, Buffer>): Minio.Client {
  const missing = (key: string): Error => Object.assign(new Error(`no object ${key}`), { code: 'NotFound' });
  const store = {
    statObject: async (_bucket: string, key: string) => {
      const bytes = objects.get(key);
      if (!bytes) throw missing(key);
      return { size: bytes.length, etag: crypto.createHash('md5').update(bytes).digest('hex'), lastModified: new Date('2024-01-01T00:00:00Z'), metaData: { 'content-type': 'image/jpeg' } };
    },
    getObject: async (_bucket: string, key: string) => {
      const bytes = objects.get(key);
      if (!bytes) throw missing(key);
      return Readable.from([bytes]);
    },
  };
  return store as unknown as Minio.Client;
}

// ---- the MLOps endpoints the models and pipeline pages call (fixed answers) ----

const HOUR = 3600_000;
const MESSAGES: Record<string, number> = { 'vitrina.products': 80, 'vitrina.embeddings': 320, 'vitrina.image-predictions': 2, 'vitrina.uploads.notifications': 4, 'vitrina.dead-letter': 2 };

export interface MlopsState {
  champion: string;
  adminToken: string;
  /** Every promote/rollback call, for assertions. */
  calls: Array<{ path: string; authorization: string | undefined; body: unknown }>;
}

interface Version {
  version: string;
  status: string;
  createdAt: string;
  baseModelVersion: string | null;
  runId: string | null;
  splitManifestKey: string | null;
  artifacts: Record<string, string>;
  metrics: Record<string, number>;
  evaluatedAt: string | null;
}

function metrics(t2i: number, i2i: number, group: number, latency: number): Record<string, number> {
  return {
    'text2image.exact.catalog.acc@1': t2i / 4,
    'text2image.exact.catalog.acc@10': t2i,
    'text2image.exact.test.acc@10': Math.min(1, t2i * 2.4),
    'text2image.name.catalog.acc@10': Math.min(1, t2i * 1.6),
    'image2image.exact.acc@1': i2i * 0.8,
    'image2image.exact.acc@10': i2i,
    'group.articleType.acc@10': group,
    'group.masterCategory.acc@10': Math.min(1, group + 0.12),
    'latency.mean_ms': latency,
    'latency.p95_ms': latency * 1.8,
  };
}

export function mlopsState(): MlopsState {
  return { champion: 'clip-ft-r2', adminToken: 'admin-secret', calls: [] };
}

export function mlopsFixtures(state: MlopsState, now = Date.now()): FastifyPluginAsync {
  const iso = (msAgo: number): string => new Date(now - msAgo).toISOString();
  const versions: Version[] = [
    { version: 'clip-base', status: 'retired', createdAt: iso(240 * HOUR), baseModelVersion: null, runId: null, splitManifestKey: null, artifacts: {}, metrics: metrics(0.182, 0.61, 0.7, 14.2), evaluatedAt: iso(239 * HOUR) },
    { version: 'clip-ft-r1', status: 'rejected', createdAt: iso(100 * HOUR), baseModelVersion: 'clip-base', runId: 'run-2024-05-01-a1b2c3', splitManifestKey: 'splits/seed-42.json', artifacts: { adapter: 'models/clip-ft-r1/adapter.bin' }, metrics: metrics(0.176, 0.63, 0.69, 15.1), evaluatedAt: iso(99 * HOUR) },
    { version: 'clip-ft-r2', status: 'champion', createdAt: iso(50 * HOUR), baseModelVersion: 'clip-base', runId: 'run-2024-05-03-d4e5f6', splitManifestKey: 'splits/seed-42.json', artifacts: { adapter: 'models/clip-ft-r2/adapter.bin' }, metrics: metrics(0.231, 0.68, 0.77, 15.4), evaluatedAt: iso(49 * HOUR) },
    { version: 'clip-ft-r3', status: 'challenger', createdAt: iso(3 * HOUR), baseModelVersion: 'clip-ft-r2', runId: 'run-2024-05-05-0718aa', splitManifestKey: 'splits/seed-42.json', artifacts: { adapter: 'models/clip-ft-r3/adapter.bin' }, metrics: metrics(0.229, 0.7, 0.79, 15.0), evaluatedAt: iso(2 * HOUR) },
  ];
  const promotions = [
    { version: 'clip-ft-r2', previousVersion: 'clip-base', reason: 'group accuracy@10 0.770 > 0.700 and exact accuracy@10 0.231 ≥ 0.182 − 0.005', promotedBy: 'promoter', promotedAt: iso(48 * HOUR) },
    { version: 'clip-base', previousVersion: null, reason: 'first model version', promotedBy: 'vitrina ingest', promotedAt: iso(239 * HOUR) },
  ];
  const curve = (from: number, to: number, n: number): Array<{ epoch: number; loss: number }> =>
    Array.from({ length: n }, (_, i) => ({ epoch: i + 1, loss: Number((to + (from - to) * Math.exp(-i / 2.2)).toFixed(4)) }));
  const runs = [
    { runId: 'run-2024-05-06-99ab01', status: 'training', requestedBy: 'cli', requestedAt: iso(0.3 * HOUR), completedAt: null, baseModelVersion: 'clip-ft-r2', modelVersion: null, seed: 7, testFraction: 0.2, parameters: { epochs: '10', learningRate: '0.0005', batchSize: '256' }, progress: { epoch: 3, epochs: 10, loss: 2.113, rate: 850 }, curve: curve(3.1, 2.1, 3), durationMs: null, error: null, decision: null },
    { runId: 'run-2024-05-05-0718aa', status: 'succeeded', requestedBy: 'admin', requestedAt: iso(4 * HOUR), completedAt: iso(3 * HOUR), baseModelVersion: 'clip-ft-r2', modelVersion: 'clip-ft-r3', seed: 42, testFraction: 0.2, parameters: { epochs: '8', learningRate: '0.0005', batchSize: '256' }, progress: null, curve: curve(3.2, 1.7, 8), durationMs: 41 * 60_000, error: null, decision: { promoted: false, reason: 'exact accuracy@10 0.229 is below the champion 0.231 beyond the tolerance 0.001' } },
    { runId: 'run-2024-05-04-failed', status: 'failed', requestedBy: 'cli', requestedAt: iso(30 * HOUR), completedAt: iso(29.8 * HOUR), baseModelVersion: 'clip-ft-r2', modelVersion: null, seed: 1, testFraction: 0.2, parameters: { epochs: '8' }, progress: null, curve: [], durationMs: 12 * 60_000, error: 'the model server did not answer within 30 s', decision: null },
    { runId: 'run-2024-05-03-d4e5f6', status: 'succeeded', requestedBy: 'cli', requestedAt: iso(52 * HOUR), completedAt: iso(50 * HOUR), baseModelVersion: 'clip-base', modelVersion: 'clip-ft-r2', seed: 42, testFraction: 0.2, parameters: { epochs: '8' }, progress: null, curve: curve(3.3, 1.8, 8), durationMs: 95 * 60_000, error: null, decision: { promoted: true, reason: 'group accuracy@10 0.770 > 0.700' } },
  ];
  return async (app) => {
    const unauthorized = (authorization: string | undefined): boolean => authorization !== `Bearer ${state.adminToken}`;
    app.get('/models', async () => ({
      modelName: 'vitrina-clip',
      champion: state.champion,
      versions: versions.map((v) => ({ ...v, status: v.version === state.champion ? 'champion' : v.status === 'champion' ? 'retired' : v.status })),
      promotions,
    }));
    app.get('/training-runs', async () => ({ runs }));
    app.post<{ Params: { version: string } }>('/models/:version/promote', async (request, reply) => {
      state.calls.push({ path: request.url, authorization: request.headers.authorization, body: request.body });
      if (unauthorized(request.headers.authorization)) return reply.code(401).send({ error: 'Unauthorized', message: 'a valid admin token is required', statusCode: 401 });
      const target = versions.find((v) => v.version === request.params.version);
      if (!target) return reply.code(404).send({ error: 'Not Found', message: `no model version ${request.params.version}`, statusCode: 404 });
      promotions.unshift({ version: target.version, previousVersion: state.champion, reason: String((request.body as { reason?: string } | null)?.reason ?? 'by hand'), promotedBy: 'admin', promotedAt: new Date().toISOString() });
      const previous = state.champion;
      state.champion = target.version;
      return reply.code(202).send({ champion: state.champion, previousVersion: previous });
    });
    app.post('/models/rollback', async (request, reply) => {
      state.calls.push({ path: request.url, authorization: request.headers.authorization, body: request.body });
      if (unauthorized(request.headers.authorization)) return reply.code(401).send({ error: 'Unauthorized', message: 'a valid admin token is required', statusCode: 401 });
      const previous = promotions.find((p) => p.version === state.champion)?.previousVersion;
      if (!previous) return reply.code(409).send({ error: 'Conflict', message: 'there is no earlier champion to roll back to', statusCode: 409 });
      promotions.unshift({ version: previous, previousVersion: state.champion, reason: 'rollback', promotedBy: 'admin', promotedAt: new Date().toISOString() });
      state.champion = previous;
      return reply.code(202).send({ champion: previous });
    });
    app.get('/pipeline', async () => ({
      generatedAt: new Date().toISOString(),
      topics: allTopics.map((t) => ({ name: t.name, kind: t.kind, partitions: t.partitions, messages: MESSAGES[t.name] ?? 3 })),
      consumers: [
        { processor: 'embedder', groupId: 'vitrina-embedder', topics: ['vitrina.products', 'vitrina.model-promotions'], state: 'Stable', lag: 0 },
        { processor: 'embeddings projection', groupId: 'vitrina-projection-embeddings', topics: ['vitrina.embeddings'], state: 'Stable', lag: 120 },
        { processor: 'dispatcher', groupId: 'vitrina-dispatcher', topics: ['vitrina.uploads.notifications'], state: 'Stable', lag: 3 },
        { processor: 'trainer', groupId: 'vitrina-trainer', topics: ['vitrina.training-runs.requested'], state: 'Empty', lag: 0 },
      ],
      deadLetters: [
        { processor: 'dispatcher', sourceTopic: 'vitrina.uploads.notifications', count: 2, lastErrorClass: 'UnsupportedImage', lastErrorMessage: 'uploads/notes.txt is not an image', lastFailedAt: iso(0.5 * HOUR) },
        { processor: 'embedder', sourceTopic: 'vitrina.products', count: 0, lastErrorClass: null, lastErrorMessage: null, lastFailedAt: null },
      ],
      predictions: [
        { bucket: 'vitrina-uploads', objectKey: 'uploads/2024/05/06/red%20top.jpg'.replace('%20', ' '), etag: 'a1', modelVersion: state.champion, predictedArticleType: 'Tshirts', confidence: 0.8, neighbours: [{ productId: 1001, score: 0.91, articleType: 'Tshirts' }, { productId: 1009, score: 0.88, articleType: 'Tshirts' }, { productId: 1002, score: 0.71, articleType: 'Shirts' }], predictedAt: now - 90_000 },
        { bucket: 'vitrina-uploads', objectKey: 'uploads/2024/05/06/bag.png', etag: 'b2', modelVersion: state.champion, predictedArticleType: 'Handbags', confidence: 0.6, neighbours: [{ productId: 1007, score: 0.83, articleType: 'Handbags' }, { productId: 1015, score: 0.8, articleType: 'Handbags' }], predictedAt: now - 600_000 },
      ],
    }));
  };
}

// ---- a running gateway with the UI ----

export interface UiServer {
  url: string;
  mlops: MlopsState;
  catalog: Catalog;
  close(): Promise<void>;
}

/**
 * The real gateway (buildGateway) with the UI plugin, on the fixtures above, listening on a free
 * port of 127.0.0.1. `mlops: false` leaves out the model-registry and pipeline endpoints, as the
 * gateway is today, so those pages show their "not available yet" state.
 */
export async function startUiServer(options: { mlops?: boolean; catalog?: Catalog; port?: number } = {}): Promise<UiServer> {
  const { buildGateway } = await import('../../gateway/index.ts');
  const { uiPlugin } = await import('../../gateway/ui/plugin.ts');
  const catalog = options.catalog ?? (await buildCatalog());
  const mlops = mlopsState();
  const version = (): string => (options.mlops === false ? 'clip-base' : mlops.champion);
  const plugins = [{ plugin: uiPlugin }, ...(options.mlops === false ? [] : [{ plugin: mlopsFixtures(mlops), prefix: '/api/v1' }])];
  const app = await buildGateway({ search: await fakeSearch(catalog, version), encoder: fakeEncoder(version), s3: fakeS3(catalog.objects) }, { plugins, filterValuesTtlMs: 60_000 });
  const url = await app.listen({ host: '127.0.0.1', port: options.port ?? 0 });
  return { url, mlops, catalog, close: () => app.close() };
}
