// What the browser tests run against: the real system on the configured stack (the test stack's
// Kafka, schema registry, MinIO and Postgres, from `vitrina stack --test env`), in this process.
//
// - a gRPC model server with the tiny generated model (version tiny-<seed>; a second version is
//   registered as the challenger the models page promotes);
// - the drawn catalog of ./fixtures.ts written as a dataset folder and ingested by the real ingest
//   (images to MinIO, ProductIngested to vitrina.products);
// - the real processors and projectors, each in a consumer group of its own: the embedder, the
//   embeddings projector (in a namespace of its own, searched by this run's gateways and dropped
//   at the end) and the dispatcher start at the end of their topics, so they see only this run's
//   products, embeddings and uploads; the products, model-registry and pipeline projectors apply
//   their topics from the start to the shared projections, as the integration tests' do;
// - the model registry's history for a model name of its own (a training run, two evaluations, a
//   promotion decision and the first ModelPromoted), published as the MLOps loop would;
// - an image put in the uploads bucket (→ an ImagePrediction) and a text file (→ a dead letter);
// - the gateway as `vitrina serve all` builds it (startGateway: the search core, the model-server
//   client, MinIO for images; the web UI, the pipeline routes and the admin/model-registry routes),
//   and a second one with only the UI and a model server address nothing listens on, for the
//   pages' "not available" and error states.
import crypto from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { adminPlugins } from '../../cli/admin-plugins.ts';
import { createRuntime, type Runtime } from '../../runtime/runtime.ts';
import { startGateway, type RunningGateway } from '../../cli/serve-gateway.ts';
import { pipelineRoutes } from '../../gateway/plugins/pipeline.ts';
import { kafkaStreamStatus, type ProcessorGroup } from '../../streams/status.ts';
import { uiPlugin } from '../../gateway/ui/plugin.ts';
import { buildTrainingRequest } from '../../mlops/requests.ts';
import { writeManifest } from '../../models/manifest.ts';
import { startModelServer, type ModelServer } from '../../models/server.ts';
import { createEmbedder } from '../../processors/embedder/embedder.ts';
import { dispatcherSpec } from '../../processors/dispatcher/dispatcher.ts';
import { PredictionLedger } from '../../processors/dispatcher/ledger.ts';
import { LocalDataset } from '../../processors/ingest/dataset.ts';
import { ingest } from '../../processors/ingest/ingest.ts';
import { ensureCatalog, liveGeneration } from '../../projections/catalog.ts';
import { inTransaction } from '../../projections/db.ts';
import { StoredEmbeddings } from '../../projections/embeddings/known.ts';
import { createEmbeddingsProjection } from '../../projections/embeddings/projection.ts';
import { listVersions } from '../../projections/embeddings/registry.ts';
import { SearchCore } from '../../projections/embeddings/search.ts';
import { championOf } from '../../projections/model-registry/queries.ts';
import { modelRegistryProjection } from '../../projections/model-registry/projection.ts';
import { deadLetterCounts, latestPredictions } from '../../projections/pipeline/queries.ts';
import { pipelineProjection } from '../../projections/pipeline/projection.ts';
import { productsProjection } from '../../projections/products/projection.ts';
import { discardProjection } from '../../projections/projection.ts';
import { createProjector } from '../../projections/projector.ts';
import { createEncoderClient } from '../../proto/client.ts';
import { loadConfig } from '../../platform/config.ts';
import { ProcessorRunner } from '../../streams/processor.ts';
import { buckets, ensureBucket, getObjectBytes } from '../../platform/s3.ts';
import { ensureTopics, topics } from '../../streams/topics.ts';
import { startGroupAtEnd, waitFor } from '../integration/fixtures.ts';
import { buildCatalog, type Catalog } from './fixtures.ts';

export interface E2eSystem {
  /** The gateway with the web UI and every API the pages call. */
  url: string;
  /** A gateway with the UI only, its model server address closed: "not available" and 503 states. */
  bareUrl: string;
  catalog: Catalog;
  modelName: string;
  /** The champion the system starts with (the version the products are embedded for), and the challenger. */
  champion: string;
  challenger: string;
  runId: string;
  adminToken: string;
  /** The object keys put in the uploads bucket: a product's image (predicted) and a text file (dead-lettered). */
  upload: { key: string; productId: number; junkKey: string };
  /** The normalised image the ingest stored for a product (what the embedder embedded). */
  normalizedImage(productId: number): Promise<Buffer>;
  /** The registry's champion of this run's model name, as the projection holds it now. */
  registryChampion(): Promise<string | null>;
  close(): Promise<void>;
}

