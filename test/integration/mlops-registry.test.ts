// The model-registry projection from the loop's events: what the read API answers, and replaying it
// twice giving identical tables, equal to what the live projector built. The events are written
// here (no training), for a model name no other test uses.
import crypto from 'node:crypto';
import t from 'tap';
import { createRuntime } from '../../runtime/runtime.ts';
import { ensureMlopsTopics } from '../../runtime/mlops-processors.ts';
import { ensureCatalog, liveGeneration } from '../../projections/catalog.ts';
import { createProjector } from '../../projections/projector.ts';
import { modelRegistryProjection } from '../../projections/model-registry/projection.ts';
import { createRegistryTables, REGISTRY_TABLES, tableName, upgradeRegistryTables } from '../../projections/model-registry/schema.ts';
import { championOf, getModel, getTrainingRun, listModels, listTrainingRuns } from '../../projections/model-registry/queries.ts';
import { checksum, replay } from '../../projections/replay.ts';
import { totalLag } from '../../streams/lag.ts';
import { topics } from '../../streams/topics.ts';
import { buildTrainingRequest } from '../../mlops/requests.ts';
import { uniqueGroup, waitFor } from './fixtures.ts';

t.test('the model registry answers from the events and replays to identical tables', async (t) => {
  const rt = createRuntime('test-mlops-registry');
  t.teardown(() => rt.close());
  await ensureMlopsTopics(rt.kafka);
  const modelName = `test-registry-${crypto.randomBytes(4).toString('hex')}`;
  const runA = `run-reg-a-${crypto.randomBytes(3).toString('hex')}`;
  const runB = `run-reg-b-${crypto.randomBytes(3).toString('hex')}`;
  const challenger = `base-adapter-${runA}`;
  const metrics = { 'text2image.name.catalog.acc@10': 0.5, 'text2image.articleType.catalog.group@10': 0.8 };
  const at = 1_700_000_000_000;
  const p = rt.producer;
  // Run B's decision arrives before its request: the registry must not care about the order.
  await p.send(topics.promotionDecisions.name, [{ key: runB, value: { runId: runB, modelName, challengerVersion: `base-adapter-${runB}`, championVersion: challenger, decision: 'REJECT', reason: 'worse', rule: '[]', checks: [], evaluationId: null, decidedAt: at + 50, outcome: '', confidence: null, minEffect: null, power: null, queries: 0, cost: null } }]);
  await p.send(topics.trainingRequested.name, [
    { key: runA, value: buildTrainingRequest({ runId: runA, modelName, seed: 1, parameters: { epochs: '2' } }, at) },
    { key: runB, value: buildTrainingRequest({ runId: runB, modelName, seed: 2 }, at + 40) },
  ]);
  await p.send(topics.trainingPrepared.name, [{ key: runA, value: { runId: runA, modelName, baseModelVersion: 'base', datasetSnapshot: 'snap', catalogFingerprint: 'fp', catalogSource: 'products-projection', seed: 1, testFraction: 0.2, stratifiedBy: 'articleType', catalogSize: 10, trainSize: 8, testSize: 2, classCounts: [{ articleType: 'Shirts', train: 8, test: 2 }], testDrawnFrom: 'base: heldout_ids.txt (3 ids)', testEligible: 3, splitManifestKey: `runs/${runA}/split.json`, catalogManifestKey: `runs/${runA}/catalog.json`, parameters: { epochs: '2' }, error: null, preparedAt: at + 1 } }]);
  await p.send(topics.trainingCompleted.name, [{ key: runA, value: { runId: runA, status: 'SUCCEEDED', modelVersion: challenger, baseModelVersion: 'base', artifacts: { 'model.json': `${challenger}/model.json` }, parameters: { epochs: '2' }, curve: [{ epoch: 1, loss: 2, pairsPerSecond: 100, temperature: 0.05, seconds: 1 }, { epoch: 2, loss: 1.5, pairsPerSecond: 110, temperature: 0.05, seconds: 1 }], splitManifestKey: `runs/${runA}/split.json`, durationMs: 2000, error: null, completedAt: at + 2, modelName, datasetSnapshot: 'snap', trainPairs: 8, metrics: { finalLoss: 1.5 } } }]);
  const groupInterval = { metric: 'text2image.articleType.catalog.group@10', champion: 0.8, challenger: 0.9, difference: 0.1, low: 0.05, high: 0.15, confidence: 0.95, sdDifference: 0.07, queries: 2, improved: 2, worsened: 0, mcnemarP: null, resamples: 2000, seed: 1 };
  const check = { metric: 'm', kind: 'better', margin: 0, challenger: 0.9, champion: 0.8, passed: true, difference: 0.1, low: 0.05, high: 0.15, threshold: 0.005, minDetectable: 0.2, mcnemarP: null, note: '' };
  const cost = { products: 10, perSecond: 50, minutes: 10 / 50 / 60, rateSource: 'promotion.embedRate = 50 products/s' };
  const evaluation = (role: 'champion' | 'challenger', version: string, m: Record<string, number>) => ({ evaluationId: `${runA}/${role}`, modelVersion: version, runId: runA, splitManifestKey: `runs/${runA}/split.json`, metrics: m, queries: 2, completedAt: at + 3, modelName, role, baselineVersion: role === 'challenger' ? 'base' : null, baselineEvaluationId: null, baselineMetrics: {}, parameters: {}, durationMs: 10, error: null, intervals: role === 'challenger' ? [groupInterval] : [] });
  await p.send(topics.evaluations.name, [
    { key: 'base', value: evaluation('champion', 'base', metrics) },
    { key: challenger, value: evaluation('challenger', challenger, { ...metrics, 'text2image.articleType.catalog.group@10': 0.9 }) },
  ]);
  await p.send(topics.promotionDecisions.name, [{ key: runA, value: { runId: runA, modelName, challengerVersion: challenger, championVersion: 'base', decision: 'PROMOTE', reason: 'better', rule: '[]', checks: [check], evaluationId: `${runA}/challenger`, decidedAt: at + 4, outcome: 'promote', confidence: 0.95, minEffect: 0.005, power: 0.8, queries: 2, cost } }]);
  await p.send(topics.promotions.name, [{ key: modelName, value: { modelName, version: challenger, previousVersion: 'base', reason: 'better', promotedBy: 'auto', promotedAt: at + 5 } }]);

  const projector = createProjector(modelRegistryProjection, rt, { groupId: uniqueGroup('registry') });
  await projector.start();
  await waitFor('the registry to hold both runs', async () => (await listTrainingRuns(rt.db, { modelName })).runs.length === 2 && (await championOf(rt.db, modelName)).champion === challenger);
  await waitFor('the projector to reach the end of its topics', async () => totalLag(await projector.lag()) === 0);
  await projector.stop();

  const { runs } = await listTrainingRuns(rt.db, { modelName });
  t.same(runs.map((r) => [r.runId, r.status]), [[runB, 'rejected'], [runA, 'promoted']], 'newest first, with their status');
  const a = await getTrainingRun(rt.db, runA);
  t.match(a, { status: 'promoted', seed: 1, baseVersion: 'base', modelVersion: challenger, trainSize: 8, testSize: 2, finalLoss: 1.5, decision: 'PROMOTE', split: { key: `runs/${runA}/split.json`, testDrawnFrom: 'base: heldout_ids.txt (3 ids)', testEligible: 3, classCounts: [{ articleType: 'Shirts', train: 8, test: 2 }] } });
  t.equal(a?.curve.length, 2);
  t.same(a?.decisionDetail.checks, [check], 'each check with its interval, threshold and detectable effect');
  t.same([a?.outcome, a?.decisionDetail.outcome, a?.decisionDetail.evidence], ['promote', 'promote', { confidence: 0.95, minEffect: 0.005, power: 0.8, queries: 2, cost }], 'the evidence and the cost of the switch');
  t.equal((await getTrainingRun(rt.db, runB))?.outcome, 'reject', 'an event without an outcome: the decision says it');
  const models = await listModels(rt.db, { modelName });
  t.same(models.champions, { [modelName]: challenger });
  t.same(Object.fromEntries(models.models.map((m) => [m.version, m.status])), { [challenger]: 'champion', base: 'known' }, 'the base is known from the run and the promotion');
  const model = await getModel(rt.db, challenger, modelName);
  t.match(model, { status: 'champion', lineage: { baseVersion: 'base', trainingRun: runA, splitManifestKey: `runs/${runA}/split.json`, datasetSnapshot: 'snap', adapter: { 'model.json': `${challenger}/model.json` } } });
  t.equal(model?.latestMetrics?.['text2image.articleType.catalog.group@10'], 0.9);
  t.equal(model?.promotions.length, 1);
  t.same(model?.evaluations.map((e) => e.intervals), [[groupInterval]], 'the challenger evaluation\'s paired intervals');
  t.equal(await getModel(rt.db, 'no-such-version', modelName), undefined);
  t.equal(await getModel(rt.db, challenger, 'another-model'), undefined, 'versions are per model name');

  const client = await rt.db.connect();
  t.teardown(() => client.release());
  await ensureCatalog(client);
  const live = await checksum(client, modelRegistryProjection);
  const before = await liveGeneration(client, 'model-registry');
  const first = await replay(modelRegistryProjection, rt);
  const afterFirst = await checksum(client, modelRegistryProjection);
  const second = await replay(modelRegistryProjection, rt);
  const afterSecond = await checksum(client, modelRegistryProjection);
  t.ok(first.generation > (before ?? 0));
  t.equal(second.generation, first.generation + 1);
  t.same(Object.keys(afterFirst).sort(), ['model_champions', 'model_evaluations', 'model_promotions', 'model_versions', 'training_runs']);
  t.same(afterSecond, afterFirst, 'replaying twice gives identical tables');
  t.same(afterFirst, live, 'and the tables the live projector built');
  t.same((await listTrainingRuns(rt.db, { modelName })).runs.map((r) => r.status), ['rejected', 'promoted'], 'the read API answers the same after the swap');
});

