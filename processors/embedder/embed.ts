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
  /** Image downloads in flight (per part). */
  concurrency: number;
  /** Parts of `batchSize` products being fetched and embedded at once; default 2. */
  partsInFlight?: number;
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
  const imageVectors = new Map<number, Float32Array>();
  const textVectors = new Map<number, Float32Array>();
  const failed = new Map<number, string>();

  // A part's images are fetched and embedded while its names are embedded: the model server runs
  // its image and text encoders side by side, and the next part's downloads overlap this part's runs.
  const images = async (part: ProductIngested[]): Promise<void> => {
    const loaded = await mapLimit(part, settings.concurrency, (p) => loadImage(deps.s3, p.imageNormalizedKey));
    const withImage: Array<{ id: number; bytes: Buffer }> = [];
    part.forEach((p, i) => {
      const image = loaded[i]!;
      if (image.ok) withImage.push({ id: p.id, bytes: image.bytes });
      else failed.set(p.id, image.reason);
    });
    if (withImage.length === 0) return;
    const vectors = await embedImageBatch(deps.encoder, version, withImage.map((b) => b.bytes));
    withImage.forEach((b, i) => {
      const v = vectors[i]!;
      if (typeof v === 'string') failed.set(b.id, v);
      else imageVectors.set(b.id, v);
    });
  };
  const texts = async (part: ProductIngested[]): Promise<void> => {
    const named = part.filter((p) => (p.productDisplayName ?? '').trim() !== '');
    if (named.length === 0) return;
    const r = await call(() => deps.encoder.embedTexts(named.map((p) => p.productDisplayName!.trim()), version));
    checkVersion(version, r.modelVersion);
    named.forEach((p, i) => textVectors.set(p.id, r.vectors[i]!));
  };
  const parts = chunks(products, settings.batchSize);
  let next = 0;
  let stop = false;
  const worker = async (): Promise<void> => {
    while (next < parts.length && !stop) {
      const part = parts[next++]!;
      try {
        await Promise.all([images(part), texts(part)]);
      } catch (err) {
        stop = true; // the batch is retried as a whole; start nothing more of it
        throw err;
      }
      await settings.onProgress?.();
    }
  };
  await Promise.all(Array.from({ length: Math.min(settings.partsInFlight ?? 2, parts.length) }, worker));
  // In product order, as before, so dead letters follow the batch.
  const failures: EmbedResult['failures'] = products.filter((p) => failed.has(p.id)).map((p) => ({ productId: p.id, reason: failed.get(p.id)! }));

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
