// The promoter processor (consumer group "vitrina.promoter"): every challenger evaluation of its
// model name is decided by the promotion rule (rule.ts). The decision goes out as PromotionDecided
// (promoted or rejected, with each check and the reason); a promotion is then a ModelPromoted,
// which the model server, the embedder and the embeddings projection follow.
import type { EvaluationCompleted, ModelPromoted } from '../../schemas/types.generated.ts';
import { ProcessorRunner } from '../../streams/processor.ts';
import { topics } from '../../streams/topics.ts';
import { currentChampion } from '../../mlops/champion.ts';
import { runStoreOf, type MlopsDeps, type MlopsProcessorOptions } from '../../mlops/deps.ts';
import { runStepProcessor } from '../../mlops/handle-runs.ts';
import { decideOnEvaluation } from './decide-run.ts';
import type { PromotionRule } from './rule.ts';

export const PROMOTER = 'promoter';

export interface PromoterOptions extends MlopsProcessorOptions {
  /** The rule when neither the run nor VITRINA_PROMOTION_RULE gives one. */
  rule?: PromotionRule;
}

export function createPromoterProcessor(deps: MlopsDeps, options: PromoterOptions = {}): ProcessorRunner<EvaluationCompleted> {
  const store = runStoreOf(deps);
  const codec = deps.producer.codec;
  const spec = runStepProcessor(
    {
      name: PROMOTER,
      topic: topics.evaluations.name,
      step: 'decided',
      runIdOf: (e) => e.runId ?? e.evaluationId,
      modelNameOf: (e) => e.modelName,
      wanted: (e) => e.role === 'challenger' && e.runId !== null,
      run: async (evaluation, ctx) => {
        const runId = evaluation.runId!;
        // The champion named by the promotions log; with no promotion yet, the run's baseline is
        // what the model server serves by default.
        const champion = await currentChampion({ kafka: deps.kafka, codec }, evaluation.modelName);
        // The evaluator passes a run's own rule on in the evaluation's parameters ("promotion.rule").
        const { decided, promoted } = decideOnEvaluation(evaluation, champion?.version, evaluation.parameters, options.rule);
        await ctx.producer.send(topics.promotionDecisions.name, [{ key: runId, value: decided }]);
        const line = `${decided.decision === 'PROMOTE' ? 'promoted' : 'rejected'} ${decided.challengerVersion}: ${decided.reason}`;
        ctx.log.info({ runId }, line);
        options.onProgress?.(runId, line);
        if (promoted && champion?.version !== promoted.version) await ctx.producer.send(topics.promotions.name, [{ key: promoted.modelName, value: promoted as ModelPromoted }]);
      },
      fail: async (evaluation, error, ctx) => {
        const { decided } = decideOnEvaluation({ ...evaluation, error: `the promoter failed: ${error.message}` }, undefined, {});
        await ctx.producer.send(topics.promotionDecisions.name, [{ key: decided.runId, value: decided }]);
      },
    },
    codec,
    store,
    options,
  );
  return new ProcessorRunner(spec, deps.kafka, deps.producer);
}
