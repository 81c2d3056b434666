// A promotion and a rollback under continuous search, end to end on the real stack: a model
// server following vitrina.model-promotions (tiny models, two versions whose vectors differ), the
// embedder re-embedding the catalog for a promoted version in the background, the embeddings
// projector, and the gateway composed as `vitrina serve all` composes it (search, the admin
// routes, GraphQL) listening on a port. Searchers call REST text search, REST image upload search
// and GraphQL text search without pause, several in flight, while version B is promoted through the
// admin endpoint (POST /api/v1/models/B/promote, what the models page and `vitrina models promote`
// run) and then rolled back (POST /api/v1/models/rollback).
//
// Asserted: no answer other than 200, no short page; B goes live only once its table holds every
// product (rows counted in the same snapshot as its state); answers switch A → B → A; the model
// server's champion follows; and every answer is exactly the neighbours of the query embedded by
// the version that answered, in that version's table — so a page never mixes one version's query
// vector with the other's index (a mix would give other neighbours, which is checked too).
//
// Model name, namespace, product ids and version names are the test's own.
import crypto from 'node:crypto';
import fs from 'node:fs';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import sharp from 'sharp';
import t from 'tap';
import { adminGraphqlExtensions, adminPlugins } from '../../cli/admin-plugins.ts';
import { ensureMlopsTopics } from '../../runtime/mlops-processors.ts';
import { createRuntime, type Runtime } from '../../runtime/runtime.ts';
import { buildGateway } from '../../gateway/app.ts';
import type { Encoder } from '../../gateway/core.ts';
import { promoteByHand } from '../../mlops/promotions.ts';
import { startModelServer } from '../../models/server.ts';
import { ModelStore } from '../../models/store.ts';
import { writeTinyModel } from '../../models/tiny/generate.ts';
import { predict } from '../../processors/dispatcher/dispatcher.ts';
import { PredictionLedger } from '../../processors/dispatcher/ledger.ts';
import { createEmbedder } from '../../processors/embedder/embedder.ts';
import { createPool } from '../../projections/db.ts';
import { modelRegistryProjection } from '../../projections/model-registry/projection.ts';
import { championOf } from '../../projections/model-registry/queries.ts';
import { createProjector } from '../../projections/projector.ts';
import { StoredEmbeddings } from '../../projections/embeddings/known.ts';
import { createEmbeddingsProjection } from '../../projections/embeddings/projection.ts';
import { SearchCore } from '../../projections/embeddings/search.ts';
import { createEncoderClient } from '../../proto/client.ts';
import type { ProductIngested } from '../../schemas/types.generated.ts';
import { loadConfig } from '../../platform/config.ts';
import { loadSettings } from '../../platform/env-table.ts';
import { buckets, ensureBucket } from '../../platform/s3.ts';
import { ensureTopics, topics } from '../../streams/topics.ts';
import { idBase, startGroupAtEnd, uniqueGroup, waitFor } from './fixtures.ts';
import { startProjector, versionsOf, waitForState, type TestSpace } from './embeddings-fixtures.ts';
import { exactScores, pageError, searchContinuously, topIds, watchVersion, type Answer, type Searcher } from './promotion-switch-fixtures.ts';

const PRODUCTS = 24;
const K = 5;
const TEXTS = ['switch test red shirt', 'blue denim jeans'];
/** The catalog product whose image the dispatcher predicts, again and again. */
const DISPATCHED = 3;

/** A 60×80 JPEG with a pattern of its own (not a flat colour, so the embeddings of the catalog spread out). */
function patternImage(n: number): Promise<Buffer> {
  const [width, height] = [60, 80];
  const pixels = Buffer.alloc(width * height * 3);
  for (let y = 0; y < height; y += 1) {
    for (let x = 0; x < width; x += 1) {
      const o = (y * width + x) * 3;
      pixels[o] = (x * (n + 1) * 5 + n * 29) % 256;
      pixels[o + 1] = (y * (n + 3) * 3 + n * 53) % 256;
      pixels[o + 2] = ((x + 2 * y) * (n + 7)) % 256;
    }
  }
  return sharp(pixels, { raw: { width, height, channels: 3 } }).jpeg().toBuffer();
}


