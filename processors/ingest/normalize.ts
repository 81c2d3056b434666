// The normalised copy of a product image: RGB JPEG at the dataset's native 60x80 (width x height),
// letterboxed on white when the aspect ratio differs, so every model sees one layout. An original that
// already is exactly that (a 3-channel sRGB JPEG of 60x80, as 99.9% of the dataset's images are) is its
// own normalised copy: it is neither re-encoded nor stored twice. That case is recognised from the JPEG
// frame header in TypeScript (jpeg-frame.ts), so sharp's thread pool only sees the other images; a
// file cut short is still refused there (no end-of-image marker), damage inside the entropy-coded data
// is found by the embedder's decode, which dead-letters the product with the reason.
import sharp, { type Metadata } from 'sharp';
import { jpegFrame } from './jpeg-frame.ts';

export const NORMALIZED_WIDTH = 60;
export const NORMALIZED_HEIGHT = 80;
/** Bytes of an original image; the dataset's largest is a few KB. */
export const MAX_IMAGE_BYTES = 16 * 1024 * 1024;

export interface NormalizedImage {
  bytes: Buffer;
  width: number;
  height: number;
}

export class UndecodableImageError extends Error {
  override name = 'UndecodableImageError';
}

export class ImageTooLargeError extends Error {
  override name = 'ImageTooLargeError';
}

export interface Normalized {
  normalized: NormalizedImage;
  originalWidth: number;
  originalHeight: number;
  /** True when the original is already normalised and `normalized.bytes` is the original itself. */
  same: boolean;
}

export async function normalizeImage(original: Buffer): Promise<Normalized> {
  const frame = jpegFrame(original);
  if (frame && frame.width === NORMALIZED_WIDTH && frame.height === NORMALIZED_HEIGHT && frame.components === 3) {
    if (!frame.complete) throw new UndecodableImageError('image does not decode: the JPEG is cut short (no end-of-image marker)');
    return { normalized: { bytes: original, width: NORMALIZED_WIDTH, height: NORMALIZED_HEIGHT }, originalWidth: frame.width, originalHeight: frame.height, same: true };
  }
  let meta: Metadata;
  try {
    meta = await sharp(original).metadata();
  } catch (err) {
    throw new UndecodableImageError(`not a decodable image: ${(err as Error).message}`);
  }
  if (!meta.width || !meta.height) throw new UndecodableImageError('image has no dimensions');
  let bytes: Buffer;
  try {
    bytes = await sharp(original)
      .removeAlpha()
      .toColourspace('srgb')
      .resize(NORMALIZED_WIDTH, NORMALIZED_HEIGHT, { fit: 'contain', background: { r: 255, g: 255, b: 255 }, kernel: 'lanczos3' })
      .jpeg({ quality: 92, chromaSubsampling: '4:4:4' })
      .toBuffer();
  } catch (err) {
    throw new UndecodableImageError(`image does not decode: ${(err as Error).message}`);
  }
  return { normalized: { bytes, width: NORMALIZED_WIDTH, height: NORMALIZED_HEIGHT }, originalWidth: meta.width, originalHeight: meta.height, same: false };
}
