// The rules an image input must meet wherever it enters Vitrina (the gateway's uploads and object
// keys, the dispatcher's uploads bucket): its size in bytes, an accepted format that decodes whole,
// and its pixel count. One place, so the dispatcher never predicts what the gateway refuses.
import sharp, { type Metadata } from 'sharp';
import { TABLE_DEFAULTS, type Settings } from './env-table.ts';

export const IMAGE_FORMATS = ['jpeg', 'png', 'webp', 'gif', 'avif', 'tiff'] as const;

export interface ImageLimits {
  /** Largest accepted image (an upload or an uploads-bucket object), in bytes. */
  uploadLimitBytes: number;
  /** Largest decoded image (width × height). */
  maxImagePixels: number;
}

/** The limits of a process's settings: VITRINA_UPLOAD_LIMIT_BYTES and VITRINA_MAX_IMAGE_PIXELS. */
export function imageLimits(settings: Settings): ImageLimits {
  return { uploadLimitBytes: settings.VITRINA_UPLOAD_LIMIT_BYTES, maxImagePixels: settings.VITRINA_MAX_IMAGE_PIXELS };
}

/** The table's defaults (platform/env-table.ts): 5 MiB and 40 megapixels. */
export const defaultImageLimits: ImageLimits = imageLimits(TABLE_DEFAULTS);

export interface ImageInfo {
  format: string;
  width: number;
  height: number;
  bytes: number;
}

/** Why an input is no acceptable image: `empty`, `not-image`, `format`, `damaged` (cannot be used), `too-large` (bytes or pixels). */
export type ImageRejection = 'empty' | 'not-image' | 'format' | 'damaged' | 'too-large';

export class ImageRuleError extends Error {
  override name = 'ImageRuleError';

  constructor(
    readonly rejection: ImageRejection,
    message: string,
  ) {
    super(message);
  }
}

/** Refuses a size over the limit before anything is read. */
export function checkImageSize(bytes: number, limit: number, what = 'the image'): void {
  if (bytes > limit) throw new ImageRuleError('too-large', `${what} has ${bytes} bytes, more than the upload limit of ${limit} bytes`);
}

/** Checks that `bytes` is a decodable image of an accepted format within the pixel limit; throws ImageRuleError if not. */
export async function inspectImageBytes(bytes: Buffer, maxPixels: number): Promise<ImageInfo> {
  if (bytes.length === 0) throw new ImageRuleError('empty', 'the image is empty');
  let meta: Metadata;
  try {
    meta = await sharp(bytes, { limitInputPixels: false }).metadata();
  } catch (err) {
    const signed = signatureOf(bytes);
    if (signed) throw damaged(signed, bytes, err);
    throw new ImageRuleError('not-image', `the file is not an image (accepted formats: ${IMAGE_FORMATS.join(', ')})`);
  }
  const format = meta.format ?? 'unknown';
  if (!(IMAGE_FORMATS as readonly string[]).includes(format === 'heif' && meta.compression === 'av1' ? 'avif' : format)) {
    throw new ImageRuleError('format', `images in ${format} format are not accepted (accepted formats: ${IMAGE_FORMATS.join(', ')})`);
  }
  const width = meta.width ?? 0;
  const height = meta.height ?? 0;
  if (width * height > maxPixels) throw new ImageRuleError('too-large', `the image has ${width}×${height} pixels, more than the limit of ${maxPixels}`);
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

function damaged(format: string, bytes: Buffer, err: unknown): ImageRuleError {
  if (isCut(format, bytes, err)) return new ImageRuleError('damaged', `the ${format} image is truncated: it ends after ${bytes.length} bytes, before its image data does; send the whole file`);
  return new ImageRuleError('damaged', `the ${format} image is corrupt and cannot be decoded`);
}
