// Embeds products for one model version: their normalised images and their display names, through
// the model server in batches. Products whose image is missing or undecodable come back as
// failures (with the reason) and as an event without an image embedding, so the version still
// accounts for every product of the catalog.
import type * as Minio from 'minio';
import type { ProductEmbedded, ProductIngested } from '../../schemas/types.generated.ts';
import { TransientError } from '../../platform/errors.ts';
import { asTransientIfNotFound, grpcCode, GrpcStatus, type Encoder } from './encoder.ts';
import { attributesOf } from './fingerprint.ts';
import { loadImage, mapLimit } from './images.ts';

export interface EmbedDeps {
  s3: Minio.Client;
  encoder: Encoder;
}

export interface EmbedSettings {
  /** Largest batch sent to the model server in one call. */
  batchSize: number;
  /** Image downloads in flight. */
  concurrency: number;
  /** Called between model calls of a long batch (consumer heartbeats). */
  onProgress?: () => Promise<void>;
}

export interface EmbedResult {
  events: ProductEmbedded[];
  failures: Array<{ productId: number; reason: string }>;
}

async function call<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw asTransientIfNotFound(err);
  }
}

function checkVersion(asked: string, answered: string): void {
  if (asked !== answered) throw new TransientError(`model server answered with version ${answered} when asked for ${asked}`);
}

/** Embeds a batch of images; when the server rejects the batch as invalid, finds the culprits one by one. */
async function embedImageBatch(encoder: Encoder, version: string, images: Buffer[]): Promise<Array<Float32Array | string>> {
  try {
    const r = await call(() => encoder.embedImages(images, version));
    checkVersion(version, r.modelVersion);
    return r.vectors;
  } catch (err) {
    if (grpcCode(err) !== GrpcStatus.INVALID_ARGUMENT) throw err;
    if (images.length === 1) return [`model server rejected the image: ${(err as Error).message}`];
    const out: Array<Float32Array | string> = [];
    for (const image of images) out.push(...(await embedImageBatch(encoder, version, [image])));
    return out;
  }
}

function chunks<T>(items: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

export async function embedProducts(products: ProductIngested[], version: string, dimension: number, deps: EmbedDeps, settings: EmbedSettings): Promise<EmbedResult> {
  const images = await mapLimit(products, settings.concurrency, (p) => loadImage(deps.s3, p.imageNormalizedKey));
  const imageVectors = new Map<number, Float32Array>();
  const failures: EmbedResult['failures'] = [];
  const withImage: Array<{ id: number; bytes: Buffer }> = [];
  products.forEach((p, i) => {
    const image = images[i]!;
    if (image.ok) withImage.push({ id: p.id, bytes: image.bytes });
    else failures.push({ productId: p.id, reason: image.reason });
  });
  for (const batch of chunks(withImage, settings.batchSize)) {
    const vectors = await embedImageBatch(deps.encoder, version, batch.map((b) => b.bytes));
    batch.forEach((b, i) => {
      const v = vectors[i]!;
      if (typeof v === 'string') failures.push({ productId: b.id, reason: v });
      else imageVectors.set(b.id, v);
    });
    await settings.onProgress?.();
  }

  const textVectors = new Map<number, Float32Array>();
  const named = products.filter((p) => (p.productDisplayName ?? '').trim() !== '');
  for (const batch of chunks(named, settings.batchSize)) {
    const r = await call(() => deps.encoder.embedTexts(batch.map((p) => p.productDisplayName!.trim()), version));
    checkVersion(version, r.modelVersion);
    batch.forEach((p, i) => textVectors.set(p.id, r.vectors[i]!));
    await settings.onProgress?.();
  }

  const now = Date.now();
  const events = products.map((p): ProductEmbedded => {
    const image = imageVectors.get(p.id);
    const text = textVectors.get(p.id);
    return {
      productId: p.id,
      modelVersion: version,
      dimension,
      imageEmbedding: image ? Array.from(image) : null,
      textEmbedding: text ? Array.from(text) : null,
      ...attributesOf(p, image !== undefined),
      embeddedAt: now,
    };
  });
  return { events, failures };
}
