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
import type { EvaluationCompleted, ModelPromoted } from '../../schemas/types.generated.ts';

const champion = { 'text2image.articleType.catalog.group@10': 0.8, 'text2image.name.catalog.acc@10': 0.5, 'image2image.exact.catalog.acc@1': 0.7 };

t.test('the default rule: better grouping, exact matches no worse beyond the margin', async (t) => {
  const better = decide(DEFAULT_RULE, { ...champion, 'text2image.articleType.catalog.group@10': 0.81, 'text2image.name.catalog.acc@10': 0.495 }, champion);
  t.ok(better.promote, better.reason);
  t.match(better.reason, /every check passed/);
  const same = decide(DEFAULT_RULE, champion, champion);
  t.notOk(same.promote, 'equal grouping is not better');
  t.match(same.reason, /1 of 3 checks failed: text2image.articleType.catalog.group@10 0.8000 vs 0.8000/);
  const worse = decide(DEFAULT_RULE, { ...champion, 'text2image.articleType.catalog.group@10': 0.9, 'image2image.exact.catalog.acc@1': 0.68 }, champion);
  t.notOk(worse.promote);
  t.same(worse.checks.map((c) => c.passed), [true, true, false]);
  const missing = decide(DEFAULT_RULE, { 'text2image.articleType.catalog.group@10': 0.9 }, champion);
  t.notOk(missing.promote);
  t.match(missing.reason, /missing/);
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
    queries: 10, completedAt: 1, modelName: 'vitrina', role: 'challenger', baselineVersion: 'base', baselineEvaluationId: 'r1/champion', baselineMetrics: champion, parameters: {}, durationMs: 1, error: null, ...over,
  };
}

t.test('the promoter promotes, rejects with the reason, and refuses a stale comparison', async (t) => {
  const promoted = decideOnEvaluation(evaluation(), undefined, {}, undefined, 5);
  t.equal(promoted.decided.decision, 'PROMOTE');
  t.same(promoted.promoted, { modelName: 'vitrina', version: 'base-adapter-r1', previousVersion: 'base', reason: `run r1: ${promoted.decided.reason}`, promotedBy: 'auto', promotedAt: 5 });
  const rejected = decideOnEvaluation(evaluation({ metrics: champion }), 'base', {});
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
