// Encoded image bytes → 8-bit RGB pixels with sharp, the way Pillow's Image.open(...).convert('RGB')
// sees them (alpha dropped, grayscale and palette expanded, no EXIF rotation), so the Python
// references and the server agree. Bytes sharp cannot decode, formats other than MODEL_IMAGE_FORMATS
// (SVG, PDF: sharp would render them), more than maxPixels pixels, or a width:height (or height:width)
// over MAX_ASPECT_RATIO are an InvalidInputError, decided from the header before decoding.
import sharp, { type Metadata } from 'sharp';
import { InvalidInputError } from '../errors.ts';

export interface RgbImage {
  /** height × width × 3, row-major. */
  pixels: Uint8Array;
  width: number;
  height: number;
}

/** Refuses images above this many pixels (decompression bombs); 50 megapixels by default. */
export const DEFAULT_MAX_PIXELS = 50_000_000;

/** The formats a model reads (the gateway's list): raster images only. */
export const MODEL_IMAGE_FORMATS = ['jpeg', 'png', 'webp', 'gif', 'avif', 'heif', 'tiff'] as const;

/**
 * The longest side over the shortest side an image may have: a 120000x300 PNG of 35 KB is under the
 * pixel limit, but resizing it cost 0.84 s of event-loop time. Product photos are far inside it.
 */
export const MAX_ASPECT_RATIO = 20;

function invalid(bytes: Uint8Array, err: unknown): InvalidInputError {
  const reason = (err instanceof Error ? err.message : String(err)).split('\n')[0];
  return new InvalidInputError(`not a decodable image (${bytes.length} bytes): ${reason}`);
}

/** Width and height from the image header, without decoding the pixels; checks format, pixels and shape. */
export async function imageSize(bytes: Uint8Array, maxPixels = DEFAULT_MAX_PIXELS): Promise<{ width: number; height: number }> {
  let meta: Metadata;
  try {
    meta = await sharp(bytes, { limitInputPixels: false }).metadata();
    if (!meta.width || !meta.height) throw new Error('no size in the header');
  } catch (err) {
    throw invalid(bytes, err);
  }
  const { width, height, format } = meta as { width: number; height: number; format: string };
  if (!(MODEL_IMAGE_FORMATS as readonly string[]).includes(format)) throw new InvalidInputError(`images in ${format} format are not accepted (accepted: ${MODEL_IMAGE_FORMATS.join(', ')})`);
  if (width * height > maxPixels) throw new InvalidInputError(`the image has ${width}x${height} pixels, more than the limit of ${maxPixels}`);
  const ratio = Math.max(width, height) / Math.min(width, height);
  if (ratio > MAX_ASPECT_RATIO) {
    throw new InvalidInputError(`the image is ${width}x${height}: aspect ratio ${Math.round(ratio)}:1, the limit is ${MAX_ASPECT_RATIO}:1`);
  }
  return { width, height };
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
