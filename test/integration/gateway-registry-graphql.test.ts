// The model registry over GraphQL on the real stack: the loop's events (written here, no training,
// for a model name no other test uses) → the model-registry projector → the gateway's /graphql,
// composed as `serve all` composes it. Versions with their lineage, the metrics history, the
// promotions, the champion and the training runs must be the rows the events made, equal to what
// REST answers; bad arguments and queries over the depth and cost limits are 400s.
import crypto from 'node:crypto';
import { buildSchema, parse, validate } from 'graphql';
import t from 'tap';
import { limitsRule, WEIGHTS } from '../../gateway/graphql/limits.ts';
import { registryTypeDefs } from '../../gateway/graphql/registry.ts';
import { typeDefs } from '../../gateway/graphql/schema.ts';
import { ensureMlopsTopics } from '../../runtime/mlops-processors.ts';
import { createRuntime } from '../../runtime/runtime.ts';
import { buildTrainingRequest } from '../../mlops/requests.ts';
import { modelRegistryProjection } from '../../projections/model-registry/projection.ts';
import { championOf, listTrainingRuns } from '../../projections/model-registry/queries.ts';
import { createProjector } from '../../projections/projector.ts';
import { totalLag } from '../../streams/lag.ts';
import { topics } from '../../streams/topics.ts';
import { uniqueGroup, waitFor } from './fixtures.ts';
import { registryGateway } from './registry-gateway.ts';

type GraphqlBody = { data?: Record<string, unknown> | null; errors?: Array<{ message: string; extensions?: Record<string, unknown> }> };

