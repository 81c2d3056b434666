// The promoter's decision on one challenger evaluation: rejected when the evaluation failed or the
// champion changed since it was measured (the comparison no longer holds), otherwise by the rule
// on the evaluation's paired intervals. The decision also states what going live would cost: the
// catalog re-embedded by the new champion, in minutes at the embedder's measured rate when known.
import type { EvaluationCompleted, ModelPromoted, PromotionDecided, SwitchCost } from '../../schemas/types.generated.ts';
import { PARAM, promotionParameters, type PromotionParameters } from '../../mlops/parameters.ts';
import { decide, ruleFor, type PromotionRule } from './rule.ts';
import { processSettings } from '../../platform/env-table.ts';

export interface RunDecision {
  decided: PromotionDecided;
  promoted?: ModelPromoted;
}

/** Products to re-embed (the evaluated catalog) and the minutes they take at the known rate. */
export function switchCost(evaluation: EvaluationCompleted, embedRate: number | undefined): SwitchCost {
  const products = evaluation.metrics['gallery.catalog.size'] ?? Number(evaluation.parameters.galleryCatalog ?? 0);
  if (embedRate === undefined) {
    return { products, perSecond: null, minutes: null, rateSource: `no measured embedder rate is known: pass ${PARAM.embedRate} (products per second, from the embedder's "re-embedding progress" log) to estimate the time` };
  }
  return { products, perSecond: embedRate, minutes: products / embedRate / 60, rateSource: `${PARAM.embedRate} = ${embedRate} products/s` };
}

export function decideOnEvaluation(evaluation: EvaluationCompleted, champion: string | undefined, runParameters: Record<string, string>, defaultRule?: PromotionRule, now = Date.now()): RunDecision {
  const runId = evaluation.runId ?? evaluation.evaluationId;
  const baseline = evaluation.baselineVersion;
  const reject = (reason: string, rule = ''): RunDecision => ({
    decided: {
      runId,
      modelName: evaluation.modelName,
      challengerVersion: evaluation.modelVersion,
      championVersion: champion ?? baseline,
      decision: 'REJECT',
      reason,
      rule,
      checks: [],
      evaluationId: evaluation.evaluationId,
      decidedAt: now,
      outcome: 'reject',
      confidence: null,
      minEffect: null,
      power: null,
      queries: evaluation.queries,
      cost: null,
    },
  });
  if (evaluation.error) return reject(`evaluation failed: ${evaluation.error}`);
  if (!baseline) return reject('the evaluation names no champion it was compared with');
  const current = champion ?? baseline;
  if (current !== baseline) return reject(`the champion is now ${current}, but the challenger was compared with ${baseline}; request a new run`);
  let rule: PromotionRule;
  let evidence: PromotionParameters;
  try {
    rule = ruleFor(runParameters, processSettings(), defaultRule);
    evidence = promotionParameters(runParameters);
  } catch (err) {
    return reject(`bad promotion rule: ${(err as Error).message}`);
  }
  const verdict = decide(rule, evaluation.metrics, evaluation.baselineMetrics, { ...evidence, intervals: evaluation.intervals });
  const cost = switchCost(evaluation, evidence.embedRate);
  const costLine = `going live re-embeds ${cost.products} products${cost.minutes === null ? ' (time unknown: no measured embedder rate)' : `, about ${cost.minutes.toFixed(1)} min at ${cost.perSecond}/s`}`;
  const decided: PromotionDecided = {
    runId,
    modelName: evaluation.modelName,
    challengerVersion: evaluation.modelVersion,
    championVersion: current,
    decision: verdict.promote ? 'PROMOTE' : 'REJECT',
    reason: `${verdict.reason}; ${costLine}`,
    rule: JSON.stringify(rule),
    checks: verdict.checks,
    evaluationId: evaluation.evaluationId,
    decidedAt: now,
    outcome: verdict.outcome,
    confidence: evidence.confidence,
    minEffect: evidence.minEffect,
    power: evidence.power,
    queries: evaluation.queries,
    cost,
  };
  if (!verdict.promote) return { decided };
  return {
    decided,
    promoted: { modelName: evaluation.modelName, version: evaluation.modelVersion, previousVersion: current, reason: `run ${runId}: ${decided.reason}`, promotedBy: 'auto', promotedAt: now },
  };
}
