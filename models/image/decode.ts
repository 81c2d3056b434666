// Encoded image bytes → 8-bit RGB pixels with sharp, the way Pillow's Image.open(...).convert('RGB')
// sees them (alpha dropped, grayscale and palette expanded, no EXIF rotation), so the Python
// references and the server agree. Bytes sharp cannot decode are an InvalidInputError.
import sharp from 'sharp';
import { InvalidInputError } from '../errors.ts';

export interface RgbImage {
  /** height × width × 3, row-major. */
  pixels: Uint8Array;
  width: number;
  height: number;
}

/** Refuses images above this many pixels (decompression bombs); 50 megapixels by default. */
export const DEFAULT_MAX_PIXELS = 50_000_000;

function invalid(bytes: Uint8Array, err: unknown): InvalidInputError {
  const reason = (err instanceof Error ? err.message : String(err)).split('\n')[0];
  return new InvalidInputError(`not a decodable image (${bytes.length} bytes): ${reason}`);
}

/** Width and height from the image header, without decoding the pixels. */
export async function imageSize(bytes: Uint8Array): Promise<{ width: number; height: number }> {
  try {
    const { width, height } = await sharp(bytes).metadata();
    if (!width || !height) throw new Error('no size in the header');
    return { width, height };
  } catch (err) {
    throw invalid(bytes, err);
  }
}

/**
 * Decodes to 8-bit RGB; with shrinkTo, libvips first reduces the image to that size (used only
 * for images far larger than the model input, see preprocess.ts).
 */
export async function decodeRgb(bytes: Uint8Array, maxPixels = DEFAULT_MAX_PIXELS, shrinkTo?: { width: number; height: number }): Promise<RgbImage> {
  try {
    let pipeline = sharp(bytes, { limitInputPixels: maxPixels });
    if (shrinkTo) pipeline = pipeline.resize(shrinkTo.width, shrinkTo.height, { fit: 'fill', kernel: 'cubic', fastShrinkOnLoad: false });
    const { data, info } = await pipeline
      .removeAlpha()
      .toColourspace('srgb')
      .raw({ depth: 'uchar' })
      .toBuffer({ resolveWithObject: true });
    if (info.channels !== 3) throw new Error(`decoded to ${info.channels} channels`);
    return { pixels: new Uint8Array(data.buffer, data.byteOffset, data.length), width: info.width, height: info.height };
  } catch (err) {
    throw invalid(bytes, err);
  }
}