const tag = (): string => crypto.randomBytes(4).toString('hex');


/** A local port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** The MLOps loop's events for one training run of `modelName`, as its processors publish them. */
async function publishRegistryHistory(rt: Runtime, modelName: string, champion: string, challenger: string, runId: string): Promise<void> {
  const p = rt.producer;
  const now = Date.now();
  const split = `runs/${runId}/split.json`;
  // The champion is promoted first (the version the catalog was embedded for), then a run trains
  // the challenger from it, both are evaluated on the run's split, and the rule keeps the champion.
  await p.send(topics.promotions.name, [{ key: modelName, value: { modelName, version: champion, previousVersion: null, reason: 'first model version of the browser tests', promotedBy: 'e2e', promotedAt: now - 3_600_000 } }]);
  await p.send(topics.trainingRequested.name, [{ key: runId, value: buildTrainingRequest({ runId, modelName, seed: 7, parameters: { epochs: '3' }, requestedBy: 'e2e' }, now - 600_000) }]);
  await p.send(topics.trainingPrepared.name, [{ key: runId, value: { runId, modelName, baseModelVersion: champion, datasetSnapshot: 'e2e', catalogFingerprint: 'e2e', catalogSource: 'products-projection', seed: 7, testFraction: 0.2, stratifiedBy: 'articleType', catalogSize: 80, trainSize: 64, testSize: 16, classCounts: [{ articleType: 'Jeans', train: 8, test: 2 }], testDrawnFrom: 'catalog', testEligible: 80, splitManifestKey: split, catalogManifestKey: `runs/${runId}/catalog.json`, parameters: { epochs: '3' }, error: null, preparedAt: now - 590_000 } }]);
  const curve = [3.1, 2.4, 2.0].map((loss, i) => ({ epoch: i + 1, loss, pairsPerSecond: 900, temperature: 0.05, seconds: 20 }));
  await p.send(topics.trainingCompleted.name, [{ key: runId, value: { runId, status: 'SUCCEEDED', modelVersion: challenger, baseModelVersion: champion, artifacts: { 'model.json': `${challenger}/model.json` }, parameters: { epochs: '3' }, curve, splitManifestKey: split, durationMs: 60_000, error: null, completedAt: now - 530_000, modelName, datasetSnapshot: 'e2e', trainPairs: 64, metrics: { finalLoss: 2.0 } } }]);
  // The tiny model's numbers mean nothing: these are the test's own, to see the page show them.
  const metrics = (group: number, name: number, image: number, latency: number) => ({
    'text2image.articleType.catalog.group@10': group,
    'text2image.name.catalog.acc@10': name,
    'image2image.exact.catalog.acc@1': image,
    'latency.text2image.mean_ms': latency,
  });
  const evaluation = (role: 'champion' | 'challenger', version: string, m: Record<string, number>) => ({
    evaluationId: `${runId}/${role}`, modelVersion: version, runId, splitManifestKey: split, metrics: m, queries: 16, completedAt: now - 500_000, modelName, role,
    baselineVersion: role === 'challenger' ? champion : null, baselineEvaluationId: null, baselineMetrics: {}, parameters: {}, durationMs: 5_000, error: null, intervals: [],
  });
  await p.send(topics.evaluations.name, [
    { key: champion, value: evaluation('champion', champion, metrics(0.5, 0.25, 0.75, 12)) },
    { key: challenger, value: evaluation('challenger', challenger, metrics(0.4375, 0.3125, 0.75, 13)) },
  ]);
  await p.send(topics.promotionDecisions.name, [{ key: runId, value: { runId, modelName, challengerVersion: challenger, championVersion: champion, decision: 'REJECT', reason: 'articleType group accuracy@10 0.438 is not above the champion 0.500', rule: '[]', checks: [], evaluationId: `${runId}/challenger`, decidedAt: now - 490_000, outcome: 'reject', confidence: null, minEffect: null, power: null, queries: 16, cost: null } }]);
}

