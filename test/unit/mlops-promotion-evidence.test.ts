// The promotion rule on evidence, with synthetic per-query outcomes of two models on the same
// queries run through the evaluator's paired intervals (mlops/paired-stats.ts) and the promoter's
// decision (processors/promoter/decide-run.ts): an identical challenger and noise-level
// perturbations of the champion are never promoted — the old "better by more than 0" rule promoted
// every one of these — a challenger with a clear gain is, a failed gain on a split too small to
// detect the minimum effect is inconclusive, and the decision repeats for a seed.
import t from 'tap';
import { pairedIntervals } from '../../mlops/paired-stats.ts';
import { PROMOTION_DEFAULTS } from '../../mlops/parameters.ts';
import { mulberry32 } from '../../mlops/prng.ts';
import { decideOnEvaluation } from '../../processors/promoter/decide-run.ts';
import { DEFAULT_RULE } from '../../processors/promoter/rule.ts';
import type { EvaluationCompleted } from '../../schemas/types.generated.ts';

const GROUP = 'text2image.articleType.catalog.group@10';
const NAME = 'text2image.name.catalog.acc@10';
const IMAGE = 'image2image.exact.catalog.acc@1';

type Outcomes = Record<string, Float64Array>;

/** A champion's per-query outcomes: group shares in tenths around 0.85, hits at 0.5 and 0.7. */
function championOutcomes(n: number, seed: number): Outcomes {
  const r = mulberry32(seed);
  return {
    [GROUP]: Float64Array.from({ length: n }, () => Math.min(1, Math.round((0.6 + 0.5 * r()) * 10) / 10)),
    [NAME]: Float64Array.from({ length: n }, () => (r() < 0.5 ? 1 : 0)),
    [IMAGE]: Float64Array.from({ length: n }, () => (r() < 0.7 ? 1 : 0)),
  };
}

/** Moves a share of the queries by one step, up with probability `up` (0.5: pure noise). */
function perturb(o: Outcomes, seed: number, share: number, up: number): Outcomes {
  const r = mulberry32(seed);
  const step = (values: Float64Array, size: number) => values.map((v) => (r() < share ? Math.min(1, Math.max(0, v + (r() < up ? size : -size))) : v));
  return { [GROUP]: step(o[GROUP]!, 0.1), [NAME]: step(o[NAME]!, 1), [IMAGE]: step(o[IMAGE]!, 1) };
}

/** Noise that keeps every mean: a share of the queries swap their outcome with a random other query. */
function swapNoise(o: Outcomes, seed: number, share: number): Outcomes {
  const r = mulberry32(seed);
  const swap = (values: Float64Array) => {
    const out = Float64Array.from(values);
    for (let i = 0; i < out.length; i += 1) {
      if (r() >= share) continue;
      const j = Math.floor(r() * out.length);
      [out[i], out[j]] = [out[j]!, out[i]!];
    }
    return out;
  };
  return Object.fromEntries(Object.entries(o).map(([k, v]) => [k, swap(v)]));
}

/** A small real gain of group@10: a share of the queries below 1 gain one tenth. */
function smallGain(o: Outcomes, seed: number, share: number): Outcomes {
  const r = mulberry32(seed);
  return { ...o, [GROUP]: o[GROUP]!.map((v) => (v < 1 && r() < share ? Math.round(v * 10 + 1) / 10 : v)) };
}

const means = (o: Outcomes): Record<string, number> => Object.fromEntries(Object.entries(o).map(([k, v]) => [k, v.reduce((s, x) => s + x, 0) / v.length]));

function evaluation(champion: Outcomes, challenger: Outcomes, seed: number, parameters: Record<string, string> = {}): EvaluationCompleted {
  const queries = champion[GROUP]!.length;
  const intervals = pairedIntervals(champion, challenger, { seed, resamples: PROMOTION_DEFAULTS.resamples, confidence: PROMOTION_DEFAULTS.confidence });
  return {
    evaluationId: 'r/challenger', modelVersion: 'challenger', runId: 'r', splitManifestKey: null, metrics: { ...means(challenger), 'gallery.catalog.size': 44075 }, queries, completedAt: 1, modelName: 'vitrina',
    role: 'challenger', baselineVersion: 'champion', baselineEvaluationId: 'r/champion', baselineMetrics: means(champion), parameters, durationMs: 1, error: null, intervals,
  };
}

/** What the rule before evidence decided: better by more than 0, the guards no worse than 0.01 on the point values. */
function oldRulePromotes(e: EvaluationCompleted): boolean {
  const [m, b] = [e.metrics, e.baselineMetrics];
  return m[GROUP]! > b[GROUP]! && m[NAME]! >= b[NAME]! - 0.01 && m[IMAGE]! >= b[IMAGE]! - 0.01;
}

t.test('an identical challenger is never promoted', async (t) => {
  const champ = championOutcomes(4000, 1);
  const { decided, promoted } = decideOnEvaluation(evaluation(champ, champ, 1), undefined, {});
  t.equal(decided.decision, 'REJECT');
  t.equal(decided.outcome, 'reject', 'a 4,000-query split can detect the minimum effect: rejected, not inconclusive');
  t.equal(promoted, undefined);
  t.match(decided.checks[0], { metric: GROUP, difference: 0, low: 0, high: 0, threshold: 0.005, passed: false });
  t.ok(decided.checks[0]!.minDetectable! < 0.005, `minimum detectable effect ${decided.checks[0]!.minDetectable}`);
});

