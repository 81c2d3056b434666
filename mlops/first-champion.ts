// The champion a fresh system serves enters the event log: while vitrina.model-promotions holds no
// ModelPromoted for a model name, the model server serves its default (the base model bundled in
// models/base, else tiny) and nothing says so. registerFirstChampion publishes one ModelPromoted
// for that version (previousVersion null, promotedBy "system:bundled"), so the model registry, the
// models page and GraphQL show the champion that answers searches, and a replay reproduces it.
// Idempotent per model name: once the log names a champion nothing is published. Two processes
// starting together may both publish; both name the same version, so the champion is the same and
// the registry keeps the first (applyPromotion skips a repeat).
import type { Kafka } from 'kafkajs';
import type { ModelPromoted } from '../schemas/types.generated.ts';
import type { EventProducer } from '../streams/producer.ts';
import { topics } from '../streams/topics.ts';
import { promotionHistory } from './champion.ts';

export const FIRST_CHAMPION_BY = 'system:bundled';

/** Publishes the served default as the first champion when the log names none; returns the event, or undefined when one was already named. */
export async function registerFirstChampion(deps: { kafka: Kafka; producer: EventProducer }, input: { modelName: string; version: string; now?: number }): Promise<ModelPromoted | undefined> {
  const history = await promotionHistory(deps.kafka, deps.producer.codec, input.modelName);
  if (history.length > 0) return undefined;
  const event: ModelPromoted = {
    modelName: input.modelName,
    version: input.version,
    previousVersion: null,
    reason: `the model server's default (${input.version}, the bundled base model unless VITRINA_DEFAULT_MODEL names another) registered at first start`,
    promotedBy: FIRST_CHAMPION_BY,
    promotedAt: input.now ?? Date.now(),
  };
  await deps.producer.send(topics.promotions.name, [{ key: input.modelName, value: event }]);
  return event;
}
