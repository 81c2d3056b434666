// The promotion rule, the promoter's decision, rollback targets, the admin token, the run
// parameters and version names.
import t from 'tap';
import { adminGuard, adminIdentity, verifyAdminToken, verifyCliAdmin } from '../../mlops/admin-token.ts';
import { rollbackTarget } from '../../mlops/champion.ts';
import { challengerVersion, isRunId, newRunId } from '../../mlops/layout.ts';
import { checkParameters, trainingParameters, TRAINING_DEFAULTS } from '../../mlops/parameters.ts';
import { buildTrainingRequest } from '../../mlops/requests.ts';
import { decideOnEvaluation } from '../../processors/promoter/decide-run.ts';
import { decide, DEFAULT_RULE, parseRule, ruleFor } from '../../processors/promoter/rule.ts';
import type { EvaluationCompleted, MetricInterval, ModelPromoted } from '../../schemas/types.generated.ts';

const champion = { 'text2image.articleType.catalog.group@10': 0.8, 'text2image.name.catalog.acc@10': 0.5, 'image2image.exact.catalog.acc@1': 0.7 };

/** A hand-made paired interval of a metric: the point difference and its bounds. */
function interval(metric: string, difference: number, low: number, high: number, sdDifference = 0.1, queries = 4000): MetricInterval {
  return { metric, champion: 0, challenger: difference, difference, low, high, confidence: 0.95, sdDifference, queries, improved: 0, worsened: 0, mcnemarP: null, resamples: 2000, seed: 1 };
}

const evidence = (...intervals: MetricInterval[]) => ({ confidence: 0.95, minEffect: 0.005, power: 0.8, intervals });
const G = 'text2image.articleType.catalog.group@10';
const N = 'text2image.name.catalog.acc@10';
const I = 'image2image.exact.catalog.acc@1';

t.test('the default rule reads bounds: a gain above the minimum effect, guards within their tolerance', async (t) => {
  const better = decide(DEFAULT_RULE, { ...champion, [G]: 0.82, [N]: 0.495 }, champion, evidence(interval(G, 0.02, 0.012, 0.028), interval(N, -0.005, -0.009, -0.001), interval(I, 0, 0, 0)));
  t.ok(better.promote, better.reason);
  t.equal(better.outcome, 'promote');
  t.match(better.reason, /every check passed: text2image.articleType.catalog.group@10 0.8200 vs 0.8000: difference \+0.0200, 95% bounds \[\+0.0120, \+0.0280\], lower bound must exceed 0.0050/);
  const small = decide(DEFAULT_RULE, { ...champion, [G]: 0.804 }, champion, evidence(interval(G, 0.004, 0.001, 0.007), interval(N, 0, 0, 0), interval(I, 0, 0, 0)));
  t.notOk(small.promote, 'a real but small gain (lower bound 0.001) is below the minimum effect');
  t.equal(small.outcome, 'reject');
  t.match(small.reason, /1 of 3 checks failed: text2image.articleType.catalog.group@10/);
  const guard = decide(DEFAULT_RULE, champion, champion, evidence(interval(G, 0.05, 0.04, 0.06), interval(N, -0.005, -0.012, 0.002), interval(I, 0, 0, 0)));
  t.same(guard.checks.map((c) => c.passed), [true, false, true], 'name acc@10 may be 0.012 worse: beyond the 0.01 tolerance');
  const weak = decide(DEFAULT_RULE, champion, champion, evidence(interval(G, 0.01, -0.02, 0.04, 0.3, 100), interval(N, 0, 0, 0), interval(I, 0, 0, 0)));
  t.equal(weak.outcome, 'inconclusive', '100 queries with sd 0.3 detect only ~0.075: a failed gain says nothing');
  t.notOk(weak.promote);
  t.match(weak.reason, /detects only differences ≥ 0.0746/);
  const shown = decide(DEFAULT_RULE, champion, champion, evidence(interval(G, 0.1, 0.06, 0.14, 0.3, 100), interval(N, 0, 0, 0), interval(I, 0, 0, 0)));
  t.equal(shown.outcome, 'promote', 'a gain whose lower bound clears the minimum effect was detected, small split or not');
  const noInterval = decide(DEFAULT_RULE, { ...champion, [G]: 0.9 }, champion, evidence());
  t.notOk(noInterval.promote);
  t.match(noInterval.reason, /no paired interval for this metric/);
  const missing = decide(DEFAULT_RULE, { [G]: 0.9 }, champion, evidence(interval(G, 0.1, 0.09, 0.11)));
  t.notOk(missing.promote);
  t.match(missing.reason, /metric missing/);
});