t.test('a generation made before the evidence columns gets them in place, filled as a replay would', async (t) => {
  const rt = createRuntime('test-mlops-registry-upgrade');
  t.teardown(() => rt.close());
  // A generation number no projection uses (never live, so no view moves), its tables made the old way.
  const generation = 900_000 + crypto.randomInt(99_999);
  const client = await rt.db.connect();
  t.teardown(async () => {
    for (const table of REGISTRY_TABLES) await client.query(`DROP TABLE IF EXISTS ${tableName(table, generation)}`);
    client.release();
  });
  await createRegistryTables(client, generation);
  await client.query(`ALTER TABLE ${tableName('training_runs', generation)} DROP COLUMN decision_outcome, DROP COLUMN decision_evidence`);
  await client.query(`ALTER TABLE ${tableName('model_evaluations', generation)} DROP COLUMN intervals`);
  await client.query(`INSERT INTO ${tableName('training_runs', generation)} (run_id, model_name, decision) VALUES ('old-decided', 'm', 'PROMOTE'), ('old-open', 'm', NULL)`);
  await client.query(`INSERT INTO ${tableName('model_evaluations', generation)} (evaluation_id, model_name, model_version, role, metrics, parameters, queries, duration_ms, completed_at) VALUES ('e', 'm', 'v', 'challenger', '{}', '{}', 1, 1, now())`);
  await upgradeRegistryTables(client, generation);
  await upgradeRegistryTables(client, generation); // once per generation: a second call changes nothing
  const runs = await client.query(`SELECT run_id, decision_outcome, decision_evidence FROM ${tableName('training_runs', generation)} ORDER BY run_id`);
  t.same(runs.rows, [
    { run_id: 'old-decided', decision_outcome: 'promote', decision_evidence: { confidence: null, minEffect: null, power: null, queries: 0, cost: null } },
    { run_id: 'old-open', decision_outcome: null, decision_evidence: null },
  ], 'what applyDecision writes for an event without evidence');
  const evaluations = await client.query(`SELECT intervals FROM ${tableName('model_evaluations', generation)}`);
  t.same(evaluations.rows, [{ intervals: [] }]);
  const columns = await client.query<{ column_name: string }>(`SELECT column_name FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = $1 ORDER BY ordinal_position`, [`training_runs_g${generation}`]);
  t.same(columns.rows.slice(-3).map((r) => r.column_name), ['status', 'decision_outcome', 'decision_evidence'], 'the column order a new generation has');
});
