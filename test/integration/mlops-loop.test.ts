// The MLOps loop on the real stack with the tiny test model (its numbers mean nothing): a request
// becomes a split, a trained challenger, two evaluations with paired intervals and a decision on
// them — promoted under a lenient rule, not promoted (inconclusive on 5 queries) when the rule
// reads the side the run left unchanged, failed for a snapshot that does not exist — and the model
// registry shows it all. Every event of these runs uses a model name no other test uses.
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import t from 'tap';
import { createRuntime } from '../../runtime/runtime.ts';
import { startMlopsSteps, MLOPS_STEPS } from '../../runtime/mlops-processors.ts';
import { startModelServer } from '../../models/server.ts';
import { createEncoderClient } from '../../proto/client.ts';
import { LocalDataset } from '../../processors/ingest/dataset.ts';
import { ingest } from '../../processors/ingest/ingest.ts';
import { createProjector } from '../../projections/projector.ts';
import { productsProjection } from '../../projections/products/projection.ts';
import { modelRegistryProjection } from '../../projections/model-registry/projection.ts';
import { getModel, getTrainingRun, listModels, listTrainingRuns } from '../../projections/model-registry/queries.ts';
import { promoteByHand, rollbackByHand } from '../../mlops/promotions.ts';
import { followPositions, followRun, type RunOutcome } from '../../mlops/follow-run.ts';
import { requestTraining, type TrainingRequestInput } from '../../mlops/requests.ts';
import { RunStore } from '../../mlops/store.ts';
import type { SplitManifest } from '../../mlops/manifests.ts';
import { ARTICLE_TYPES, makeDataset, uniqueGroup, waitFor } from './fixtures.ts';

const LENIENT = JSON.stringify([{ metric: 'text2image.exact.test.acc@10', kind: 'noWorse', margin: 1 }]);
// The second run adapts the text side only, so its image→image results are the champion's.
const IDENTICAL_SIDE = JSON.stringify([{ metric: 'image2image.exact.test.acc@1', kind: 'better', margin: 0 }]);