t.test('rules parse from JSON and are checked', async (t) => {
  t.same(parseRule('[{"metric":"m","kind":"noWorse"}]'), [{ metric: 'm', kind: 'noWorse', margin: 0 }]);
  t.throws(() => parseRule('{}'), /non-empty JSON array/);
  t.throws(() => parseRule('[{"metric":"m","kind":"best"}]'), /kind/);
  t.throws(() => parseRule('[{"metric":"m","kind":"better","margin":-1}]'), /margin/);
  t.throws(() => parseRule('nope'), /not JSON/);
  t.same(ruleFor({}, {}), DEFAULT_RULE);
  t.same(ruleFor({}, { VITRINA_PROMOTION_RULE: '[{"metric":"x","kind":"better","margin":0.1}]' }), [{ metric: 'x', kind: 'better', margin: 0.1 }]);
  t.same(ruleFor({ 'promotion.rule': '[{"metric":"y","kind":"noWorse","margin":0}]' }, { VITRINA_PROMOTION_RULE: '[{"metric":"x","kind":"better"}]' })[0]!.metric, 'y', 'the run\'s own rule wins');
});

function evaluation(over: Partial<EvaluationCompleted> = {}): EvaluationCompleted {
  return {
    evaluationId: 'r1/challenger', modelVersion: 'base-adapter-r1', runId: 'r1', splitManifestKey: 'runs/r1/split.json', metrics: { ...champion, 'text2image.articleType.catalog.group@10': 0.85 },
    queries: 4000, completedAt: 1, modelName: 'vitrina', role: 'challenger', baselineVersion: 'base', baselineEvaluationId: 'r1/champion', baselineMetrics: champion, parameters: {}, durationMs: 1, error: null,
    intervals: [interval(G, 0.05, 0.04, 0.06), interval(N, 0, 0, 0), interval(I, 0, 0, 0)], ...over,
  };
}

t.test('the promoter promotes, rejects with the reason, and refuses a stale comparison', async (t) => {
  const promoted = decideOnEvaluation(evaluation(), undefined, {}, undefined, 5);
  t.equal(promoted.decided.decision, 'PROMOTE');
  t.same(promoted.promoted, { modelName: 'vitrina', version: 'base-adapter-r1', previousVersion: 'base', reason: `run r1: ${promoted.decided.reason}`, promotedBy: 'auto', promotedAt: 5 });
  const rejected = decideOnEvaluation(evaluation({ metrics: champion, intervals: [interval(G, 0, 0, 0), interval(N, 0, 0, 0), interval(I, 0, 0, 0)] }), 'base', {});
  t.equal(rejected.decided.decision, 'REJECT');
  t.equal(rejected.promoted, undefined);
  t.equal(rejected.decided.checks.length, 3);
  const stale = decideOnEvaluation(evaluation(), 'other-champion', {});
  t.equal(stale.decided.decision, 'REJECT');
  t.match(stale.decided.reason, /champion is now other-champion/);
  const failed = decideOnEvaluation(evaluation({ error: 'boom' }), undefined, {});
  t.match(failed.decided.reason, /evaluation failed: boom/);
  const viaParams = decideOnEvaluation(evaluation({ metrics: champion }), undefined, { 'promotion.rule': '[{"metric":"text2image.name.catalog.acc@10","kind":"noWorse","margin":0}]' });
  t.equal(viaParams.decided.decision, 'PROMOTE', 'a run\'s own rule (passed on in the evaluation\'s parameters) decides');
  const badRule = decideOnEvaluation(evaluation(), undefined, { 'promotion.rule': '[]' });
  t.match(badRule.decided.reason, /bad promotion rule/);
});

const promo = (version: string, previousVersion: string | null, promotedBy = 'auto'): ModelPromoted => ({ modelName: 'vitrina', version, previousVersion, reason: '', promotedBy, promotedAt: 0 });

t.test('rollback walks back the promotions and never past the start', async (t) => {
  t.equal(rollbackTarget([]), undefined);
  t.same(rollbackTarget([promo('a', 'base')]), { from: 'a', to: 'base' });
  t.same(rollbackTarget([promo('a', 'base'), promo('b', 'a')]), { from: 'b', to: 'a' });
  const once = [promo('a', 'base'), promo('b', 'a'), promo('a', 'b', 'rollback:admin:1')];
  t.same(rollbackTarget(once), { from: 'a', to: 'base' }, 'a second rollback goes one step further');
  const twice = [...once, promo('base', 'a', 'rollback:admin:1')];
  t.equal(rollbackTarget(twice), undefined, 'nothing before the first champion');
  t.equal(rollbackTarget([promo('a', null)]), undefined);
});

