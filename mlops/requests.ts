// Asking for a training run: the TrainingRunRequested the CLI (`npx vitrina train`) and the
// gateway's admin endpoint both send. Parameters are checked here, so a bad one is refused at once.
import { processSettings } from '../platform/env-table.ts';
import type { TrainingRunRequested } from '../schemas/types.generated.ts';
import type { EventProducer } from '../streams/producer.ts';
import { topics } from '../streams/topics.ts';
import { isRunId, newRunId } from './layout.ts';
import { checkParameters } from './parameters.ts';

export interface TrainingRequestInput {
  runId?: string;
  requestedBy?: string;
  modelName?: string;
  baseModelVersion?: string | null;
  datasetSnapshot?: string | null;
  seed?: number;
  testFraction?: number;
  parameters?: Record<string, string>;
}

export function buildTrainingRequest(input: TrainingRequestInput, now = Date.now()): TrainingRunRequested {
  const runId = input.runId ?? newRunId(new Date(now));
  if (!isRunId(runId)) throw new RangeError(`run id "${runId}" must be 3–63 characters of a-z, 0-9 and "-"`);
  const seed = input.seed ?? 42;
  if (!Number.isInteger(seed) || seed < 0 || seed > 2 ** 31 - 1) throw new RangeError(`seed must be an integer in 0..2^31-1, got ${seed}`);
  const testFraction = input.testFraction ?? 0.2;
  if (!(testFraction > 0 && testFraction < 1)) throw new RangeError(`test fraction must be in (0, 1), got ${testFraction}`);
  const parameters = input.parameters ?? {};
  checkParameters(parameters);
  return {
    runId,
    requestedBy: input.requestedBy ?? 'cli',
    baseModelVersion: input.baseModelVersion ?? null,
    seed,
    testFraction,
    parameters,
    requestedAt: now,
    modelName: input.modelName ?? processSettings().VITRINA_MODEL_NAME,
    datasetSnapshot: input.datasetSnapshot ?? null,
  };
}

export async function requestTraining(producer: EventProducer, input: TrainingRequestInput): Promise<TrainingRunRequested> {
  const request = buildTrainingRequest(input);
  await producer.send(topics.trainingRequested.name, [{ key: request.runId, value: request }]);
  return request;
}
