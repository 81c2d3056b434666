// Image inputs: an upload is checked with sharp (it must decode, in a format the model server
// reads, within the pixel limit) before it reaches the model server; objects are read from the
// uploads bucket within the size limit; image URLs point at the gateway's image route.
import type * as Minio from 'minio';
import sharp, { type Metadata } from 'sharp';
import { getObjectBytes } from '../streams/s3.ts';
import { badRequest, notFound, tooLarge, unsupportedMedia } from './errors.ts';

export const IMAGE_FORMATS = ['jpeg', 'png', 'webp', 'gif', 'avif', 'tiff'] as const;

export interface ImageInfo {
  format: string;
  width: number;
  height: number;
  bytes: number;
}

/** Checks that `bytes` is a decodable image of an accepted format; 415 if not, 413 if too many pixels. */
export async function inspectImage(bytes: Buffer, maxPixels: number): Promise<ImageInfo> {
  if (bytes.length === 0) throw badRequest('the image is empty');
  let meta: Metadata;
  try {
    meta = await sharp(bytes, { limitInputPixels: false }).metadata();
  } catch {
    throw unsupportedMedia(`the file is not an image (accepted formats: ${IMAGE_FORMATS.join(', ')})`);
  }
  const format = meta.format ?? 'unknown';
  if (!(IMAGE_FORMATS as readonly string[]).includes(format === 'heif' && meta.compression === 'av1' ? 'avif' : format)) {
    throw unsupportedMedia(`images in ${format} format are not accepted (accepted formats: ${IMAGE_FORMATS.join(', ')})`);
  }
  const width = meta.width ?? 0;
  const height = meta.height ?? 0;
  if (width * height > maxPixels) throw tooLarge(`the image has ${width}×${height} pixels, more than the limit of ${maxPixels}`);
  try {
    // Decode the whole image (at a reduced size where the format allows) so a truncated or
    // corrupt file is refused here rather than by the model server.
    await sharp(bytes, { failOn: 'truncated', limitInputPixels: maxPixels }).resize(16, 16, { fit: 'inside' }).raw().toBuffer();
  } catch {
    throw unsupportedMedia(`the ${format} image is corrupt or truncated and cannot be decoded`);
  }
  return { format: format === 'heif' ? 'avif' : format, width, height, bytes: bytes.length };
}

/** A safe object key: no empty, "." or ".." segments, no control characters, at most 1024 bytes. */
export function checkObjectKey(key: string): string {
  const segments = key.split('/');
  if (key.length === 0 || Buffer.byteLength(key) > 1024 || /[\u0000-\u001f\u007f]/.test(key) || segments.some((s) => s === '' || s === '.' || s === '..')) {
    throw badRequest(`invalid object key "${key.slice(0, 100)}"`);
  }
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
  if (size > limit) throw tooLarge(`object "${key}" has ${size} bytes, more than the upload limit of ${limit} bytes`);
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
