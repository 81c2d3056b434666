// The champion of a model name: the version of its newest ModelPromoted on the promotions log, with
// the history (for rollback); while there is none, the version the model server serves by default.
import type { Kafka } from 'kafkajs';
import type { ModelPromoted } from '../schemas/types.generated.ts';
import type { EventCodec } from '../streams/codec.ts';
import { readEvents } from '../streams/read-to-end.ts';
import { topics } from '../streams/topics.ts';
import type { Encoder } from './frozen-embeddings.ts';

export async function promotionHistory(kafka: Kafka, codec: EventCodec, modelName: string): Promise<ModelPromoted[]> {
  const history: ModelPromoted[] = [];
  await readEvents(kafka, codec, topics.promotions.name, (event) => {
    if (event.modelName === modelName) history.push(event);
  });
  return history;
}

export interface Champion {
  version: string;
  /** promotions: named by a ModelPromoted; model-server: the server's default (no promotion yet). */
  from: 'promotions' | 'model-server';
  history: ModelPromoted[];
}

export async function currentChampion(deps: { kafka: Kafka; codec: EventCodec; encoder?: Encoder }, modelName: string): Promise<Champion | undefined> {
  const history = await promotionHistory(deps.kafka, deps.codec, modelName);
  const last = history[history.length - 1];
  if (last) return { version: last.version, from: 'promotions', history };
  if (!deps.encoder) return undefined;
  const info = await deps.encoder.describe('');
  return { version: info.version, from: 'model-server', history };
}

/** Whether a ModelPromoted was a rollback (see promotions.ts: promotedBy "rollback:<who>"). */
export function isRollback(event: ModelPromoted): boolean {
  return event.promotedBy.startsWith('rollback');
}

/**
 * The version a rollback returns to: the champion before the current one took over. The history
 * is replayed as a stack (a promotion pushes, a rollback pops), starting from the version the first
 * promotion replaced, so two rollbacks walk back two steps and nothing rolls back past the start.
 */
export function rollbackTarget(history: ModelPromoted[]): { from: string; to: string } | undefined {
  const first = history[0];
  if (!first) return undefined;
  const stack: string[] = first.previousVersion ? [first.previousVersion] : [];
  for (const event of history) {
    if (isRollback(event) && stack.length > 1 && stack[stack.length - 2] === event.version) stack.pop();
    else if (stack[stack.length - 1] !== event.version) stack.push(event.version);
  }
  if (stack.length < 2) return undefined;
  return { from: stack[stack.length - 1]!, to: stack[stack.length - 2]! };
}