t.test('GraphQL serves the model registry: versions, lineage, metrics history, champion, runs', async (t) => {
  const rt = createRuntime('test-gateway-registry-graphql');
  t.teardown(() => rt.close());
  await ensureMlopsTopics(rt.kafka);
  const hex = crypto.randomBytes(4).toString('hex');
  const modelName = `test-gql-${hex}`;
  const runA = `run-gql-a-${hex}`;
  const runB = `run-gql-b-${hex}`;
  const challenger = `base-adapter-${runA}`;
  const rejected = `base-adapter-${runB}`;
  const split = `runs/${runA}/split.json`;
  const at = 1_700_000_000_000;
  const p = rt.producer;

  const app = await registryGateway(t, rt, modelName);
  const graphql = async (query: string, variables?: Record<string, unknown>): Promise<{ status: number; body: GraphqlBody }> => {
    const res = await app.inject({ method: 'POST', url: '/graphql', payload: { query, variables } });
    return { status: res.statusCode, body: res.json() as GraphqlBody };
  };

  const empty = await graphql('{ champion { version } modelVersions { version } trainingRuns { runId } promotions { version } }');
  t.equal(empty.status, 200);
  t.same(empty.body.data, { champion: null, modelVersions: [], trainingRuns: [], promotions: [] }, 'a model without events has an empty registry');

  // The loop's events for two runs: A trained, evaluated twice, promoted; B rejected.
  await p.send(topics.trainingRequested.name, [
    { key: runA, value: buildTrainingRequest({ runId: runA, modelName, seed: 11, testFraction: 0.25, parameters: { epochs: '3' } }, at) },
    { key: runB, value: buildTrainingRequest({ runId: runB, modelName, seed: 12 }, at + 40) },
  ]);
  await p.send(topics.trainingPrepared.name, [
    {
      key: runA,
      value: { runId: runA, modelName, baseModelVersion: 'base', datasetSnapshot: `snap-${hex}`, catalogFingerprint: 'fp', catalogSource: 'products-projection', seed: 11, testFraction: 0.25, stratifiedBy: 'articleType', catalogSize: 12, trainSize: 9, testSize: 3, classCounts: [{ articleType: 'Shirts', train: 5, test: 2 }, { articleType: 'Jeans', train: 4, test: 1 }], testDrawnFrom: 'base: heldout_ids.txt (4 ids)', testEligible: 4, splitManifestKey: split, catalogManifestKey: `runs/${runA}/catalog.json`, parameters: { epochs: '3' }, error: null, preparedAt: at + 1 },
    },
  ]);
  await p.send(topics.trainingCompleted.name, [
    {
      key: runA,
      value: { runId: runA, status: 'SUCCEEDED', modelVersion: challenger, baseModelVersion: 'base', artifacts: { 'model.json': `${challenger}/model.json`, 'adapter.json': `${challenger}/adapter.json` }, parameters: { epochs: '3', lr: '0.001' }, curve: [1, 2, 3].map((epoch) => ({ epoch, loss: 3 - epoch / 2, pairsPerSecond: 100 + epoch, temperature: 0.05, seconds: 1 })), splitManifestKey: split, durationMs: 3000, error: null, completedAt: at + 2, modelName, datasetSnapshot: `snap-${hex}`, trainPairs: 9, metrics: { finalLoss: 1.5 } },
    },
  ]);
  const evaluation = (id: string, role: 'champion' | 'challenger', version: string, group: number, completedAt: number) => ({
    evaluationId: id, modelVersion: version, runId: runA, splitManifestKey: split, metrics: { 'text2image.articleType.catalog.group@10': group, 'text2image.name.catalog.acc@10': 0.5 }, queries: 3, completedAt, modelName, role,
    baselineVersion: role === 'challenger' ? 'base' : null, baselineEvaluationId: null, baselineMetrics: {}, parameters: { k: '10' }, durationMs: 12, error: null,
    intervals: role === 'challenger' ? [{ metric: 'text2image.articleType.catalog.group@10', champion: 0.7, challenger: group, difference: group - 0.7, low: 0.05, high: 0.15, confidence: 0.95, sdDifference: 0.1, queries: 3, improved: 3, worsened: 0, mcnemarP: null, resamples: 2000, seed: 11 }] : [],
  });
  await p.send(topics.evaluations.name, [
    { key: 'base', value: evaluation(`${runA}/champion`, 'champion', 'base', 0.7, at + 3) },
    { key: challenger, value: evaluation(`${runA}/challenger`, 'challenger', challenger, 0.8, at + 3) },
    { key: challenger, value: evaluation(`${runA}/challenger-again`, 'challenger', challenger, 0.82, at + 6) },
  ]);
  await p.send(topics.promotionDecisions.name, [
    { key: runA, value: { runId: runA, modelName, challengerVersion: challenger, championVersion: 'base', decision: 'PROMOTE', reason: 'group@10 better', rule: '[]', checks: [{ metric: 'text2image.articleType.catalog.group@10', kind: 'better', margin: 0, challenger: 0.8, champion: 0.7, passed: true, difference: 0.1, low: 0.05, high: 0.15, threshold: 0.005, minDetectable: 0.04, mcnemarP: null, note: '' }], evaluationId: `${runA}/challenger`, decidedAt: at + 4, outcome: 'promote', confidence: 0.95, minEffect: 0.005, power: 0.8, queries: 3, cost: { products: 12, perSecond: null, minutes: null, rateSource: 'no measured embedder rate is known' } } },
    { key: runB, value: { runId: runB, modelName, challengerVersion: rejected, championVersion: challenger, decision: 'REJECT', reason: 'worse', rule: '[]', checks: [], evaluationId: null, decidedAt: at + 50, outcome: 'inconclusive', confidence: 0.95, minEffect: 0.005, power: 0.8, queries: 3, cost: null } },
  ]);
  await p.send(topics.promotions.name, [{ key: modelName, value: { modelName, version: challenger, previousVersion: 'base', reason: 'group@10 better', promotedBy: 'promoter', promotedAt: at + 5 } }]);

  const projector = createProjector(modelRegistryProjection, rt, { groupId: uniqueGroup('registry-graphql') });
  await projector.start();
  t.teardown(() => projector.stop());
  await waitFor('the registry to hold both runs and the champion', async () => (await listTrainingRuns(rt.db, { modelName })).runs.length === 2 && (await championOf(rt.db, modelName)).champion === challenger);
  await waitFor('the projector to reach the end of its topics', async () => totalLag(await projector.lag()) === 0);

  const champion = await graphql(`{
    champion {
      version modelName status createdAt latestEvaluationId
      lineage { baseVersion trainingRunId splitManifestKey datasetSnapshot adapter { key value } }
      latestMetrics { name value }
      parameters { key value }
      evaluations { evaluationId role queries durationMs metrics { name value } parameters { key value } intervals { metric difference low high confidence queries improved worsened mcnemarP seed } }
      promotions { position version previousVersion reason promotedBy }
      trainingRun {
        runId status seed testFraction baseVersion modelVersion trainSize testSize finalLoss requestedBy
        split { key catalogSize testDrawnFrom testEligible classCounts { articleType train test } }
        curve { epoch loss }
        decision { decision outcome reason confidence minEffect power queries cost { products perSecond minutes rateSource } checks { metric kind challenger champion passed difference low high threshold minDetectable } }
      }
    }
  }`);
  t.equal(champion.status, 200);
  t.notOk(champion.body.errors, "no errors");
  const c = champion.body.data?.champion as Record<string, unknown>;
  t.match(c, {
    version: challenger,
    modelName,
    status: 'champion',
    latestEvaluationId: `${runA}/challenger-again`,
    lineage: { baseVersion: 'base', trainingRunId: runA, splitManifestKey: split, datasetSnapshot: `snap-${hex}` },
    trainingRun: {
      runId: runA, status: 'promoted', seed: 11, testFraction: 0.25, baseVersion: 'base', modelVersion: challenger, trainSize: 9, testSize: 3, finalLoss: 1.5,
      split: { key: split, catalogSize: 12, testDrawnFrom: 'base: heldout_ids.txt (4 ids)', testEligible: 4, classCounts: [{ articleType: 'Shirts', train: 5, test: 2 }, { articleType: 'Jeans', train: 4, test: 1 }] },
      decision: {
        decision: 'PROMOTE', outcome: 'promote', reason: 'group@10 better', confidence: 0.95, minEffect: 0.005, power: 0.8, queries: 3, cost: { products: 12, perSecond: null, minutes: null, rateSource: 'no measured embedder rate is known' },
        checks: [{ metric: 'text2image.articleType.catalog.group@10', kind: 'better', challenger: 0.8, champion: 0.7, passed: true, difference: 0.1, low: 0.05, high: 0.15, threshold: 0.005, minDetectable: 0.04 }],
      },
    },
  }, 'the champion with its lineage, training run, split and decision');
  const sortByKey = (list: Array<{ key: string; value: string }>) => [...list].sort((a, b) => a.key.localeCompare(b.key));
  t.same(sortByKey((c.lineage as { adapter: Array<{ key: string; value: string }> }).adapter), [{ key: 'adapter.json', value: `${challenger}/adapter.json` }, { key: 'model.json', value: `${challenger}/model.json` }], 'the adapter files');
  t.same((c.latestMetrics as Array<{ name: string; value: number }>).find((m) => m.name === 'text2image.articleType.catalog.group@10')?.value, 0.82, 'latest metrics are the newest evaluation');
  t.same(
    (c.evaluations as Array<{ evaluationId: string; metrics: Array<{ name: string; value: number }> }>).map((e) => [e.evaluationId, e.metrics.find((m) => m.name === 'text2image.articleType.catalog.group@10')?.value]),
    [[`${runA}/challenger`, 0.8], [`${runA}/challenger-again`, 0.82]],
    'the metrics history, oldest first',
  );
  t.same(
    (c.evaluations as Array<{ intervals: unknown[] }>).map((e) => e.intervals),
    [[{ metric: 'text2image.articleType.catalog.group@10', difference: 0.8 - 0.7, low: 0.05, high: 0.15, confidence: 0.95, queries: 3, improved: 3, worsened: 0, mcnemarP: null, seed: 11 }], [{ metric: 'text2image.articleType.catalog.group@10', difference: 0.82 - 0.7, low: 0.05, high: 0.15, confidence: 0.95, queries: 3, improved: 3, worsened: 0, mcnemarP: null, seed: 11 }]],
    'each evaluation with its paired intervals',
  );
  t.same((c.trainingRun as { curve: unknown[] }).curve, [{ epoch: 1, loss: 2.5 }, { epoch: 2, loss: 2 }, { epoch: 3, loss: 1.5 }], 'the training curve');
  t.match(c.promotions, [{ version: challenger, previousVersion: 'base', reason: 'group@10 better', promotedBy: 'promoter' }], 'its promotion');

  const rest = (await app.inject({ method: 'GET', url: '/api/v1/models' })).json() as { champion: string; versions: Array<{ version: string; runId: string | null }> };
  const lists = await graphql('{ modelVersions { version status lineage { trainingRunId } } candidates: modelVersions(status: "known") { version } trainingRuns { runId status modelVersion model { version status } } promotions { version } }');
  t.notOk(lists.body.errors);
  const versions = lists.body.data?.modelVersions as Array<{ version: string; status: string; lineage: { trainingRunId: string | null } }>;
  t.same(versions.map((v) => v.version), rest.versions.map((v) => v.version), 'the same versions, in the same order, as REST');
  t.same(Object.fromEntries(versions.map((v) => [v.version, v.status])), { [challenger]: 'champion', base: 'known' }, 'with their status');
  t.same(lists.body.data?.candidates, [{ version: 'base' }], 'filtered by status');
  t.same(lists.body.data?.trainingRuns, [
    { runId: runB, status: 'rejected', modelVersion: null, model: null },
    { runId: runA, status: 'promoted', modelVersion: challenger, model: { version: challenger, status: 'champion' } },
  ], 'training runs, newest first, with the version each trained');
  t.same(lists.body.data?.promotions, [{ version: challenger }]);

  const one = await graphql('query($v: String!, $run: String!) { modelVersion(version: $v) { version evaluations { evaluationId } } base: modelVersion(version: "base") { status evaluations { role } } run: trainingRun(runId: $run) { status decision { decision outcome reason cost { products } } } none: modelVersion(version: "no-such-version") { version } noRun: trainingRun(runId: "no-such-run") { runId } other: modelVersion(version: $v, modelName: "another-model") { version } }', { v: challenger, run: runB });
  t.notOk(one.body.errors);
  t.same(one.body.data, {
    modelVersion: { version: challenger, evaluations: [{ evaluationId: `${runA}/challenger` }, { evaluationId: `${runA}/challenger-again` }] },
    base: { status: 'known', evaluations: [{ role: 'champion' }] },
    run: { status: 'rejected', decision: { decision: 'REJECT', outcome: 'inconclusive', reason: 'worse', cost: null } },
    none: null,
    noRun: null,
    other: null,
  }, 'one version, one run; unknown ones (and versions of another model) are null');

  const badLimit = await graphql('{ modelVersions(limit: 0) { version } }');
  t.equal(badLimit.status, 400, 'a limit below 1 is a 400');
  t.match(badLimit.body.errors?.[0], { message: /limit must be an integer from 1 to 100/, extensions: { code: 'BAD_USER_INPUT', statusCode: 400 } });
  t.equal((await graphql('{ trainingRuns(limit: 101) { runId } }')).status, 400, 'so is one above 100');

  const deep = await graphql('{ trainingRuns { model { trainingRun { model { trainingRun { model { trainingRun { model { version } } } } } } } } }');
  t.equal(deep.status, 400, 'nesting past the depth limit is refused');
  t.match(deep.body.errors?.[0], { extensions: { code: 'QUERY_TOO_DEEP' } });
  const heavy = (limit: number): string => `modelVersions(limit: ${limit}) { trainingRun { model { trainingRun { model { evaluations { metrics { name value } } } } } } }`;
  const costly = await graphql(`{ a: ${heavy(100)} }`);
  t.equal(costly.status, 400, 'a query over the cost limit (up to 900 database queries) is refused before it runs');
  t.match(costly.body.errors?.[0], { extensions: { code: 'QUERY_TOO_COSTLY' } });
  t.equal((await graphql(`{ a: ${heavy(5)} }`)).status, 200, 'the same for five versions is within the limit');

  // Each registry field weighs the database queries it runs: counted here on the real pool.
  const schema = buildSchema(`${typeDefs}\n${registryTypeDefs}`);
  const costOf = (query: string, variables: Record<string, unknown>): number => {
    const errors = validate(schema, parse(query), [limitsRule({ maxDepth: 100, maxCost: 0 }, variables)]);
    return Number(errors.find((e) => e.extensions.code === 'QUERY_TOO_COSTLY')?.extensions.cost ?? 0);
  };
  const realQuery = rt.db.query.bind(rt.db) as (...args: unknown[]) => unknown;
  let sqlQueries = 0;
  (rt.db as unknown as { query: (...args: unknown[]) => unknown }).query = (...args: unknown[]) => {
    sqlQueries += 1;
    return realQuery(...args);
  };
  t.teardown(() => {
    (rt.db as unknown as { query: unknown }).query = realQuery;
  });
  const single = {
    champion: '{ champion { version trainingRun { runId } } }',
    modelVersions: '{ modelVersions(limit: 2) { version parameters { key } evaluations { evaluationId } promotions { version } } }',
    modelVersion: 'query($v: String!) { modelVersion(version: $v) { version trainingRun { runId model { version } } } }',
    promotions: '{ promotions { version } }',
    trainingRuns: '{ trainingRuns(limit: 2) { runId parameters { key } trainingParameters { key } split { key } curve { epoch } trainingMetrics { name } durationMs decision { decision } model { version } } }',
    trainingRun: 'query($run: String!) { trainingRun(runId: $run) { runId } }',
  };
  for (const [field, query] of Object.entries(single)) {
    const variables = { v: challenger, run: runA };
    const before = sqlQueries;
    const answer = await graphql(query, variables);
    t.equal(answer.status, 200, `${field}: answered`);
    const ran = sqlQueries - before;
    const cost = costOf(query, variables);
    t.ok(ran > 0 && cost >= ran * WEIGHTS.dbQuery, `${field}: costs ${cost}, at least ${WEIGHTS.dbQuery} for each of the ${ran} database queries it ran`);
  }
});