t.test('request → split → train → evaluate → promote or reject, and the registry', async (t) => {
  const rt = createRuntime('test-mlops');
  t.teardown(() => rt.close());
  const modelName = `test-mlops-${crypto.randomBytes(4).toString('hex')}`;
  const cacheDir = fs.mkdtempSync(path.join(os.tmpdir(), 'vitrina-mlops-cache-'));
  t.teardown(() => fs.rmSync(cacheDir, { recursive: true, force: true }));

  const fixture = await makeDataset(60);
  const report = await ingest(new LocalDataset(fixture.dir), rt, { concurrency: 8 });
  const snapshot = report.snapshot;

  const server = await startModelServer({ address: '127.0.0.1:0', defaultModel: 'tiny', followPromotions: false, s3: rt.s3, cacheDir });
  t.teardown(() => server.stop());
  const encoder = createEncoderClient(server.address, 60_000);
  t.teardown(() => encoder.close());
  const lines: string[] = [];
  const steps = await startMlopsSteps({ ...rt, config: { ...rt.config, cacheDir } }, MLOPS_STEPS, { modelName, groupPrefix: uniqueGroup('mlops'), onProgress: (_run, line) => lines.push(line) }, encoder);
  t.teardown(() => steps.stop());
  // Unique consumer groups would re-read the logs from the start; the model name keeps them to these runs.
  const registry = createProjector(modelRegistryProjection, rt, { groupId: uniqueGroup('mlops-registry') });
  await registry.start();
  t.teardown(() => registry.stop());

  const run = async (input: TrainingRequestInput): Promise<RunOutcome> => {
    const from = await followPositions(rt.kafka);
    const request = await requestTraining(rt.producer, { modelName, datasetSnapshot: snapshot, ...input });
    return followRun(rt.kafka, rt.codec, request.runId, { from, timeoutMs: 240_000 });
  };

  // 1. A lenient rule: the challenger is promoted over the server's default champion.
  const first = await run({ seed: 7, testFraction: 0.25, parameters: { epochs: '3', batchSize: '16', 'catalog.source': 'topic', 'eval.latencyQueries': '5', 'promotion.rule': LENIENT } });
  t.equal(first.result, 'promoted', first.reason);
  const prepared = first.prepared!;
  t.equal(prepared.datasetSnapshot, snapshot);
  t.equal(prepared.baseModelVersion, 'tiny', 'the champion while nothing was promoted: the model server\'s default');
  t.equal(prepared.catalogSource, 'products-topic');
  t.equal(prepared.catalogSize, fixture.goodIds.length);
  t.equal(prepared.trainSize + prepared.testSize, prepared.catalogSize);
  t.same(prepared.classCounts.map((c) => c.articleType), [...ARTICLE_TYPES, 'Perfume and Body Mist', 'Tops'].sort());
  for (const c of prepared.classCounts.filter((c) => ARTICLE_TYPES.includes(c.articleType))) t.same([c.train, c.test], [7, 3], `${c.articleType}: 10 products, 3 in test (seed 7)`);
  const store = new RunStore(rt.s3);
  const split = await store.getJson<SplitManifest>(prepared.splitManifestKey!);
  t.equal(split?.test.length, prepared.testSize, 'split.json is in the models bucket');
  t.equal(split?.seed, 7);

  const trained = first.trained!;
  t.equal(trained.status, 'SUCCEEDED');
  t.equal(trained.modelVersion, `tiny-adapter-${first.runId}`);
  t.equal(trained.curve.length, 3);
  t.ok(trained.curve.every((e) => e.loss > 0 && e.pairsPerSecond > 0));
  t.equal(trained.parameters.epochs, '3');
  t.equal(trained.artifacts['model.json'], `${trained.modelVersion}/model.json`);
  const manifest = JSON.parse((await store.getBytes(`${trained.modelVersion}/model.json`))!.toString()) as Record<string, unknown>;
  t.match(manifest, { source: 'adapter', baseVersion: 'tiny', adapter: { format: 'float32', image: { weight: 'adapter-image-weight.f32' } } });
  t.ok(lines.some((l) => /^epoch 3\/3: loss/.test(l)), 'progress was reported per epoch');

  t.equal(first.evaluations.length, 2);
  const [champ, chall] = first.evaluations;
  t.same([champ!.role, champ!.modelVersion, chall!.role, chall!.modelVersion], ['champion', 'tiny', 'challenger', trained.modelVersion]);
  for (const gallery of ['test', 'catalog']) {
    for (const k of [1, 3, 5, 10]) {
      for (const name of [`text2image.exact.${gallery}.acc@${k}`, `text2image.name.${gallery}.acc@${k}`, `image2image.exact.${gallery}.acc@${k}`, `text2image.articleType.${gallery}.group@${k}`, `image2image.masterCategory.${gallery}.group@${k}`]) {
        const v = chall!.metrics[name];
        t.ok(v !== undefined && v >= 0 && v <= 1, `${name} = ${v}`);
      }
    }
  }
  t.ok(chall!.metrics['text2image.name.catalog.acc@10']! >= chall!.metrics['text2image.exact.catalog.acc@10']!, 'a name match counts at least what an exact match does');
  t.ok(chall!.metrics['latency.text2image.p95_ms']! > 0 && chall!.metrics['latency.image2image.mean_ms']! > 0);
  t.ok(chall!.metrics['serving.max_abs_diff']! <= 1e-4, 'the model server serves the challenger as its artifacts say');
  t.same(chall!.baselineMetrics, champ!.metrics, 'the challenger\'s event carries the champion\'s metrics');
  t.equal(chall!.queries, prepared.testSize);
  // The paired intervals: one per acc@k / group@k metric, on the test queries, seeded by the split.
  const perQueryMetrics = Object.keys(chall!.metrics).filter((m) => /\.(acc|group)@\d+$/.test(m)).sort();
  t.same(chall!.intervals.map((i) => i.metric), perQueryMetrics, 'an interval for every per-query metric');
  for (const i of chall!.intervals) {
    t.ok(i.low <= i.difference + 1e-12 && i.difference <= i.high + 1e-12 && i.queries === prepared.testSize && i.seed === 7 && i.confidence === 0.95, `${i.metric}: ${i.difference} in [${i.low}, ${i.high}]`);
    t.ok(Math.abs(i.difference - (chall!.metrics[i.metric]! - champ!.metrics[i.metric]!)) < 1e-9, `${i.metric}: the difference of the two evaluations' means`);
  }
  t.same(champ!.intervals, [], 'the champion\'s own event carries none');
  t.equal(first.decision?.decision, 'PROMOTE');
  t.equal(first.decision?.outcome, 'promote');
  t.match(first.decision?.checks[0], { metric: 'text2image.exact.test.acc@10', kind: 'noWorse', threshold: -1, passed: true, low: Number, high: Number, minDetectable: Number });
  t.same(first.decision?.cost, { products: prepared.catalogSize, perSecond: null, minutes: null, rateSource: first.decision!.cost!.rateSource }, 'the switch re-embeds the catalog; no measured rate was given');
  t.match(first.decision?.reason, new RegExp(`going live re-embeds ${prepared.catalogSize} products \\(time unknown`));
  t.same(first.promotion && [first.promotion.version, first.promotion.previousVersion, first.promotion.promotedBy], [trained.modelVersion, 'tiny', 'auto']);

  // 2. The next run fine-tunes the new champion's text side, reads the catalog from the products
  //    projection, and is decided on its image side, which is the champion's: never promoted, and
  //    on 5 queries the split cannot detect the minimum effect, so the run says so.
  const products = createProjector(productsProjection, rt, { groupId: uniqueGroup('mlops-products') });
  await products.start();
  await waitFor('the fixture in the products projection', async () => {
    const { rows } = await rt.db.query<{ n: string }>('SELECT count(*) AS n FROM products WHERE id = ANY($1)', [fixture.goodIds]);
    return Number(rows[0]!.n) === fixture.goodIds.length;
  }, 120_000);
  await products.stop();
  const second = await run({ seed: 8, parameters: { epochs: '2', batchSize: '16', 'adapter.sides': 'text', 'eval.maxQueries': '5', 'eval.latencyQueries': '2', 'promotion.rule': IDENTICAL_SIDE, 'promotion.embedRate': '40' } });
  t.equal(second.result, 'rejected');
  t.equal(second.decision?.outcome, 'inconclusive', second.reason);
  t.match(second.decision?.checks[0], { metric: 'image2image.exact.test.acc@1', difference: 0, low: 0, high: 0, threshold: 0.005, passed: false });
  t.ok(second.decision!.checks[0]!.minDetectable! > 0.005, `5 queries detect only ${second.decision!.checks[0]!.minDetectable}`);
  t.match(second.reason, /^inconclusive: the test split of 5 queries is too small to detect the minimum effect/);
  t.match(second.decision?.cost, { products: second.prepared!.catalogSize, perSecond: 40 });
  t.ok(Math.abs(second.decision!.cost!.minutes! - second.prepared!.catalogSize / 40 / 60) < 1e-9, 'minutes at the given rate');
  t.equal(second.prepared?.catalogSource, 'products-projection');
  t.equal(second.prepared?.baseModelVersion, trained.modelVersion, 'the base is the champion the first run made');
  t.equal(second.trained?.modelVersion, `tiny-adapter-${second.runId}`, 'a challenger of a challenger keeps a short name');
  t.equal(second.evaluations[1]?.queries, 5, 'a seeded sample of 5 queries');
  t.equal(second.decision?.championVersion, trained.modelVersion);
  const secondManifest = JSON.parse((await store.getBytes(`${second.trained!.modelVersion}/model.json`))!.toString()) as { baseVersion: string; adapter: { image?: unknown; text?: unknown } };
  t.equal(secondManifest.baseVersion, trained.modelVersion, 'lineage: the adapter stacks on the champion');
  t.ok(secondManifest.adapter.text && !secondManifest.adapter.image, 'a text-side adapter only');
  t.ok(second.evaluations[1]!.metrics['serving.max_abs_diff']! <= 1e-4, 'served as its artifacts say');
  t.equal(second.evaluations[1]!.metrics['image2image.exact.catalog.acc@1'], second.evaluations[0]!.metrics['image2image.exact.catalog.acc@1'], 'image→image is the champion\'s when only the text side changed');

  // 3. A snapshot that does not exist: the run fails where it must, with the reason.
  const third = await run({ datasetSnapshot: 'no-such-snapshot', parameters: { 'catalog.source': 'topic' } });
  t.equal(third.result, 'failed');
  t.match(third.reason, /no-such-snapshot has no products/);

  // The registry projection.
  await waitFor('the registry to record all three runs', async () => {
    const { runs } = await listTrainingRuns(rt.db, { modelName });
    const status = Object.fromEntries(runs.map((r) => [r.runId, r.status]));
    return status[first.runId] === 'promoted' && status[second.runId] === 'rejected' && status[third.runId] === 'failed' && runs;
  }, 60_000);
  const models = await listModels(rt.db, { modelName });
  t.same(models.champions, { [modelName]: trained.modelVersion });
  const byVersion = Object.fromEntries(models.models.map((m) => [m.version, m]));
  t.equal(byVersion[trained.modelVersion!]?.status, 'champion');
  t.equal(byVersion[second.trained!.modelVersion!]?.status, 'rejected');
  t.match(byVersion[trained.modelVersion!]?.lineage, { baseVersion: 'tiny', trainingRun: first.runId, splitManifestKey: prepared.splitManifestKey, datasetSnapshot: snapshot });
  const detail = await getModel(rt.db, trained.modelVersion!, modelName);
  t.same(detail?.evaluations.map((e) => [e.evaluationId, e.role]), [[`${first.runId}/challenger`, 'challenger'], [`${second.runId}/champion`, 'champion']], 'metrics history: as challenger, then as champion');
  const runDetail = await getTrainingRun(rt.db, first.runId);
  t.equal(runDetail?.curve.length, 3);
  t.equal(runDetail?.split.classCounts.length, prepared.classCounts.length);
  t.equal(runDetail?.decision, 'PROMOTE');
  t.equal((await getTrainingRun(rt.db, third.runId))?.error?.includes('no-such-snapshot'), true);
  const secondDetail = await getTrainingRun(rt.db, second.runId);
  t.equal(secondDetail?.outcome, 'inconclusive', 'the registry keeps the outcome');
  t.match(secondDetail?.decisionDetail, { outcome: 'inconclusive', evidence: { confidence: 0.95, minEffect: 0.005, power: 0.8, queries: 5, cost: { perSecond: 40 } }, checks: [{ metric: 'image2image.exact.test.acc@1', low: 0, high: 0 }] });
  t.equal((await getModel(rt.db, second.trained!.modelVersion!, modelName))?.evaluations[0]?.intervals.length, second.evaluations[1]!.intervals.length, 'and the challenger\'s intervals');

  // Promotions by hand: roll back to the default, then promote the rejected challenger.
  const identity = 'admin:test';
  const back = await rollbackByHand({ ...rt, cacheDir }, { modelName, identity, reason: 'test' });
  t.same([back.version, back.previousVersion, back.promotedBy], ['tiny', trained.modelVersion, 'rollback:admin:test']);
  const manual = await promoteByHand({ ...rt, cacheDir }, { version: second.trained!.modelVersion!, modelName, identity });
  t.equal(manual.previousVersion, 'tiny');
  await t.rejects(promoteByHand({ ...rt, cacheDir }, { version: 'no-such-version', modelName, identity }), /neither in MinIO/);
  await waitFor('the registry to follow the promotions by hand', async () => (await listModels(rt.db, { modelName })).champions[modelName] === second.trained!.modelVersion, 30_000);
});