export async function startE2eSystem(options: { port?: number; log?: (line: string) => void } = {}): Promise<E2eSystem> {
  const began = Date.now();
  const step = (what: string): void => options.log?.(`${((Date.now() - began) / 1000).toFixed(1)} s: ${what}`);
  const hex = tag();
  const cacheDir = fs.mkdtempSync(path.join(os.tmpdir(), 'vitrina-e2e-cache-'));
  const seed = crypto.randomInt(10_000_000, 999_999_999);
  const [champion, challenger] = [`tiny-${seed}`, `tiny-${seed + 1}`];
  // Both versions are in the cache the admin routes look in, so the challenger can be promoted.
  for (const version of [champion, challenger]) writeManifest(path.join(cacheDir, 'models', version), { source: 'tiny', seed: seed + (version === champion ? 0 : 1), version });
  const modelName = `e2e-${hex}`;
  const adminToken = crypto.randomBytes(12).toString('hex');
  const runId = `run-e2e-${hex}`;
  // The admin routes of `serve all` read the model name and token from the environment.
  process.env.VITRINA_MODEL_NAME = modelName;
  process.env.VITRINA_ADMIN_TOKEN = adminToken;

  const rt = createRuntime('vitrina-e2e', { ...loadConfig(), cacheDir });
  const stops: Array<() => Promise<void>> = [];
  const stopAll = async (): Promise<void> => {
    for (const stop of stops.reverse()) await stop().catch(() => undefined);
    stops.length = 0;
  };
  try {
    const admin = rt.kafka.admin();
    await admin.connect();
    await ensureTopics(admin).finally(() => admin.disconnect());
    await ensureBucket(rt.s3, buckets.images);
    await ensureBucket(rt.s3, buckets.uploads);
    step('topics and buckets ready');
    const modelServer: ModelServer = await startModelServer({ address: '127.0.0.1:0', model: champion, followPromotions: false, cacheDir, s3: null, threads: 1 });
    stops.push(() => modelServer.stop());
    const encoder = createEncoderClient(modelServer.address, 10_000);
    stops.push(async () => encoder.close());
    step('model server up');
    const catalog = await buildCatalog();
    const ids = new Set(catalog.products.map((p) => p.id));
    const namespace = `e2e_${hex}`;
    const embeddings = createEmbeddingsProjection({ namespace, modelName, expectedRows: async () => ids.size, acceptVersion: (v) => v === champion || v === challenger });
    stops.push(() => inTransaction(rt.db, async (client) => {
      await ensureCatalog(client);
      await discardProjection(client, embeddings);
    }));
    step('catalog drawn');
    const group = (name: string, topicNames: string[]): ProcessorGroup => ({ processor: name, groupId: `vitrina.e2e.${name}.${hex}`, topics: topicNames });
    const groups = {
      products: group('projector.products', productsProjection.topics),
      embedder: group('embedder', [topics.products.name]), // pinned to one version: no promotions
      embeddings: group('projector.embeddings', embeddings.topics),
      dispatcher: group('dispatcher', [topics.uploads.name]),
      pipeline: group('projector.pipeline', pipelineProjection.topics),
      registry: group('projector.model-registry', modelRegistryProjection.topics),
    };
    // The embedder, the embeddings projector and the dispatcher must see only this run's products,
    // embeddings and uploads; the shared projections read their topics from the start, as a
    // projector of a new group does (what they apply twice is skipped by offset).
    await Promise.all([
      startGroupAtEnd(rt, groups.embedder.groupId, [topics.products.name]),
      startGroupAtEnd(rt, groups.embeddings.groupId, [topics.embeddings.name]),
      startGroupAtEnd(rt, groups.dispatcher.groupId, [topics.uploads.name]),
    ]);
    step('new consumer groups at the ends of their topics');
    const runners: Array<{ start(): Promise<void>; stop(): Promise<void> }> = [
      createProjector(productsProjection, rt, { groupId: groups.products.groupId }),
      createProjector(embeddings, rt, { groupId: groups.embeddings.groupId }),
      createProjector(pipelineProjection, rt, { groupId: groups.pipeline.groupId }),
      createProjector(modelRegistryProjection, rt, { groupId: groups.registry.groupId }),
      // The embedder embeds for the starting champion only: a promotion by hand on the models page
      // changes the registry, and search stays on the complete index it has.
      createEmbedder(
        { kafka: rt.kafka, producer: rt.producer, s3: rt.s3, encoder, known: new StoredEmbeddings(rt.db, namespace) },
        { groupId: groups.embedder.groupId, modelName, modelVersion: champion, catalogFilter: (p) => ids.has(p.id) },
      ),
      new ProcessorRunner(
        dispatcherSpec({ s3: rt.s3, encoder, search: new SearchCore(rt.db, { namespace }), ledger: new PredictionLedger(rt), producer: rt.producer, k: 5 }, groups.dispatcher.groupId),
        rt.kafka,
        rt.producer,
      ),
    ];
    for (const runner of runners) await runner.start();
    // Each leaves its group on stop (a round trip to the coordinator): stopped together.
    stops.push(async () => void (await Promise.allSettled(runners.map((r) => r.stop()))));
    step('processors started');
    const report = await ingest(new LocalDataset(catalog.dir), rt, { concurrency: 4 });
    if (report.emitted !== catalog.products.length) throw new Error(`the ingest emitted ${report.emitted} of ${catalog.products.length} products: ${JSON.stringify(report.rejected)}`);
    step('ingested');
    await publishRegistryHistory(rt, modelName, champion, challenger, runId);
    step('registry events published');
    const live = async (): Promise<boolean> => {
      const client = await rt.db.connect();
      try {
        const generation = await liveGeneration(client, namespace);
        if (generation === undefined) return false;
        return (await listVersions(client, embeddings.names, generation)).some((v) => v.version === champion && v.state === 'live' && v.rows === ids.size);
      } finally {
        client.release();
      }
    };
    await waitFor('the catalog to be embedded and live in the search index', live, 120_000);
    step('search index live');
    await waitFor('the products projection to hold the catalog', async () => {
      const { rows } = await rt.db.query<{ n: string }>('SELECT count(*) AS n FROM products WHERE id = ANY($1)', [[...ids]]);
      return Number(rows[0]!.n) === ids.size;
    });
    await waitFor('the model registry to name the champion', async () => (await championOf(rt.db, modelName)).champion === champion);
    step('products and registry projected');
    const normalizedImage = async (productId: number): Promise<Buffer> => {
      const { rows } = await rt.db.query<{ image_normalized_key: string }>('SELECT image_normalized_key FROM products WHERE id = $1', [productId]);
      if (!rows[0]) throw new Error(`product ${productId} is not in the products projection`);
      return getObjectBytes(rt.s3, buckets.images, rows[0].image_normalized_key);
    };

    // Streaming inference: one of the catalog's own images as an upload, and a file that is no image.
    const uploaded = catalog.products[18]!;
    const upload = { key: `e2e/${hex}/${uploaded.articleType.toLowerCase()} photo.jpg`, productId: uploaded.id, junkKey: `e2e/${hex}/notes.jpg` };
    const bytes = await normalizedImage(uploaded.id);
    const putAt = Date.now();
    await rt.s3.putObject(buckets.uploads, upload.key, bytes, bytes.length, { 'Content-Type': 'image/jpeg' });
    await rt.s3.putObject(buckets.uploads, upload.junkKey, Buffer.from('a shopping list, not a picture'), 30, { 'Content-Type': 'image/jpeg' });
    // Removed at the end, so no other test's sweep of the bucket finds them.
    stops.push(async () => void (await rt.s3.removeObjects(buckets.uploads, [upload.key, upload.junkKey])));
    step('uploads put');
    await waitFor('the ImagePrediction in the pipeline projection', async () => (await latestPredictions(rt.db, 100)).some((p) => p.objectKey === upload.key), 90_000);
    await waitFor('the dead letter in the pipeline projection', async () => (await deadLetterCounts(rt.db)).some((d) => d.processor === 'dispatcher' && Date.parse(d.lastFailedAt ?? '') >= putAt - 1000), 60_000);
    step('prediction and dead letter projected');
    const gateway: RunningGateway = await startGateway({
      config: rt.config,
      port: options.port ?? 0,
      modelServerAddress: modelServer.address,
      searchNamespace: namespace,
      gateway: {
        logger: false,
        filterValuesTtlMs: 60_000,
        // the pages' tests were written for the raw ranking; query understanding has its own
        understandQueries: false,
        plugins: [{ plugin: uiPlugin }, { plugin: pipelineRoutes, prefix: '/api/v1', options: { db: rt.db, streams: kafkaStreamStatus(rt.kafka, Object.values(groups)) } }, ...adminPlugins(rt)],
      },
    });
    stops.push(() => gateway.close());
    const bare: RunningGateway = await startGateway({
      config: rt.config,
      port: options.port === undefined ? 0 : options.port + 1,
      modelServerAddress: `127.0.0.1:${await closedPort()}`,
      searchNamespace: namespace,
      gateway: { logger: false, plugins: [{ plugin: uiPlugin }] },
    });
    stops.push(() => bare.close());
    step('gateways listening');
    return {
      url: gateway.url,
      bareUrl: bare.url,
      catalog,
      modelName,
      champion,
      challenger,
      runId,
      adminToken,
      upload,
      normalizedImage,
      registryChampion: async () => (await championOf(rt.db, modelName)).champion,
      close: async () => {
        await stopAll();
        await rt.close();
        fs.rmSync(cacheDir, { recursive: true, force: true });
        fs.rmSync(catalog.dir, { recursive: true, force: true });
      },
    };
  } catch (err) {
    await stopAll();
    await rt.close();
    fs.rmSync(cacheDir, { recursive: true, force: true });
    throw err;
  }
}

