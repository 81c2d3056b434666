// The shape every processor of the MLOps loop shares: decode the topic's events, keep those of its
// model name (and runs it accepts), skip a run whose step marker says it was done, otherwise do the
// step, send its event, then write the marker. A failure that retrying cannot fix becomes the
// step's failure event, so every run ends with an event that says why.
import type { AvroTopic, EventOf } from '../streams/topics.ts';
import { isTransient } from '../platform/errors.ts';
import type { HandlerContext, ProcessorSpec } from '../streams/processor.ts';
import type { EventCodec } from '../streams/codec.ts';
import { groupIdFor, modelNameOf, type MlopsProcessorOptions } from './deps.ts';
import type { RunStep } from './layout.ts';
import type { RunStore } from './store.ts';

export interface RunStepSpec<T extends AvroTopic> {
  name: string;
  topic: T;
  step: RunStep;
  runIdOf: (event: EventOf[T]) => string;
  modelNameOf: (event: EventOf[T]) => string;
  /** Whether this event asks for the step at all (a failed run upstream does not). */
  wanted?: (event: EventOf[T]) => boolean;
  /** Does the step and sends its event(s). */
  run: (event: EventOf[T], ctx: HandlerContext) => Promise<void>;
  /** Sends the failure event for a permanent error. */
  fail: (event: EventOf[T], error: Error, ctx: HandlerContext) => Promise<void>;
}

export function runStepProcessor<T extends AvroTopic>(spec: RunStepSpec<T>, codec: EventCodec, store: RunStore, options: MlopsProcessorOptions): ProcessorSpec<EventOf[T]> {
  const modelName = modelNameOf(options);
  return {
    name: spec.name,
    groupId: groupIdFor(options, spec.name),
    topics: [spec.topic],
    maxBatch: 1,
    decode: (topic, message) => {
      if (!message.value) throw new Error('empty message value');
      return codec.decode(topic as T, message.value);
    },
    handle: async (batch, ctx) => {
      for (const message of batch) {
        const event = message.value;
        const runId = spec.runIdOf(event);
        if (spec.modelNameOf(event) !== modelName) continue;
        if (options.acceptRun && !options.acceptRun(runId)) continue;
        if (spec.wanted && !spec.wanted(event)) continue;
        if (await store.isDone(runId, spec.step)) {
          ctx.log.info({ runId, step: spec.step }, 'step already done; skipped');
          continue;
        }
        try {
          await spec.run(event, ctx);
        } catch (err) {
          if (isTransient(err)) throw err;
          const error = err instanceof Error ? err : new Error(String(err));
          ctx.log.error({ runId, step: spec.step, err: error.message }, 'step failed');
          await spec.fail(event, error, ctx);
        }
        await store.markDone(runId, spec.step);
      }
    },
  };
}