t.test('searches never fail, come back empty or mix versions through a promotion and a rollback', async (t) => {
  const started = Date.now();
  const hex = crypto.randomBytes(4).toString('hex');
  const cacheDir = fs.mkdtempSync(`${os.tmpdir()}/vitrina-switch-`);
  t.teardown(() => fs.rmSync(cacheDir, { recursive: true, force: true }));
  const rt = createRuntime('test-promotion-switch', { ...loadConfig(), cacheDir });
  t.teardown(() => rt.close());
  const admin = rt.kafka.admin();
  await admin.connect();
  await ensureTopics(admin, [topics.products, topics.embeddings, topics.promotions, topics.deadLetter]);
  await admin.disconnect();
  await ensureMlopsTopics(rt.kafka);

  // Two versions of the tiny model, stored in the cache the model server and the admin commands share.
  const seed = crypto.randomInt(10_000_000, 999_999_998);
  const [A, B] = [`tiny-${seed}`, `tiny-${seed + 1}`];
  const store = new ModelStore({ cacheDir, s3: null });
  for (const [version, s] of [[A, seed], [B, seed + 1]] as const) writeTinyModel(store.localDir(version), { seed: s, version });
  const modelName = `test-switch-${hex}`;
  const token = crypto.randomBytes(16).toString('hex');
  await promoteByHand({ ...rt, cacheDir }, { version: A, modelName, identity: 'test:promotion-switch' });

  const server = await startModelServer({ address: '127.0.0.1:0', modelName, followPromotions: true, kafka: rt.kafka, codec: rt.codec, s3: null, cacheDir, threads: 1 });
  t.teardown(() => server.stop());
  t.equal(server.champion(), A, 'the model server starts with the promoted version A');
  const direct = createEncoderClient(server.address);
  t.teardown(() => direct.close());

  // The embeddings projection of the test's own namespace, for its model name and versions.
  const ids: number[] = [];
  const namespace = `embt_${hex}`;
  const projection = createEmbeddingsProjection({ namespace, modelName, expectedRows: async () => ids.length, acceptVersion: (v) => v === A || v === B });
  const space: TestSpace = { namespace, modelName, version: (name) => name, projection };
  await startProjector(rt, space, t);

  // The catalog: products with distinct images in MinIO, embedded by the real embedder.
  await ensureBucket(rt.s3, buckets.images);
  const base = idBase();
  const products: ProductIngested[] = [];
  const images: Buffer[] = [];
  for (let i = 0; i < PRODUCTS; i += 1) {
    const key = `normalized/test-switch-${hex}-${i}.jpg`;
    const image = await patternImage(i);
    await rt.s3.putObject(buckets.images, key, image, image.length, { 'Content-Type': 'image/jpeg' });
    images.push(image);
    products.push({
      id: base + i, gender: i % 2 ? 'Women' : 'Men', masterCategory: 'Apparel', subCategory: 'Topwear', articleType: i % 3 ? 'Shirts' : 'Jeans', baseColour: 'Blue', season: 'Summer', year: 2015,
      usage: 'Casual', productDisplayName: `Switch test ${i % 2 ? 'blue denim jeans' : 'red shirt'} ${i}`, imageOriginalKey: key, imageNormalizedKey: key, imageSha256: crypto.createHash('sha256').update(image).digest('hex'),
      imageWidth: 60, imageHeight: 80, datasetSnapshot: 'test', source: 'test', ingestedAt: Date.now(),
    });
    ids.push(base + i);
  }
  const group = uniqueGroup('switch-embedder');
  await startGroupAtEnd(rt, group, [topics.products.name, topics.promotions.name]);
  const embedder = createEmbedder(
    { kafka: rt.kafka, producer: rt.producer, s3: rt.s3, encoder: direct, known: new StoredEmbeddings(rt.db, namespace) },
    { groupId: group, modelName, batchSize: 8, catalogFilter: (p) => ids.includes(p.id) },
  );
  await embedder.start();
  t.teardown(() => embedder.stop());
  t.equal(embedder.currentVersion(), A, 'the embedder embeds for the champion A');
  await rt.producer.send(topics.products.name, products.map((p) => ({ key: String(p.id), value: p })));
  const liveA = await waitForState(rt.db, space, A, 'live', 60_000);
  t.match(liveA, { rows: PRODUCTS, expectedRows: PRODUCTS, indexed: true }, 'A is complete and live');

  // The gateway, composed as `serve all` composes it (search, admin routes, registry in GraphQL), on a port.
  const db = createPool(rt.config.databaseUrl, 16);
  t.teardown(() => db.end());
  const gatewayClient = createEncoderClient(server.address, 10_000);
  t.teardown(() => gatewayClient.close());
  const encoded: Array<{ asked: string | undefined; answered: string }> = [];
  const encoder: Encoder = {
    embedTexts: async (texts, version) => {
      const result = await gatewayClient.embedTexts(texts, version);
      encoded.push({ asked: version, answered: result.modelVersion });
      return result;
    },
    embedImages: async (images, version) => {
      const result = await gatewayClient.embedImages(images, version);
      encoded.push({ asked: version, answered: result.modelVersion });
      return result;
    },
    describe: (version) => gatewayClient.describe(version),
  };
  // The gateway's admin plugins take the model name and token from the settings a command reads once.
  const settings = loadSettings({ ...process.env, VITRINA_MODEL_NAME: modelName, VITRINA_ADMIN_TOKEN: token });
  // Pages are checked against the raw vector ranking; query understanding (its own tests) would
  // read "blue", "jeans" and "red" in the searchers' queries as filters. It checks that every answer
  // was embedded by the version it names, so the gateway keeps no query embeddings here.
  const app = await buildGateway(
    { search: new SearchCore(db, { namespace }), encoder, s3: rt.s3 },
    { plugins: adminPlugins(rt, settings), graphqlExtensions: adminGraphqlExtensions(rt, settings), understandQueries: false, queryEmbeddingCacheSize: 0 },
  );
  t.teardown(() => app.close());
  await app.listen({ host: '127.0.0.1', port: 0 });
  const url = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;

  const ledger = new PredictionLedger(rt);
  const dispatcherSearch = new SearchCore(rt.db, { namespace });
  const queryImage = await patternImage(PRODUCTS + 7);
  const asPage = async (res: Response): Promise<{ status: number; page: { modelVersion?: string; hits?: Array<{ product: { id: number } }> } | null; error: string | null }> => {
    const body = (await res.json()) as { modelVersion?: string; hits?: Array<{ product: { id: number } }>; message?: string };
    return { status: res.status, page: res.ok ? body : null, error: res.ok ? null : (body.message ?? `HTTP ${res.status}`) };
  };
  const rest = (text: string, n: number): Searcher => ({
    name: `rest-text-${n}`,
    query: text,
    request: async () => asPage(await fetch(`${url}/api/v1/search?${new URLSearchParams({ q: text, k: String(K), mode: 'vector' })}`)),
  });
  const searchers: Searcher[] = [
    rest(TEXTS[0]!, 1),
    rest(TEXTS[1]!, 2),
    {
      name: 'rest-image',
      query: 'image',
      request: async () => {
        const form = new FormData();
        form.append('image', new Blob([queryImage], { type: 'image/jpeg' }), 'query.jpg');
        return asPage(await fetch(`${url}/api/v1/search/image?k=${K}`, { method: 'POST', body: form }));
      },
    },
    {
      name: 'graphql-text',
      query: TEXTS[0]!,
      request: async () => {
        const res = await fetch(`${url}/graphql`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ query: 'query($q: String!, $k: Int!) { search(q: $q, k: $k, mode: vector) { modelVersion hits { product { id } } } }', variables: { q: TEXTS[0], k: K } }),
        });
        const body = (await res.json()) as { data?: { search?: { modelVersion: string; hits: Array<{ product: { id: number } }> } } | null; errors?: Array<{ message: string }> };
        const ok = res.ok && !body.errors?.length && body.data?.search;
        return { status: res.status, page: ok ? body.data!.search! : null, error: ok ? null : (body.errors?.map((e) => e.message).join('; ') ?? `HTTP ${res.status}`) };
      },
    },
    {
      // The streaming inference path: the dispatcher's predict() for an object (a catalog image),
      // with the model server's champion and the search core; each call a new ETag, so none is skipped.
      name: 'dispatcher',
      query: 'dispatch',
      request: async () => {
        await new Promise((r) => setTimeout(r, 50));
        const object = { bucket: buckets.images, key: products[DISPATCHED]!.imageNormalizedKey, etag: `switch-${hex}-${crypto.randomBytes(6).toString('hex')}`, size: images[DISPATCHED]!.length, eventName: 's3:ObjectCreated:Put' };
        try {
          const prediction = await predict(object, { s3: rt.s3, encoder: direct, search: dispatcherSearch, ledger, producer: rt.producer, k: K });
          if (!prediction) return { status: 409, page: null, error: 'skipped as already predicted' };
          return { status: 200, page: { modelVersion: prediction.modelVersion, hits: prediction.neighbours.map((n) => ({ product: { id: n.productId } })) }, error: null };
        } catch (err) {
          return { status: 500, page: null, error: `${(err as Error).name}: ${(err as Error).message}` };
        }
      },
    },
  ];

  const watchB = watchVersion(rt.db, projection, B);
  const search = searchContinuously(searchers);
  const answersSince = (at: number, version: string, enough: number) => waitFor(`${enough} answers from ${version} per searcher`, async () =>
    searchers.every((s) => search.answers.filter((a) => a.searcher === s.name && a.startedAt > at && a.modelVersion === version).length >= enough), 30_000);
  await answersSince(0, A, 3);

  // Promotion of B through the admin endpoint.
  const promotedAt = Date.now();
  const promoted = await fetch(`${url}/api/v1/models/${B}/promote`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify({ reason: 'switch test' }) });
  t.equal(promoted.status, 202, 'the admin endpoint accepts the promotion of B');
  t.same(await promoted.json(), { champion: B, previousVersion: A });
  await waitFor('the model server to swap to B', async () => (await direct.describe()).version === B, 30_000);
  t.equal(server.champion(), B, 'the model server answers with B after the swap');
  t.equal((await direct.embedTexts(['shirt'])).modelVersion, B, 'an embedding without a version name comes from B');
  const liveB = await waitForState(rt.db, space, B, 'live', 60_000);
  t.match(liveB, { rows: PRODUCTS, expectedRows: PRODUCTS, indexed: true }, 'B went live, complete and indexed');
  const bLiveSeenAt = Date.now();
  await answersSince(bLiveSeenAt, B, 3);
  t.equal(embedder.currentVersion(), B, 'the embedder embeds new products for B');
  t.match((await embedder.reembedFinished())?.state, 'done', 'the background re-embedding for B finished');

  // Rollback to A through the admin endpoint.
  const rolledBackAt = Date.now();
  const rolledBack = await fetch(`${url}/api/v1/models/rollback`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify({ reason: 'switch test' }) });
  t.equal(rolledBack.status, 202, 'the admin endpoint accepts the rollback');
  t.same(await rolledBack.json(), { champion: A, previousVersion: B });
  await waitFor('the model server to swap back to A', async () => (await direct.describe()).version === A, 30_000);
  t.equal(server.champion(), A, 'the model server answers with A after the rollback');
  await waitForState(rt.db, space, A, 'live', 60_000);
  const aLiveSeenAt = Date.now();
  await answersSince(aLiveSeenAt, A, 3);
  const answers = await search.stop();
  const observations = await watchB.stop();

  // Every answer: 200, a full page, from A or B.
  const failures = answers.filter((a) => a.status !== 200);
  t.same(failures.slice(0, 3), [], `no answer other than 200 (${answers.length} answers, ${failures.length} failed)`);
  for (const s of searchers) {
    const failed = failures.filter((a) => a.searcher === s.name);
    if (failed.length > 0) t.comment(`${s.name}: ${failed.length} failed, e.g. ${failed[0]!.error}`);
  }
  const short = answers.filter((a) => a.status === 200 && a.ids.length !== K);
  t.same(short.slice(0, 5), [], 'no empty or short page');
  t.same([...new Set(answers.map((a) => a.modelVersion))].sort(), [A, B].sort(), 'answers came from A and B only');

  // Each searcher saw A, then B, then A again — no flapping.
  for (const s of searchers) {
    const sequence: string[] = [];
    for (const a of answers.filter((x) => x.searcher === s.name)) if (a.modelVersion && sequence[sequence.length - 1] !== a.modelVersion) sequence.push(a.modelVersion);
    t.same(sequence, [A, B, A], `${s.name} read A, then B, then A after the rollback`);
  }
  const firstB = Math.min(...answers.filter((a) => a.modelVersion === B).map((a) => a.startedAt));
  t.ok(firstB >= promotedAt, 'no answer from B before B was promoted');

  // B goes live only once complete: every snapshot showing B live shows all its rows, counted.
  const liveSnapshots = observations.filter((o) => o.state === 'live');
  t.ok(liveSnapshots.length > 0, `the watcher saw B live (${observations.length} snapshots)`);
  t.same(liveSnapshots.filter((o) => o.counted !== PRODUCTS || o.registryRows !== PRODUCTS || !o.indexed), [], 'B is live only with every product in its table (rows counted) and its index built');
  const building = observations.filter((o) => o.state === 'building');
  t.same(building.filter((o) => o.live === B), [], 'while B was building, it was never the live version');
  t.comment(`B snapshots: ${building.length} building (rows ${[...new Set(building.map((o) => o.counted))].join(', ') || '-'}), ${liveSnapshots.length} live, ${observations.filter((o) => o.state === 'complete').length} complete`);

  // The query vector always came from the version asked for.
  const viaGateway = answers.filter((a) => a.searcher !== 'dispatcher').length;
  t.ok(encoded.length >= viaGateway, `the gateway embedded every query it answered (${encoded.length} encodings, ${viaGateway} answers)`);
  t.same(encoded.filter((e) => e.asked === undefined || e.asked !== e.answered).slice(0, 5), [], 'every query was embedded by the version the gateway named, and answered by it');

  // Every page is exactly the neighbours of the query embedded by the version that answered, in
  // that version's table; a mix (one version's query vector, the other's table) gives other pages.
  const tables = Object.fromEntries((await versionsOf(rt.db, space)).map((v) => [v.version, v.table]));
  const vectorOf = async (query: string, version: string): Promise<Float32Array> =>
    (query === 'image' ? await direct.embedImages([queryImage], version) : query === 'dispatch' ? await direct.embedImages([images[DISPATCHED]!], version) : await direct.embedTexts([query], version)).vectors[0]!;
  const scores = new Map<string, Map<number, number>>();
  for (const query of [...TEXTS, 'image', 'dispatch']) {
    for (const version of [A, B]) {
      const other = version === A ? B : A;
      const right = await exactScores(rt.db, tables[version]!, 'image_embedding', await vectorOf(query, version));
      const mixed = topIds(await exactScores(rt.db, tables[version]!, 'image_embedding', await vectorOf(query, other)), K);
      scores.set(`${query}|${version}`, right);
      t.ok(pageError(mixed, right, K), `"${query}": ${other}'s query vector in ${version}'s table would give another page (${pageError(mixed, right, K)})`);
    }
  }
  const wrong = answers.filter((a) => a.status === 200).map((a) => ({ ...a, why: pageError(a.ids, scores.get(`${a.query}|${a.modelVersion}`)!, K) })).filter((a) => a.why !== null);
  for (const s of searchers) for (const v of [A, B]) {
    const w = wrong.filter((a) => a.searcher === s.name && a.modelVersion === v);
    if (w.length > 0) t.comment(`${s.name} ${v}: ${w.length} pages are not its exact neighbours, e.g. ${w[0]!.ids.join(',')}: ${w[0]!.why}; exact: ${topIds(scores.get(`${w[0]!.query}|${v}`)!, K + 1).map((id) => `${id} ${scores.get(`${w[0]!.query}|${v}`)!.get(id)!.toFixed(7)}`).join(', ')}`);
  }
  t.same(wrong.slice(0, 3), [], `every page is the exact neighbours of its version's query vector in its version's table (${answers.length} pages)`);

  // The model registry saw the same story, and GraphQL (as `serve all` mounts it) tells it.
  const registry = createProjector(modelRegistryProjection, rt, { groupId: uniqueGroup('switch-registry') });
  await registry.start();
  t.teardown(() => registry.stop());
  await waitFor('the registry to record the three promotions', async () => (await championOf(rt.db, modelName)).promotions.length === 3, 60_000);
  const gql = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query: '{ champion { version status } promotions { version previousVersion promotedBy } modelVersions { version status } }' }),
  });
  const told = (await gql.json()) as { data: { champion: unknown; promotions: Array<{ version: string; previousVersion: string | null; promotedBy: string }>; modelVersions: Array<{ version: string; status: string }> } };
  t.same(told.data.champion, { version: A, status: 'champion' }, 'GraphQL: A is the champion again');
  t.match(told.data.promotions, [
    { version: A, previousVersion: null, promotedBy: 'test:promotion-switch' },
    { version: B, previousVersion: A, promotedBy: /^admin:[0-9a-f]{12}$/ },
    { version: A, previousVersion: B, promotedBy: /^rollback:admin:[0-9a-f]{12}$/ },
  ], 'GraphQL: the promotions, by hand and through the admin endpoints');
  t.same(Object.fromEntries(told.data.modelVersions.map((v) => [v.version, v.status])), { [A]: 'champion', [B]: 'retired' }, 'GraphQL: B is retired');

  const perVersion = (v: string) => answers.filter((a) => a.modelVersion === v).length;
  t.comment(`${answers.length} searches (${perVersion(A)} from ${A}, ${perVersion(B)} from ${B}); B promoted → live in ${bLiveSeenAt - promotedAt} ms, rollback → A live in ${aLiveSeenAt - rolledBackAt} ms; test ${((Date.now() - started) / 1000).toFixed(1)} s`);
});
