// Frozen encoder outputs of catalog rows, from the model server: embedImages of each product's
// normalised image (from the images bucket) and embedTexts of its display name, for one model
// version. Cached per (version, catalog fingerprint) so training runs and evaluations on the same
// catalog embed it once.
import type * as Minio from 'minio';
import type { EncoderClient } from '../proto/client.ts';
import { withRetries } from '../platform/backoff.ts';
import { PoisonError } from '../platform/errors.ts';
import { buckets, getObjectBytes } from '../platform/s3.ts';
import { cachedObject, type CacheOptions } from './cached-object.ts';
import { decodeTable, encodeTable, type EmbeddingTable } from './embedding-table.ts';
import { embeddingCacheKey } from './layout.ts';
import type { CatalogRow } from './manifests.ts';

export type Encoder = Pick<EncoderClient, 'embedImages' | 'embedTexts' | 'describe'>;

export interface EmbedProgress {
  done: number;
  total: number;
  perSecond: number;
}

export interface EmbedOptions {
  /** Items per model-server call; default min(64, the server's max batch). */
  batchSize?: number;
  /** Calls in flight; default 2. */
  inFlight?: number;
  onProgress?: (progress: EmbedProgress) => void;
  /** Called between batches (a processor's heartbeat). */
  tick?: () => Promise<void>;
}

const MISSING = new Set(['NoSuchKey', 'NotFound', 'NoSuchBucket']);

async function fetchImage(s3: Minio.Client, key: string): Promise<Buffer> {
  try {
    return await getObjectBytes(s3, buckets.images, key);
  } catch (err) {
    const code = (err as { code?: string }).code;
    if (code && MISSING.has(code)) throw new PoisonError(`image ${buckets.images}/${key} is missing`);
    throw err;
  }
}

export async function batchSizeFor(encoder: Encoder, version: string, wanted?: number): Promise<{ batchSize: number; dim: number }> {
  const info = await withRetries(() => encoder.describe(version));
  const max = info.maxBatch > 0 ? info.maxBatch : 64;
  return { batchSize: Math.max(1, Math.min(wanted ?? 64, max)), dim: info.dimension };
}

/** Runs `work` over consecutive slices of `count` items with `inFlight` slices at a time. */
async function inSlices(count: number, size: number, inFlight: number, work: (start: number, end: number) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < count) {
      const start = next;
      next = Math.min(count, next + size);
      await work(start, next);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, inFlight) }, worker));
}

function check(out: { dimension: number; vectors: Float32Array[] }, expected: number, dim: number): void {
  if (out.dimension !== dim || out.vectors.length !== expected) throw new Error(`model server answered ${out.vectors.length} vectors of dimension ${out.dimension} for ${expected} inputs of dimension ${dim}`);
}

/**
 * Embeds every row through the model server, rows in the given order: each product's image, and
 * each distinct display name once (many products share theirs).
 */
export async function embedRows(encoder: Encoder, s3: Minio.Client, rows: CatalogRow[], version: string, options: EmbedOptions = {}): Promise<EmbeddingTable> {
  const { batchSize, dim } = await batchSizeFor(encoder, version, options.batchSize);
  const inFlight = options.inFlight ?? 2;
  const names = [...new Set(rows.map((r) => r.displayName))];
  const total = rows.length + names.length;
  const image = new Float32Array(rows.length * dim);
  const byName = new Map<string, Float32Array>();
  const started = Date.now();
  let done = 0;
  const progress = async (n: number): Promise<void> => {
    done += n;
    options.onProgress?.({ done, total, perSecond: done / Math.max((Date.now() - started) / 1000, 1e-3) });
    await options.tick?.();
  };
  await inSlices(rows.length, batchSize, inFlight, async (start, end) => {
    const batch = rows.slice(start, end);
    const images = await Promise.all(batch.map((r) => withRetries(() => fetchImage(s3, r.imageKey))));
    const out = await withRetries(() => encoder.embedImages(images, version));
    check(out, batch.length, dim);
    out.vectors.forEach((v, i) => image.set(v, (start + i) * dim));
    await progress(batch.length);
  });
  await inSlices(names.length, batchSize, inFlight, async (start, end) => {
    const batch = names.slice(start, end);
    const out = await withRetries(() => encoder.embedTexts(batch, version));
    check(out, batch.length, dim);
    out.vectors.forEach((v, i) => byName.set(batch[i]!, v));
    await progress(batch.length);
  });
  const text = new Float32Array(rows.length * dim);
  rows.forEach((r, i) => text.set(byName.get(r.displayName)!, i * dim));
  return { version, dim, ids: rows.map((r) => r.id), image, text };
}

export interface FrozenEmbeddingsDeps extends CacheOptions {
  encoder: Encoder;
  s3: Minio.Client;
}

/** The version's embeddings of every row of a catalog (rows sorted by id), from the cache or the model server. */
export async function frozenEmbeddings(deps: FrozenEmbeddingsDeps, version: string, rows: CatalogRow[], fingerprint: string, options: EmbedOptions = {}): Promise<{ table: EmbeddingTable; from: string; seconds: number }> {
  const began = Date.now();
  const { bytes, from } = await cachedObject(deps, embeddingCacheKey(version, fingerprint), async () => {
    deps.log?.(`embedding ${rows.length} products (images and display names) with ${version} through the model server`);
    return encodeTable(await embedRows(deps.encoder, deps.s3, rows, version, options));
  });
  const table = decodeTable(bytes);
  if (table.ids.length !== rows.length || table.ids.some((id, i) => id !== rows[i]!.id)) throw new Error(`cached embeddings ${embeddingCacheKey(version, fingerprint)} do not match the catalog rows`);
  return { table, from, seconds: (Date.now() - began) / 1000 };
}
