// The normalised copy of a product image: RGB JPEG at the dataset's native 60x80 (width x height),
// letterboxed on white when the aspect ratio differs, so every model sees one layout.
import sharp, { type Metadata } from 'sharp';

export const NORMALIZED_WIDTH = 60;
export const NORMALIZED_HEIGHT = 80;

export interface NormalizedImage {
  bytes: Buffer;
  width: number;
  height: number;
}

export class UndecodableImageError extends Error {
  override name = 'UndecodableImageError';
}

export async function normalizeImage(original: Buffer): Promise<{ normalized: NormalizedImage; originalWidth: number; originalHeight: number }> {
  let meta: Metadata;
  try {
    meta = await sharp(original).metadata();
  } catch (err) {
    throw new UndecodableImageError(`not a decodable image: ${(err as Error).message}`);
  }
  if (!meta.width || !meta.height) throw new UndecodableImageError('image has no dimensions');
  const bytes = await sharp(original)
    .removeAlpha()
    .toColourspace('srgb')
    .resize(NORMALIZED_WIDTH, NORMALIZED_HEIGHT, { fit: 'contain', background: { r: 255, g: 255, b: 255 }, kernel: 'lanczos3' })
    .jpeg({ quality: 92, chromaSubsampling: '4:4:4' })
    .toBuffer();
  return { normalized: { bytes, width: NORMALIZED_WIDTH, height: NORMALIZED_HEIGHT }, originalWidth: meta.width, originalHeight: meta.height };
}
