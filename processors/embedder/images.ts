// Fetches a product's normalised image from MinIO and checks that it is an image. A missing object or
// bytes that are not an image are the product's problem (dead letter), anything else is retried.
import sharp from 'sharp';
import type * as Minio from 'minio';
import { buckets, getObjectBytes } from '../../platform/s3.ts';

export type LoadedImage = { ok: true; bytes: Buffer } | { ok: false; reason: string };

const MISSING = new Set(['NoSuchKey', 'NotFound', 'NoSuchBucket']);

export async function loadImage(s3: Minio.Client, key: string, bucket: string = buckets.images): Promise<LoadedImage> {
  let bytes: Buffer;
  try {
    bytes = await getObjectBytes(s3, bucket, key);
  } catch (err) {
    const code = (err as { code?: string }).code;
    if (code && MISSING.has(code)) return { ok: false, reason: `image object missing: ${bucket}/${key} (${code})` };
    throw err;
  }
  // The header is enough here (format, size, channels): a body that fails to decode past it is
  // refused by the model server, and the embedder finds and dead-letters that image too.
  try {
    const meta = await sharp(bytes).metadata();
    if (!meta.width || !meta.height || !meta.channels) throw new Error('no width, height or channels');
  } catch (err) {
    return { ok: false, reason: `undecodable image ${bucket}/${key}: ${(err as Error).message}` };
  }
  return { ok: true, bytes };
}

/** Maps items with at most `limit` calls in flight, keeping order. */
export async function mapLimit<T, R>(items: T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}
