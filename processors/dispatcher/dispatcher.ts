// The streaming inference path: an image put in the uploads bucket → MinIO's notification on
// vitrina.uploads.notifications → this processor fetches the object, embeds it with the model
// server, finds its nearest catalog products and a predicted articleType, and publishes an
// ImagePrediction on vitrina.image-predictions. Idempotent per object key and ETag.
import type { KafkaMessage } from 'kafkajs';
import type * as Minio from 'minio';
import type { EncoderClient } from '../../proto/client.ts';
import type { SearchCore } from '../../projections/embeddings/search.ts';
import type { ImagePrediction } from '../../schemas/types.generated.ts';
import { sendToDeadLetter, type FailedMessage } from '../../streams/dead-letter.ts';
import { PoisonError } from '../../platform/errors.ts';
import { processSettings } from '../../platform/env-table.ts';
import { checkImageSize, ImageRuleError, imageLimits, inspectImageBytes, type ImageLimits } from '../../platform/image-rules.ts';
import type { ProcessorSpec } from '../../streams/processor.ts';
import type { EventProducer } from '../../streams/producer.ts';
import { getObjectBytes } from '../../platform/s3.ts';
import { topics } from '../../streams/topics.ts';
import type { PredictionLedger } from './ledger.ts';
import { createdObjects, type CreatedObject } from './s3-event.ts';
import { weightedVote } from './vote.ts';

export interface DispatcherDeps {
  s3: Minio.Client;
  encoder: Pick<EncoderClient, 'embedImages'>;
  search: Pick<SearchCore, 'byImageVector' | 'liveVersion'>;
  ledger: PredictionLedger;
  producer: EventProducer;
  /** Neighbours per prediction; default 10. */
  k?: number;
  /** Size and pixel limits; default the gateway's (platform/image-rules.ts), from the process's settings. */
  limits?: ImageLimits;
}

const GRPC_INVALID_ARGUMENT = 3;

function isMissingObject(err: unknown): boolean {
  const code = (err as { code?: string }).code;
  return code === 'NoSuchKey' || code === 'NotFound';
}

/** The object's bytes after the gateway's size rule, checked before anything is read; undefined when it is gone. */
async function readUpload(object: CreatedObject, deps: DispatcherDeps, limits: ImageLimits): Promise<Buffer | undefined> {
  const name = `${object.bucket}/${object.key}`;
  try {
    checkImageSize((await deps.s3.statObject(object.bucket, object.key)).size, limits.uploadLimitBytes, name);
    return await getObjectBytes(deps.s3, object.bucket, object.key);
  } catch (err) {
    if (isMissingObject(err)) return undefined; // deleted since the notification
    if (err instanceof ImageRuleError) throw new PoisonError(err.message);
    throw err;
  }
}

/**
 * Predicts one uploaded object; undefined when it is already predicted (or rejected) or gone. An
 * object the gateway would refuse (over the size limit, not an accepted image, too many pixels) or
 * the model server refuses throws a PoisonError with the reason; see rejectUpload.
 */
export async function predict(object: CreatedObject, deps: DispatcherDeps, processor = 'dispatcher'): Promise<ImagePrediction | undefined> {
  if (await deps.ledger.has(object.bucket, object.key, object.etag)) return undefined;
  const limits = deps.limits ?? imageLimits(processSettings());
  const bytes = await readUpload(object, deps, limits);
  if (!bytes) return undefined;
  try {
    await inspectImageBytes(bytes, limits.maxImagePixels);
  } catch (err) {
    if (err instanceof ImageRuleError) throw new PoisonError(`${object.bucket}/${object.key} is not a usable image: ${err.message}`);
    throw err;
  }
  // The image is embedded by the version live in the index, not by the model server's champion:
  // after a promotion the server swaps at once while the index keeps the previous version until the
  // new one is complete, and a vector is only comparable with its own version's embeddings.
  const live = await deps.search.liveVersion();
  let embedding;
  try {
    embedding = await deps.encoder.embedImages([bytes], live);
  } catch (err) {
    if ((err as { code?: number }).code === GRPC_INVALID_ARGUMENT) {
      throw new PoisonError(`${object.bucket}/${object.key} is not a usable image: ${(err as Error).message}`);
    }
    throw err;
  }
  const page = await deps.search.byImageVector(embedding.vectors[0]!, { k: deps.k ?? 10, modelVersion: embedding.modelVersion });
  const neighbours = page.hits.map((h) => ({ productId: h.product.id, score: h.score, articleType: h.product.articleType }));
  const vote = weightedVote(neighbours);
  const prediction: ImagePrediction = {
    bucket: object.bucket,
    objectKey: object.key,
    etag: object.etag,
    modelVersion: embedding.modelVersion,
    predictedArticleType: vote.articleType,
    confidence: vote.confidence,
    neighbours,
    predictedAt: Date.now(),
  };
  await deps.producer.send(topics.predictions.name, [{ key: `${object.bucket}/${object.key}`, value: prediction }]);
  await deps.ledger.recordPredicted(object, embedding.modelVersion, processor);
  return prediction;
}

/**
 * Dead-letters one rejected object with its reason, then records it rejected in the ledger (an
 * UploadHandled with the same reason), in that order: a crash in between gives a second dead letter,
 * never none (marking it first made a re-run of a split batch skip it, and 5 of 6 rejected uploads
 * got no dead letter).
 */
export async function rejectUpload(deps: DispatcherDeps, object: CreatedObject, failed: FailedMessage, err: PoisonError, processor: string): Promise<void> {
  await sendToDeadLetter(deps.producer, failed, err, processor, 1);
  await deps.ledger.recordRejected(object, err.message, processor);
}

/** Predicts an object, or dead-letters it when it is poison; true when it was rejected. */
export async function predictOrReject(object: CreatedObject, deps: DispatcherDeps, failed: FailedMessage, processor: string): Promise<boolean> {
  try {
    await predict(object, deps, processor);
    return false;
  } catch (err) {
    if (!(err instanceof PoisonError)) throw err;
    await rejectUpload(deps, object, failed, err, processor);
    return true;
  }
}

export function dispatcherSpec(deps: DispatcherDeps, groupId?: string): ProcessorSpec<CreatedObject[]> {
  return {
    name: 'dispatcher',
    groupId,
    topics: [topics.uploads.name],
    maxBatch: 20,
    decode: (_topic: string, message: KafkaMessage) => createdObjects(message.value),
    // Each object is predicted or dead-lettered on its own, so one bad upload never fails the
    // batch; what is thrown is transient and the batch is retried (the ledger skips what is done).
    handle: async (batch) => {
      for (const message of batch) for (const object of message.value) await predictOrReject(object, deps, message, 'dispatcher');
    },
  };
}
