// The promotion rule: a list of checks of the challenger's metrics against the champion's, all of
// which must pass on evidence — the paired interval of each metric's difference (challenger −
// champion, on the same test queries) that the evaluator sends with the challenger's evaluation
// (mlops/paired-stats.ts). A check is
//   "better"   the lower bound of the difference exceeds max(margin, minEffect): the gain is real
//              and worth a switch
//   "noWorse"  the lower bound is at least −margin: the regression cannot exceed the tolerance
// with bounds at the same one-sided confidence (default 0.95). When a "better" check fails on a
// test split that cannot detect the least gain it asks for (its minimum detectable effect at that
// confidence and the power, default 0.8, is larger), the outcome is "inconclusive" rather than a
// verdict on the challenger: not promoted, whatever the point values say. The default promotes a challenger that groups text→image results by
// articleType better over the whole catalog by more than the minimum effect (default 0.005) while
// losing no more than a point of exact-match accuracy (text→image by display name, image→image by
// product):
//   [{"metric":"text2image.articleType.catalog.group@10","kind":"better","margin":0},
//    {"metric":"text2image.name.catalog.acc@10","kind":"noWorse","margin":0.01},
//    {"metric":"image2image.exact.catalog.acc@1","kind":"noWorse","margin":0.01}]
// It is configured by VITRINA_PROMOTION_RULE (that JSON), and a run may carry its own in the
// parameter "promotion.rule"; the evidence parameters are promotion.confidence, .minEffect, .power
// (mlops/parameters.ts).
import { minimumDetectableEffect } from '../../mlops/paired-stats.ts';
import type { PromotionParameters } from '../../mlops/parameters.ts';
import type { MetricInterval, PromotionCheck } from '../../schemas/types.generated.ts';

export interface RuleCheck {
  metric: string;
  kind: 'better' | 'noWorse';
  margin: number;
}

export type PromotionRule = RuleCheck[];

export const DEFAULT_RULE: PromotionRule = [
  { metric: 'text2image.articleType.catalog.group@10', kind: 'better', margin: 0 },
  { metric: 'text2image.name.catalog.acc@10', kind: 'noWorse', margin: 0.01 },
  { metric: 'image2image.exact.catalog.acc@1', kind: 'noWorse', margin: 0.01 },
];

export class RuleError extends Error {
  override name = 'RuleError';
}

export function parseRule(json: string): PromotionRule {
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch (err) {
    throw new RuleError(`promotion rule is not JSON: ${(err as Error).message}`);
  }
  if (!Array.isArray(value) || value.length === 0) throw new RuleError('a promotion rule is a non-empty JSON array of {metric, kind, margin}');
  return value.map((c: unknown, i) => {
    const check = c as Partial<RuleCheck>;
    if (typeof check?.metric !== 'string' || !check.metric) throw new RuleError(`rule check ${i}: "metric" must be a metric name`);
    if (check.kind !== 'better' && check.kind !== 'noWorse') throw new RuleError(`rule check ${i}: "kind" must be "better" or "noWorse"`);
    const margin = check.margin ?? 0;
    if (typeof margin !== 'number' || !Number.isFinite(margin) || margin < 0) throw new RuleError(`rule check ${i}: "margin" must be a number ≥ 0`);
    return { metric: check.metric, kind: check.kind, margin };
  });
}

/** The rule in force: the run's own, else VITRINA_PROMOTION_RULE of the process's settings, else the default. */
export function ruleFor(runParameters: Record<string, string>, settings: { readonly VITRINA_PROMOTION_RULE?: string }, fallback: PromotionRule = DEFAULT_RULE): PromotionRule {
  const own = runParameters['promotion.rule'];
  if (own) return parseRule(own);
  if (settings.VITRINA_PROMOTION_RULE) return parseRule(settings.VITRINA_PROMOTION_RULE);
  return fallback;
}

export type Outcome = 'promote' | 'reject' | 'inconclusive';

export interface Decision {
  outcome: Outcome;
  promote: boolean;
  checks: PromotionCheck[];
  reason: string;
}

