// Image inputs: an upload is checked by the image rules the dispatcher shares (platform/image-rules.ts:
// it must decode, in a format the model server reads, within the pixel limit) before it reaches the
// model server; objects are read from the uploads bucket within the size limit; image URLs point at the gateway's image route.
import type * as Minio from 'minio';
import { getObjectBytes } from '../platform/s3.ts';
import { checkImageSize, ImageRuleError, inspectImageBytes, type ImageInfo, type ImageRejection } from '../platform/image-rules.ts';
import { badRequest, notFound, tooLarge, unsupportedMedia, type GatewayError } from './errors.ts';

export { IMAGE_FORMATS, type ImageInfo } from '../platform/image-rules.ts';

const STATUS_OF: Record<ImageRejection, (message: string) => GatewayError> = {
  empty: badRequest,
  'not-image': unsupportedMedia,
  format: unsupportedMedia,
  damaged: unsupportedMedia,
  'too-large': tooLarge,
};

/**
 * Checks that `bytes` is a decodable image of an accepted format (platform/image-rules.ts, the rules
 * the dispatcher applies too): 400 if empty, 415 if no accepted image, 413 if too many pixels.
 */
export async function inspectImage(bytes: Buffer, maxPixels: number): Promise<ImageInfo> {
  try {
    return await inspectImageBytes(bytes, maxPixels);
  } catch (err) {
    if (err instanceof ImageRuleError) throw STATUS_OF[err.rejection](err.message);
    throw err;
  }
}

/** Why `key` is no safe object key (MinIO refuses some; others would leave the bucket's folders), or undefined. */
function objectKeyProblem(key: string): string | undefined {
  if (key.length === 0) return 'it is empty';
  const bytes = Buffer.byteLength(key);
  if (bytes > 1024) return `it has ${bytes} bytes; at most 1024`;
  if (/[\u0000-\u001f\u007f]/.test(key)) return 'it contains a control character';
  if (key.includes('\\')) return 'it contains a backslash';
  const segments = key.split('/');
  if (segments.some((s) => s === '' || s === '.' || s === '..')) return 'it has an empty, "." or ".." segment';
  const longest = Math.max(...segments.map((s) => Buffer.byteLength(s)));
  if (longest > 255) return `it has a segment of ${longest} bytes; at most 255`;
  return undefined;
}

/**
 * A safe object key: at most 1024 bytes, no control characters, no backslash, no empty, "." or
 * ".." segments, no segment over 255 bytes (MinIO answers those with errors the gateway would
 * otherwise pass on as 500s).
 */
export function checkObjectKey(key: string): string {
  const problem = objectKeyProblem(key);
  if (problem) throw badRequest(`invalid object key "${key.slice(0, 100)}": ${problem}`);
  return key;
}

function isMissing(err: unknown): boolean {
  const code = (err as { code?: string }).code;
  return code === 'NotFound' || code === 'NoSuchKey' || code === 'NoSuchBucket';
}

/** Reads an object of `bucket` within `limit` bytes: 404 if it does not exist, 413 if larger. */
export async function readObject(s3: Minio.Client, bucket: string, key: string, limit: number): Promise<Buffer> {
  checkObjectKey(key);
  let size: number;
  try {
    size = (await s3.statObject(bucket, key)).size;
  } catch (err) {
    if (isMissing(err)) throw notFound(`no object "${key}" in bucket ${bucket}`);
    throw err;
  }
  try {
    checkImageSize(size, limit, `object "${key}"`);
  } catch (err) {
    if (err instanceof ImageRuleError) throw tooLarge(err.message);
    throw err;
  }
  try {
    return await getObjectBytes(s3, bucket, key);
  } catch (err) {
    if (isMissing(err)) throw notFound(`no object "${key}" in bucket ${bucket}`);
    throw err;
  }
}

export const IMAGES_PATH = '/api/v1/images/';

/** The URL of an image served by the gateway, absolute when `base` is given. */
export function imageUrl(key: string | null, base: string): string | null {
  if (key === null) return null;
  return `${base}${IMAGES_PATH}${key.split('/').map(encodeURIComponent).join('/')}`;
}

/** Content-addressed keys (<folder>/<sha256>.<ext>) never change, so clients may cache them for good. */
export function isImmutableKey(key: string): boolean {
  return /^[a-z0-9_-]+\/[0-9a-f]{64}\.[a-z0-9]+$/.test(key);
}
