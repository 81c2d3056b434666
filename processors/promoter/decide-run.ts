// The promoter's decision on one challenger evaluation: rejected when the evaluation failed or the
// champion changed since it was measured (the comparison no longer holds), otherwise by the rule.
import type { EvaluationCompleted, ModelPromoted, PromotionDecided } from '../../schemas/types.generated.ts';
import { decide, ruleFor, type PromotionRule } from './rule.ts';

export interface RunDecision {
  decided: PromotionDecided;
  promoted?: ModelPromoted;
}

export function decideOnEvaluation(evaluation: EvaluationCompleted, champion: string | undefined, runParameters: Record<string, string>, defaultRule?: PromotionRule, now = Date.now()): RunDecision {
  const runId = evaluation.runId ?? evaluation.evaluationId;
  const baseline = evaluation.baselineVersion;
  const reject = (reason: string, rule = ''): RunDecision => ({
    decided: { runId, modelName: evaluation.modelName, challengerVersion: evaluation.modelVersion, championVersion: champion ?? baseline, decision: 'REJECT', reason, rule, checks: [], evaluationId: evaluation.evaluationId, decidedAt: now },
  });
  if (evaluation.error) return reject(`evaluation failed: ${evaluation.error}`);
  if (!baseline) return reject('the evaluation names no champion it was compared with');
  const current = champion ?? baseline;
  if (current !== baseline) return reject(`the champion is now ${current}, but the challenger was compared with ${baseline}; request a new run`);
  let rule: PromotionRule;
  try {
    rule = ruleFor(runParameters, process.env, defaultRule);
  } catch (err) {
    return reject(`bad promotion rule: ${(err as Error).message}`);
  }
  const verdict = decide(rule, evaluation.metrics, evaluation.baselineMetrics);
  const decided: PromotionDecided = {
    runId,
    modelName: evaluation.modelName,
    challengerVersion: evaluation.modelVersion,
    championVersion: current,
    decision: verdict.promote ? 'PROMOTE' : 'REJECT',
    reason: verdict.reason,
    rule: JSON.stringify(rule),
    checks: verdict.checks,
    evaluationId: evaluation.evaluationId,
    decidedAt: now,
  };
  if (!verdict.promote) return { decided };
  return {
    decided,
    promoted: { modelName: evaluation.modelName, version: evaluation.modelVersion, previousVersion: current, reason: `run ${runId}: ${verdict.reason}`, promotedBy: 'auto', promotedAt: now },
  };
}
