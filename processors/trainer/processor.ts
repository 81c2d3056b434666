// The trainer processor (consumer group "vitrina.trainer"): every successfully prepared run of its
// model name is trained into a challenger model version and ends with a TrainingRunCompleted.
import type { TrainingRunPrepared } from '../../schemas/types.generated.ts';
import { ProcessorRunner } from '../../streams/processor.ts';
import { topics } from '../../streams/topics.ts';
import { runStoreOf, type MlopsDeps, type MlopsProcessorOptions } from '../../mlops/deps.ts';
import { runStepProcessor } from '../../mlops/handle-runs.ts';
import { runTraining, trainingFailed } from './run-training.ts';

export const TRAINER = 'trainer';

export function createTrainerProcessor(deps: MlopsDeps, options: MlopsProcessorOptions = {}): ProcessorRunner<TrainingRunPrepared> {
  const store = runStoreOf(deps);
  const spec = runStepProcessor(
    {
      name: TRAINER,
      topic: topics.trainingPrepared.name,
      step: 'trained',
      runIdOf: (e) => e.runId,
      modelNameOf: (e) => e.modelName,
      wanted: (e) => e.error === null,
      run: async (prepared, ctx) => {
        const completed = await runTraining({ ...deps, store }, prepared, {
          progress: (line) => {
            ctx.log.info({ runId: prepared.runId }, line);
            options.onProgress?.(prepared.runId, line);
          },
          tick: async () => {
            await ctx.heartbeat().catch(() => undefined);
            await new Promise((resolve) => setImmediate(resolve));
          },
        });
        await ctx.producer.send(topics.trainingCompleted.name, [{ key: prepared.runId, value: completed }]);
      },
      fail: async (prepared, error, ctx) => {
        await ctx.producer.send(topics.trainingCompleted.name, [{ key: prepared.runId, value: trainingFailed(prepared, error) }]);
      },
    },
    deps.producer.codec,
    store,
    options,
  );
  return new ProcessorRunner(spec, deps.kafka, deps.producer);
}
