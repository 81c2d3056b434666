// The promotion rule: a list of checks of the challenger's metrics against the champion's, all of
// which must pass. A check is "better" (challenger > champion + margin) or "noWorse" (challenger ≥
// champion − margin). The default promotes a challenger that groups text→image results by
// articleType better over the whole catalog while losing no more than a point of exact-match
// accuracy (text→image by display name, image→image by product):
//   [{"metric":"text2image.articleType.catalog.group@10","kind":"better","margin":0},
//    {"metric":"text2image.name.catalog.acc@10","kind":"noWorse","margin":0.01},
//    {"metric":"image2image.exact.catalog.acc@1","kind":"noWorse","margin":0.01}]
// It is configured by VITRINA_PROMOTION_RULE (that JSON), and a run may carry its own in the
// parameter "promotion.rule".
import type { PromotionCheck } from '../../schemas/types.generated.ts';

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

/** The rule in force: the run's own, else VITRINA_PROMOTION_RULE, else the default. */
export function ruleFor(runParameters: Record<string, string>, env: Record<string, string | undefined> = process.env, fallback: PromotionRule = DEFAULT_RULE): PromotionRule {
  const own = runParameters['promotion.rule'];
  if (own) return parseRule(own);
  if (env.VITRINA_PROMOTION_RULE) return parseRule(env.VITRINA_PROMOTION_RULE);
  return fallback;
}

export interface Decision {
  promote: boolean;
  checks: PromotionCheck[];
  reason: string;
}

function fmt(v: number | null): string {
  return v === null ? 'missing' : v.toFixed(4);
}

export function decide(rule: PromotionRule, challenger: Record<string, number>, champion: Record<string, number>): Decision {
  const checks: PromotionCheck[] = rule.map((c) => {
    const ch = challenger[c.metric] ?? null;
    const base = champion[c.metric] ?? null;
    const passed = ch !== null && base !== null && (c.kind === 'better' ? ch > base + c.margin : ch >= base - c.margin);
    return { metric: c.metric, kind: c.kind, margin: c.margin, challenger: ch, champion: base, passed };
  });
  const describe = (c: PromotionCheck): string =>
    `${c.metric} ${fmt(c.challenger)} vs ${fmt(c.champion)} (${c.kind === 'better' ? `must be better by more than ${c.margin}` : `may be worse by at most ${c.margin}`}): ${c.passed ? 'passed' : 'failed'}`;
  const failed = checks.filter((c) => !c.passed);
  const promote = failed.length === 0;
  const reason = promote ? `every check passed: ${checks.map(describe).join('; ')}` : `${failed.length} of ${checks.length} checks failed: ${failed.map(describe).join('; ')}`;
  return { promote, checks, reason };
}
