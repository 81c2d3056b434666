// Promotions by hand (`npx vitrina models promote <version>`, `models rollback`, and the gateway's
// admin endpoints): a ModelPromoted naming who did it. The caller authenticates first
// (admin-token.ts) and passes the identity it got.
import type { Kafka } from 'kafkajs';
import type * as Minio from 'minio';
import { ModelStore } from '../models/store.ts';
import { ConflictError, NotFoundError } from '../platform/errors.ts';
import type { ModelPromoted } from '../schemas/types.generated.ts';
import type { EventProducer } from '../streams/producer.ts';
import { topics } from '../streams/topics.ts';
import { currentChampion, promotionHistory, rollbackTarget } from './champion.ts';
import type { Encoder } from './frozen-embeddings.ts';

export interface PromotionDeps {
  kafka: Kafka;
  producer: EventProducer;
  s3: Minio.Client;
  cacheDir: string;
  encoder?: Encoder;
}

/** A promotion by hand that conflicts with the log: the version is already the champion, or there is nothing to roll back to. */
export class PromotionError extends ConflictError {
  override name = 'PromotionError';
}

/** A promotion by hand of a version that is stored nowhere. */
export class UnknownVersionError extends NotFoundError {
  override name = 'UnknownVersionError';
}

export async function promoteByHand(deps: PromotionDeps, input: { version: string; modelName: string; identity: string; reason?: string; force?: boolean }): Promise<ModelPromoted> {
  if (!input.force && !(await new ModelStore({ cacheDir: deps.cacheDir, s3: deps.s3 }).available(input.version))) {
    throw new UnknownVersionError(`model version ${input.version} is neither in MinIO (vitrina-models/${input.version}/model.json), the cache nor the repository; --force promotes it anyway`);
  }
  const champion = await currentChampion({ kafka: deps.kafka, codec: deps.producer.codec, encoder: deps.encoder }, input.modelName).catch(() => undefined);
  if (champion?.version === input.version && champion.from === 'promotions') throw new PromotionError(`${input.version} is already the champion of ${input.modelName}`);
  const event: ModelPromoted = {
    modelName: input.modelName,
    version: input.version,
    previousVersion: champion?.version ?? null,
    reason: `promoted by hand${input.reason ? `: ${input.reason}` : ''}`,
    promotedBy: input.identity,
    promotedAt: Date.now(),
  };
  await deps.producer.send(topics.promotions.name, [{ key: input.modelName, value: event }]);
  return event;
}

export async function rollbackByHand(deps: PromotionDeps, input: { modelName: string; identity: string; reason?: string }): Promise<ModelPromoted> {
  const history = await promotionHistory(deps.kafka, deps.producer.codec, input.modelName);
  const target = rollbackTarget(history);
  if (!target) throw new PromotionError(`model ${input.modelName} has no earlier champion to roll back to (${history.length} promotions)`);
  const event: ModelPromoted = {
    modelName: input.modelName,
    version: target.to,
    previousVersion: target.from,
    reason: `rollback from ${target.from} to ${target.to}${input.reason ? `: ${input.reason}` : ''}`,
    promotedBy: `rollback:${input.identity}`,
    promotedAt: Date.now(),
  };
  await deps.producer.send(topics.promotions.name, [{ key: input.modelName, value: event }]);
  return event;
}