export type Evidence = Pick<PromotionParameters, 'confidence' | 'minEffect' | 'power'> & { intervals: MetricInterval[] };

function fmt(v: number | null): string {
  return v === null ? 'missing' : v.toFixed(4);
}

const signed = (v: number): string => `${v >= 0 ? '+' : '−'}${Math.abs(v).toFixed(4)}`;

function check(c: RuleCheck, challenger: Record<string, number>, champion: Record<string, number>, evidence: Evidence): PromotionCheck {
  const ch = challenger[c.metric] ?? null;
  const base = champion[c.metric] ?? null;
  const threshold = c.kind === 'better' ? Math.max(c.margin, evidence.minEffect) : -c.margin;
  const out: PromotionCheck = { metric: c.metric, kind: c.kind, margin: c.margin, challenger: ch, champion: base, passed: false, difference: null, low: null, high: null, threshold, minDetectable: null, mcnemarP: null, note: '' };
  if (ch === null || base === null) return { ...out, note: 'metric missing' };
  const interval = evidence.intervals.find((i) => i.metric === c.metric);
  if (!interval) return { ...out, difference: ch - base, note: 'no paired interval for this metric: nothing to decide on' };
  const minDetectable = minimumDetectableEffect(interval.sdDifference, interval.queries, evidence.confidence, evidence.power);
  const passed = c.kind === 'better' ? interval.low > threshold : interval.low >= threshold;
  return { ...out, passed, difference: interval.difference, low: interval.low, high: interval.high, minDetectable: Number.isFinite(minDetectable) ? minDetectable : null, mcnemarP: interval.mcnemarP };
}

/** A failed "better" check whose split cannot detect the gain it asks for: its failure says nothing. */
const underpowered = (c: PromotionCheck): boolean => c.kind === 'better' && !c.passed && c.low !== null && (c.minDetectable === null || c.minDetectable > c.threshold!);

export function describeCheck(c: PromotionCheck, confidence: number): string {
  const point = `${c.metric} ${fmt(c.challenger)} vs ${fmt(c.champion)}`;
  if (c.low === null || c.high === null) return `${point}${c.note ? ` (${c.note})` : ''}: failed`;
  const need = c.kind === 'better' ? `lower bound must exceed ${c.threshold!.toFixed(4)}` : `lower bound must be at least ${c.threshold!.toFixed(4)}`;
  const mde = c.minDetectable === null ? 'not computable' : c.minDetectable.toFixed(4);
  return `${point}: difference ${signed(c.difference!)}, ${Math.round(confidence * 100)}% bounds [${signed(c.low)}, ${signed(c.high)}], ${need} (detectable ≥ ${mde}): ${c.passed ? 'passed' : 'failed'}`;
}

export function decide(rule: PromotionRule, challenger: Record<string, number>, champion: Record<string, number>, evidence: Evidence): Decision {
  const checks = rule.map((c) => check(c, challenger, champion, evidence));
  const describe = (c: PromotionCheck): string => describeCheck(c, evidence.confidence);
  const weak = checks.filter(underpowered);
  if (weak.length > 0) {
    const queries = evidence.intervals[0]?.queries ?? 0;
    const what = weak.map((c) => `${c.metric} detects only differences ≥ ${c.minDetectable === null ? '∞' : c.minDetectable.toFixed(4)}, the check asks for ${c.threshold!.toFixed(4)}`).join('; ');
    return { outcome: 'inconclusive', promote: false, checks, reason: `inconclusive: the test split of ${queries} queries is too small to detect the minimum effect (${what}); not promoted. Checks: ${checks.map(describe).join('; ')}` };
  }
  const failed = checks.filter((c) => !c.passed);
  if (failed.length === 0) return { outcome: 'promote', promote: true, checks, reason: `every check passed: ${checks.map(describe).join('; ')}` };
  return { outcome: 'reject', promote: false, checks, reason: `${failed.length} of ${checks.length} checks failed: ${failed.map(describe).join('; ')}` };
}
