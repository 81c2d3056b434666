// The training-run processor (consumer group "vitrina.training-run"): every TrainingRunRequested of
// its model name becomes a prepared experiment and a TrainingRunPrepared event.
import type { TrainingRunRequested } from '../../schemas/types.generated.ts';
import { ProcessorRunner } from '../../streams/processor.ts';
import { topics } from '../../streams/topics.ts';
import { runStoreOf, type MlopsDeps, type MlopsProcessorOptions } from '../../mlops/deps.ts';
import { runStepProcessor } from '../../mlops/handle-runs.ts';
import { preparationFailed, prepareRun } from './prepare.ts';

export const TRAINING_RUN = 'training-run';

export function createTrainingRunProcessor(deps: MlopsDeps, options: MlopsProcessorOptions = {}): ProcessorRunner<TrainingRunRequested> {
  const store = runStoreOf(deps);
  const codec = deps.producer.codec;
  const spec = runStepProcessor(
    {
      name: TRAINING_RUN,
      topic: topics.trainingRequested.name,
      step: 'prepared',
      runIdOf: (e) => e.runId,
      modelNameOf: (e) => e.modelName,
      run: async (request, ctx) => {
        const prepared = await prepareRun({ ...deps, codec, store }, request);
        const line = `prepared ${prepared.datasetSnapshot}: ${prepared.catalogSize} products, ${prepared.trainSize} train / ${prepared.testSize} test in ${prepared.classCounts.length} articleTypes (seed ${prepared.seed}); base ${prepared.baseModelVersion}`;
        ctx.log.info({ runId: request.runId }, line);
        options.onProgress?.(request.runId, line);
        await ctx.producer.send(topics.trainingPrepared.name, [{ key: request.runId, value: prepared }]);
      },
      fail: async (request, error, ctx) => {
        await ctx.producer.send(topics.trainingPrepared.name, [{ key: request.runId, value: preparationFailed(request, error) }]);
      },
    },
    codec,
    store,
    options,
  );
  return new ProcessorRunner(spec, deps.kafka, deps.producer);
}
