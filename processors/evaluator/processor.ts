// The evaluator processor (consumer group "vitrina.evaluator"): every successful training run of
// its model name gets its champion and challenger evaluated on the run's test split; both
// EvaluationCompleted events go out in one send, the champion's first. A run that failed to train
// has nothing to evaluate (the registry records its failure); an evaluation that fails is sent as
// the challenger's EvaluationCompleted with its error, which the promoter rejects.
import type { TrainingRunCompleted } from '../../schemas/types.generated.ts';
import { ProcessorRunner } from '../../streams/processor.ts';
import { topics } from '../../streams/topics.ts';
import { runStoreOf, type MlopsDeps, type MlopsProcessorOptions } from '../../mlops/deps.ts';
import { runStepProcessor } from '../../mlops/handle-runs.ts';
import { evaluationFailed, runEvaluation } from './run-evaluation.ts';

export const EVALUATOR = 'evaluator';

export function createEvaluatorProcessor(deps: MlopsDeps, options: MlopsProcessorOptions = {}): ProcessorRunner<TrainingRunCompleted> {
  const store = runStoreOf(deps);
  const spec = runStepProcessor(
    {
      name: EVALUATOR,
      topic: topics.trainingCompleted.name,
      step: 'evaluated',
      runIdOf: (e) => e.runId,
      modelNameOf: (e) => e.modelName,
      wanted: (e) => e.status === 'SUCCEEDED',
      run: async (completed, ctx) => {
        const events = await runEvaluation({ ...deps, store }, completed, {
          progress: (line) => {
            ctx.log.info({ runId: completed.runId }, line);
            options.onProgress?.(completed.runId, line);
          },
          tick: async () => {
            await ctx.heartbeat().catch(() => undefined);
            await new Promise((resolve) => setImmediate(resolve));
          },
        });
        await ctx.producer.send(topics.evaluations.name, events.map((value) => ({ key: value.modelVersion, value })));
      },
      fail: async (completed, error, ctx) => {
        const value = evaluationFailed(completed, error);
        await ctx.producer.send(topics.evaluations.name, [{ key: value.modelVersion, value }]);
      },
    },
    deps.producer.codec,
    store,
    options,
  );
  return new ProcessorRunner(spec, deps.kafka, deps.producer);
}