t.test('the admin token: checked in constant time against an expected token, fail closed, one identity', async (t) => {
  t.throws(() => verifyAdminToken(undefined, { token: 'x'.repeat(30) }), /admin token is required/);
  const token = 'a-long-enough-admin-token-7f3c9';
  t.match(adminIdentity(token), /^admin:[0-9a-f]{12}$/, 'the identity the gateway and the CLI both record');
  t.equal(verifyAdminToken(token, { token }), adminIdentity(token));
  t.throws(() => verifyAdminToken(token, { token: 'another-long-admin-token-9e2d' }), /not valid/);
  t.throws(() => verifyAdminToken(token, {}), /no expected admin token/, 'without an expected token nothing is accepted (fail closed)');
  t.throws(() => verifyCliAdmin({}), /VITRINA_ADMIN_TOKEN/);
  t.throws(() => verifyCliAdmin({ VITRINA_ADMIN_TOKEN: token }), /VITRINA_ADMIN_TOKEN_SHA256/, 'the CLI refuses any token when it has nothing to check it against');
  t.throws(() => verifyCliAdmin({ VITRINA_ADMIN_TOKEN: 'x'.repeat(40) }), /VITRINA_ADMIN_TOKEN_SHA256/, 'even a long one');
  const sha = (await import('node:crypto')).createHash('sha256').update(token).digest('hex');
  t.equal(verifyCliAdmin({ VITRINA_ADMIN_TOKEN: token, VITRINA_ADMIN_TOKEN_SHA256: sha }), adminIdentity(token));
  t.throws(() => verifyCliAdmin({ VITRINA_ADMIN_TOKEN: 'x'.repeat(30), VITRINA_ADMIN_TOKEN_SHA256: sha }), /not valid/);
  t.throws(() => verifyCliAdmin({ VITRINA_ADMIN_TOKEN: token, VITRINA_ADMIN_TOKEN_SHA256: 'abc' }), /VITRINA_ADMIN_TOKEN_SHA256 must be 64 hex digits/);
});

t.test('a configured admin token must be strong: weak ones are refused at start-up', async (t) => {
  t.equal(adminGuard(undefined), undefined, 'no token: admin commands are off');
  t.equal(adminGuard(''), undefined);
  t.throws(() => adminGuard('short'), /VITRINA_ADMIN_TOKEN is too weak: it has 5 characters; at least 24/);
  t.throws(() => adminGuard('x'.repeat(23)), /at least 24/);
  t.throws(() => adminGuard('a'.repeat(40)), /VITRINA_ADMIN_TOKEN is too weak: .*distinct/);
  t.throws(() => adminGuard('abcabcabcabcabcabcabcabc'), /distinct/);
  const token = 'c0ffee-5e11-b0a7-dead-beef-42';
  const guard = adminGuard(token)!;
  t.equal(guard.verify(token), adminIdentity(token));
  t.throws(() => guard.verify('c0ffee-5e11-b0a7-dead-beef-43'), /not valid/);
  t.throws(() => guard.verify(undefined), /admin token is required/);
  t.throws(() => guard.verify('x'), /not valid/, 'a short presented token is just not valid');
});

t.test('run parameters, requests and version names', async (t) => {
  t.same(trainingParameters({}), TRAINING_DEFAULTS);
  t.equal(trainingParameters({ epochs: '3', lr: '0.01', learnTemperature: 'false' }).epochs, 3);
  t.throws(() => checkParameters({ epochs: '0' }), /epochs/);
  t.throws(() => checkParameters({ lr: 'fast' }), /lr/);
  t.equal(trainingParameters({ 'adapter.sides': 'text' }).sides, 'text');
  t.throws(() => checkParameters({ 'adapter.sides': 'left' }), /adapter.sides/);
  t.throws(() => checkParameters({ 'eval.maxQueries': '-1' }), /maxQueries/);
  const request = buildTrainingRequest({ seed: 3, parameters: { epochs: '2' }, modelName: 'm' }, 1000);
  t.ok(isRunId(request.runId));
  t.same({ ...request, runId: 'x' }, { runId: 'x', requestedBy: 'cli', baseModelVersion: null, seed: 3, testFraction: 0.2, parameters: { epochs: '2' }, requestedAt: 1000, modelName: 'm', datasetSnapshot: null });
  t.throws(() => buildTrainingRequest({ testFraction: 1 }), /test fraction/);
  t.throws(() => buildTrainingRequest({ runId: 'Bad Id' }), /run id/);
  t.match(newRunId(new Date('2025-01-02T03:04:05Z')), /^run-20250102-030405-[0-9a-f]{6}$/);
  t.equal(challengerVersion('base-v1', 'run-1'), 'base-v1-adapter-run-1');
  t.equal(challengerVersion('base-v1-adapter-run-1', 'run-2'), 'base-v1-adapter-run-2', 'a challenger of a challenger does not grow the name');
});