t.test('noise-level perturbations of the champion are never promoted', async (t) => {
  let oldPromoted = 0;
  let runs = 0;
  for (let seed = 1; seed <= 15; seed += 1) {
    const champ = championOutcomes(3916, 100 + seed);
    // Query-level noise that keeps the means, plus a gain of group@10 at the noise level
    // (a share of 0.024 of the queries below 1 gain 0.1: about +0.0017, the example).
    for (const gain of [0.005, 0.024]) {
      const e = evaluation(champ, smallGain(swapNoise(champ, 200 + seed, 0.1), 300 + seed, gain), seed);
      const { decided } = decideOnEvaluation(e, undefined, {});
      runs += 1;
      if (oldRulePromotes(e)) oldPromoted += 1;
      t.not(decided.decision, 'PROMOTE', `seed ${seed}, gain share ${gain}: ${decided.reason}`);
    }
  }
  t.equal(oldPromoted, runs, `the old point rule promoted ${oldPromoted} of these ${runs}`);
});

t.test('a clear gain is promoted: a degraded copy of the champion plays champion', async (t) => {
  const good = championOutcomes(3916, 7);
  const degraded = perturb(good, 8, 0.4, 0.1); // 40% of queries moved, 90% of them down
  const e = evaluation(degraded, good, 3);
  const { decided, promoted } = decideOnEvaluation(e, undefined, {}, undefined, 10);
  t.equal(decided.decision, 'PROMOTE', decided.reason);
  t.equal(decided.outcome, 'promote');
  t.equal(promoted?.version, 'challenger');
  const group = decided.checks[0]!;
  t.ok(group.low! > 0.005 && group.low! <= group.difference! && group.difference! <= group.high!, `group@10 ${group.difference} in [${group.low}, ${group.high}]`);
  t.ok(decided.checks.every((c) => c.passed && c.low !== null && c.minDetectable !== null), 'every check carries its interval');
  t.match(decided.checks[1]!.mcnemarP, Number, 'a 0/1 metric has its McNemar p-value');
  t.same(decided.cost, { products: 44075, perSecond: null, minutes: null, rateSource: decided.cost!.rateSource });
  t.match(decided.cost!.rateSource, /no measured embedder rate/);
  t.match(decided.reason, /going live re-embeds 44075 products \(time unknown/);
  const withRate = decideOnEvaluation(evaluation(degraded, good, 3, { 'promotion.embedRate': '50' }), undefined, { 'promotion.embedRate': '50' }).decided;
  t.ok(Math.abs(withRate.cost!.minutes! - 44075 / 50 / 60) < 1e-9, 'minutes at the measured rate');
});

t.test('a guard whose regression may exceed its tolerance rejects a gain', async (t) => {
  const good = championOutcomes(3916, 11);
  const champ = { ...perturb(good, 12, 0.4, 0.1), [NAME]: good[NAME]! };
  const worseNames = perturb(good, 13, 0.08, 0)[NAME]!; // about 4% fewer name hits
  const { decided } = decideOnEvaluation(evaluation(champ, { ...good, [NAME]: worseNames }, 4), undefined, {});
  t.equal(decided.outcome, 'reject');
  t.same(decided.checks.map((c) => c.passed), [true, false, true], decided.reason);
  t.match(decided.reason, /1 of 3 checks failed: text2image.name.catalog.acc@10 .* lower bound must be at least -0.0100/);
});

t.test('a split too small to detect the minimum effect is inconclusive, whatever the points say', async (t) => {
  const champ = championOutcomes(60, 21);
  const e = evaluation(champ, smallGain(swapNoise(champ, 22, 0.1), 23, 0.1), 5);
  t.ok(oldRulePromotes(e), `the old rule promoted it: group@10 ${e.metrics[GROUP]} vs ${e.baselineMetrics[GROUP]}`);
  const { decided, promoted } = decideOnEvaluation(e, undefined, {});
  t.equal(decided.outcome, 'inconclusive');
  t.equal(decided.decision, 'REJECT');
  t.equal(promoted, undefined);
  t.match(decided.reason, /inconclusive: the test split of 60 queries is too small to detect the minimum effect \(text2image.articleType.catalog.group@10 detects only differences ≥ 0\.\d+, the check asks for 0.0050\)/);
  t.ok(decided.checks[0]!.minDetectable! > 0.005);
});

t.test('intervals and decisions repeat for a seed', async (t) => {
  const champ = championOutcomes(2000, 31);
  const chall = perturb(champ, 32, 0.2, 0.6);
  const a = decideOnEvaluation(evaluation(champ, chall, 9), undefined, {}, undefined, 1).decided;
  const b = decideOnEvaluation(evaluation(champ, chall, 9), undefined, {}, undefined, 1).decided;
  t.same(a, b);
  const c = decideOnEvaluation(evaluation(champ, chall, 10), undefined, {}, undefined, 1).decided;
  t.not(JSON.stringify(c.checks), JSON.stringify(a.checks), 'another bootstrap seed moves the bounds');
});

t.test('bad evidence parameters are refused with the reason', async (t) => {
  const champ = championOutcomes(100, 41);
  const { decided } = decideOnEvaluation(evaluation(champ, champ, 1), undefined, { 'promotion.confidence': '2' });
  t.equal(decided.decision, 'REJECT');
  t.match(decided.reason, /promotion.confidence="2": expected a number in \(0.5, 1\)/);
});

t.test("the promoter README's worked example", async (t) => {
  const champ = championOutcomes(3916, 101);
  const params = { 'promotion.embedRate': '50' };
  const { decided } = decideOnEvaluation(evaluation(champ, smallGain(swapNoise(champ, 201, 0.1), 301, 0.024), 7, params), undefined, params);
  t.equal(
    decided.reason,
    '1 of 3 checks failed: text2image.articleType.catalog.group@10 0.8410 vs 0.8392: difference +0.0018, 95% bounds [−0.0002, +0.0039], lower bound must exceed 0.0050 (detectable ≥ 0.0031): failed; going live re-embeds 44075 products, about 14.7 min at 50/s',
  );
});
