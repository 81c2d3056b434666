// The processors of the MLOps loop as `vitrina processor <name>` runs them (one line in
// cli/processors.ts adds them), and a helper that starts the whole loop in one process.
import type { Kafka } from 'kafkajs';
import { createEncoderClient, type EncoderClient } from '../proto/client.ts';
import { createProjector } from '../projections/projector.ts';
import { modelRegistryProjection } from '../projections/model-registry/projection.ts';
import { createEvaluatorProcessor, EVALUATOR } from '../processors/evaluator/processor.ts';
import { createPromoterProcessor, PROMOTER } from '../processors/promoter/processor.ts';
import { createTrainerProcessor, TRAINER } from '../processors/trainer/processor.ts';
import { createTrainingRunProcessor, TRAINING_RUN } from '../processors/training-run/processor.ts';
import { groupIdOf } from '../streams/processor.ts';
import { ensureTopics, topics } from '../streams/topics.ts';
import type { MlopsDeps, MlopsProcessorOptions } from '../mlops/deps.ts';
import type { Runnable, Runtime } from './runtime.ts';


export const MLOPS_TOPICS = [topics.trainingRequested, topics.trainingPrepared, topics.trainingCompleted, topics.evaluations, topics.promotionDecisions, topics.promotions];

export const MLOPS_STEPS = [TRAINING_RUN, TRAINER, EVALUATOR, PROMOTER] as const;
export type MlopsStep = (typeof MLOPS_STEPS)[number];

const factories: Record<MlopsStep, (deps: MlopsDeps, options: MlopsProcessorOptions) => Runnable> = {
  [TRAINING_RUN]: createTrainingRunProcessor,
  [TRAINER]: createTrainerProcessor,
  [EVALUATOR]: createEvaluatorProcessor,
  [PROMOTER]: createPromoterProcessor,
};

export function mlopsDeps(rt: Runtime, encoder: EncoderClient): MlopsDeps {
  return { kafka: rt.kafka, producer: rt.producer, s3: rt.s3, db: rt.db, encoder, cacheDir: rt.config.cacheDir };
}

export async function ensureMlopsTopics(kafka: Kafka): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    await ensureTopics(admin, MLOPS_TOPICS);
  } finally {
    await admin.disconnect();
  }
}

/** A runnable step with its own model-server client, closed when it stops. */
function runnableStep(step: MlopsStep, rt: Runtime, options: MlopsProcessorOptions): Runnable {
  const encoder = createEncoderClient(rt.config.modelServerAddress, 120_000);
  const processor = factories[step](mlopsDeps(rt, encoder), options);
  return {
    start: async () => {
      await ensureMlopsTopics(rt.kafka);
      await processor.start();
    },
    stop: async () => {
      await processor.stop();
      encoder.close();
    },
  };
}

/** For cli/processors.ts: `vitrina processor training-run | trainer | evaluator | promoter | projector.model-registry`. */
export const mlopsProcessorFactories: Record<string, (rt: Runtime, o: { group?: string; maxBatch?: number }) => Runnable> = {
  ...Object.fromEntries(MLOPS_STEPS.map((step) => [step, (rt: Runtime, o: { group?: string }) => runnableStep(step, rt, { groupId: o.group, modelName: rt.config.settings.VITRINA_MODEL_NAME })])),
  'projector.model-registry': (rt, o) => createProjector(modelRegistryProjection, rt, { groupId: o.group, maxBatch: o.maxBatch }),
};

/** The steps whose consumer group has no live member (so nobody else runs them now). */
export async function idleSteps(kafka: Kafka, steps: readonly MlopsStep[] = MLOPS_STEPS): Promise<MlopsStep[]> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const { groups } = await admin.describeGroups(steps.map(groupIdOf));
    return steps.filter((step) => (groups.find((g) => g.groupId === groupIdOf(step))?.members.length ?? 0) === 0);
  } finally {
    await admin.disconnect();
  }
}

export interface LoopHandle {
  started: MlopsStep[];
  stop(): Promise<void>;
}

/** Starts the given steps of the loop in this process, sharing one model-server client. */
export async function startMlopsSteps(rt: Runtime, steps: readonly MlopsStep[], options: MlopsProcessorOptions, encoder: EncoderClient): Promise<LoopHandle> {
  await ensureMlopsTopics(rt.kafka);
  const deps = mlopsDeps(rt, encoder);
  const running: Runnable[] = [];
  try {
    for (const step of steps) {
      const processor = factories[step](deps, options);
      await processor.start();
      running.push(processor);
    }
  } catch (err) {
    await Promise.allSettled(running.map((p) => p.stop()));
    throw err;
  }
  return {
    started: [...steps],
    stop: async () => {
      await Promise.allSettled(running.reverse().map((p) => p.stop()));
    },
  };
}
