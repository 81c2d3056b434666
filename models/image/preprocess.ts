// Pixels → the float tensor an image tower takes: resize (Pillow-exact, see resample.ts), optional
// centre crop, rescale, per-channel normalisation, NCHW. Each model declares its own parameters:
// CLIP exports in preprocessor_config.json, the base model in model.json.
import { decodeRgb, imageSize, type RgbImage } from './decode.ts';
import { resample, type ResampleFilter } from './resample.ts';

export interface ImagePreprocessing {
  /** Shortest side to this many pixels keeping the aspect ratio (CLIP), or an exact size. */
  resize: { shortestEdge: number } | { width: number; height: number } | null;
  /** Pillow's filter; a resize to the size an image already has changes nothing (as in Pillow). */
  resample: ResampleFilter;
  centerCrop: { width: number; height: number } | null;
  rescale: number;
  mean: [number, number, number];
  std: [number, number, number];
}

/** The output tensor size [3, height, width] of one image. */
export function outputSize(p: ImagePreprocessing): { width: number; height: number } {
  if (p.centerCrop) return p.centerCrop;
  if (p.resize && 'width' in p.resize) return p.resize;
  throw new Error('image preprocessing needs a centre crop or an exact resize to give a fixed size');
}

export function describePreprocessing(p: ImagePreprocessing): string {
  const resize = p.resize === null ? 'no resize' : 'shortestEdge' in p.resize ? `shortest side to ${p.resize.shortestEdge} (${p.resample})` : `resize to ${p.resize.width}x${p.resize.height} (${p.resample}, aspect not kept)`;
  const crop = p.centerCrop ? `, centre crop ${p.centerCrop.width}x${p.centerCrop.height}` : '';
  const f = (v: number[]): string => v.map((x) => String(x)).join(',');
  return `RGB, ${resize}${crop}, x${p.rescale === 1 / 255 ? '1/255' : p.rescale}, mean [${f(p.mean)}] std [${f(p.std)}], NCHW float32`;
}

function resizeTarget(image: { width: number; height: number }, resize: NonNullable<ImagePreprocessing['resize']>): { width: number; height: number } {
  if ('width' in resize) return resize;
  // Hugging Face's get_resize_output_image_size(default_to_square=False): the long side truncates.
  const { width, height } = image;
  if (width <= height) return { width: resize.shortestEdge, height: Math.trunc((resize.shortestEdge * height) / width) };
  return { width: Math.trunc((resize.shortestEdge * width) / height), height: resize.shortestEdge };
}

/**
 * Resizes and crops decoded pixels as the model declares; returns the 8-bit RGB result. The
 * resize target comes from originalSize when the pixels were already reduced (see preprocessImage).
 */
export function resizeAndCrop(image: RgbImage, p: ImagePreprocessing, originalSize: { width: number; height: number } = image): RgbImage {
  let current = image;
  if (p.resize) {
    const target = resizeTarget(originalSize, p.resize);
    if (target.width !== current.width || target.height !== current.height) {
      current = { pixels: resample(current.pixels, current.width, current.height, 3, target.width, target.height, p.resample), ...target };
    }
  }
  if (p.centerCrop && (p.centerCrop.width !== current.width || p.centerCrop.height !== current.height)) {
    const { width: cw, height: ch } = p.centerCrop;
    const top = Math.floor((current.height - ch) / 2);
    const left = Math.floor((current.width - cw) / 2);
    const out = new Uint8Array(cw * ch * 3);
    for (let y = 0; y < ch; y += 1) {
      const sy = y + top;
      if (sy < 0 || sy >= current.height) continue;
      for (let x = 0; x < cw; x += 1) {
        const sx = x + left;
        if (sx < 0 || sx >= current.width) continue;
        const s = (sy * current.width + sx) * 3;
        const d = (y * cw + x) * 3;
        out[d] = current.pixels[s]!;
        out[d + 1] = current.pixels[s + 1]!;
        out[d + 2] = current.pixels[s + 2]!;
      }
    }
    current = { pixels: out, width: cw, height: ch };
  }
  return current;
}

/** 8-bit RGB → [3, H, W] float32: (value × rescale − mean[c]) / std[c], in float32 arithmetic. */
export function normalizeToChw(image: RgbImage, p: ImagePreprocessing): Float32Array {
  const plane = image.width * image.height;
  const out = new Float32Array(3 * plane);
  for (let c = 0; c < 3; c += 1) {
    const mean = Math.fround(p.mean[c]!);
    const std = Math.fround(p.std[c]!);
    // The 256 possible values of this channel, computed once.
    const table = new Float32Array(256);
    for (let v = 0; v < 256; v += 1) table[v] = Math.fround(Math.fround(Math.fround(v * p.rescale) - mean) / std);
    for (let i = 0; i < plane; i += 1) out[c * plane + i] = table[image.pixels[i * 3 + c]!]!;
  }
  return out;
}

/**
 * An image more than this many times larger than the resize target on either side is first reduced
 * on that side (or both) by libvips (in sharp's thread pool) to this multiple of the target, so a
 * large or thin-and-long photo cannot stall the server's event loop in the TypeScript resampler.
 * Below it, the result is Pillow's exactly.
 */
export const PRE_SHRINK_FACTOR = 4;

/** The size libvips reduces an image to first, or undefined when the TypeScript resampler takes it whole. */
export function preShrinkSize(size: { width: number; height: number }, target: { width: number; height: number } | undefined): { width: number; height: number } | undefined {
  if (!target) return undefined;
  const width = Math.min(size.width, PRE_SHRINK_FACTOR * target.width);
  const height = Math.min(size.height, PRE_SHRINK_FACTOR * target.height);
  return width < size.width || height < size.height ? { width, height } : undefined;
}

/**
 * The most pixels the TypeScript resampler takes in, as a multiple of the model's input area (16:
 * what a 4x pre-shrink on both sides leaves), and the largest resize target before the centre crop
 * (4x). An image beyond either (a long thin image under an aspect-keeping resize, where the resized
 * image is far wider than the crop) is resized by libvips alone, off the event loop; the crop and
 * normalisation that remain in TypeScript touch only the model's input.
 */
export const EXACT_INPUT_AREA = 16;
export const EXACT_TARGET_AREA = 4;

/** Encoded bytes → the [3, H, W] tensor of one image. */
export async function preprocessImage(bytes: Uint8Array, p: ImagePreprocessing, maxPixels?: number): Promise<Float32Array> {
  const size = await imageSize(bytes, maxPixels);
  const target = p.resize ? resizeTarget(size, p.resize) : undefined;
  let shrinkTo = preShrinkSize(size, target);
  if (target) {
    const output = p.centerCrop ?? target;
    const outputArea = output.width * output.height;
    const input = shrinkTo ?? size;
    if (input.width * input.height > EXACT_INPUT_AREA * outputArea || target.width * target.height > EXACT_TARGET_AREA * outputArea) shrinkTo = target;
  }
  const image = await decodeRgb(bytes, maxPixels, shrinkTo);
  return normalizeToChw(resizeAndCrop(image, p, size), p);
}
