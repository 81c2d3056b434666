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
  } catch (err) {
    const signed = signatureOf(bytes);
    if (signed) throw damaged(signed, bytes, err);
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
  } catch (err) {
    throw damaged(format, bytes, err);
  }
  return { format: format === 'heif' ? 'avif' : format, width, height, bytes: bytes.length };
}

// The leading bytes of each accepted format, to tell a damaged image from a file that is none.
const SIGNATURES: Array<[string, (b: Buffer) => boolean]> = [
  ['jpeg', (b) => b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff],
  ['png', (b) => b.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))],
  ['gif', (b) => /^GIF8[79]a/.test(b.subarray(0, 6).toString('latin1'))],
  ['webp', (b) => b.subarray(0, 4).toString('latin1') === 'RIFF' && b.subarray(8, 12).toString('latin1') === 'WEBP'],
  ['tiff', (b) => ['II*\0', 'MM\0*'].includes(b.subarray(0, 4).toString('latin1'))],
  ['avif', (b) => b.subarray(4, 8).toString('latin1') === 'ftyp' && /^avi[fs]$/.test(b.subarray(8, 12).toString('latin1'))],
];

function signatureOf(bytes: Buffer): string | undefined {
  return SIGNATURES.find(([, test]) => test(bytes))?.[0];
}

/** Whether a file of `format` ends before its own end: the end marker is missing or the declared size is larger. */
function isCut(format: string, bytes: Buffer, err: unknown): boolean {
  if (format === 'jpeg') return !(bytes[bytes.length - 2] === 0xff && bytes[bytes.length - 1] === 0xd9);
  if (format === 'png') return !bytes.subarray(-12, -8).equals(Buffer.from([0, 0, 0, 0])) || bytes.subarray(-8, -4).toString('latin1') !== 'IEND';
  if (format === 'gif') return bytes[bytes.length - 1] !== 0x3b;
  if (format === 'webp') return bytes.length < 12 || bytes.readUInt32LE(4) + 8 > bytes.length;
  return /premature end|unexpected end|truncated|bad seek|not enough data/i.test(err instanceof Error ? err.message : String(err));
}

function damaged(format: string, bytes: Buffer, err: unknown) {
  if (isCut(format, bytes, err)) return unsupportedMedia(`the ${format} image is truncated: it ends after ${bytes.length} bytes, before its image data does; send the whole file`);
  return unsupportedMedia(`the ${format} image is corrupt and cannot be decoded`);
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
