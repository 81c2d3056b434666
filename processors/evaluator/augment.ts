// The query of an image→image evaluation: a seeded, augmented copy of the product's image —
// a random crop (75–95 % of the area) resized back to the original size, a small rotation
// (±10°, white fill, cut back to the original size), a brightness change (×0.8–1.2) and a JPEG
// re-encoding (quality 60–90) — made with sharp. The same seed and product give the same bytes.
import sharp from 'sharp';
import { randomFor, uniform } from '../../mlops/prng.ts';

export const AUGMENTATION_RECIPE = 'crop75-95+rot10+bright0.8-1.2+jpeg60-90';

export interface Augmentation {
  cropScale: number;
  cropX: number;
  cropY: number;
  degrees: number;
  brightness: number;
  quality: number;
}

export function drawAugmentation(seed: number, productId: number): Augmentation {
  const random = randomFor(seed, 'augment', productId);
  return {
    cropScale: Math.sqrt(uniform(random, 0.75, 0.95)),
    cropX: random(),
    cropY: random(),
    degrees: uniform(random, -10, 10),
    brightness: uniform(random, 0.8, 1.2),
    quality: Math.round(uniform(random, 60, 90)),
  };
}

const WHITE = { r: 255, g: 255, b: 255, alpha: 1 };

export async function augmentImage(bytes: Buffer, a: Augmentation): Promise<Buffer> {
  const meta = await sharp(bytes).metadata();
  const width = meta.width ?? 0;
  const height = meta.height ?? 0;
  if (width < 4 || height < 4) throw new Error(`image of ${width}x${height} is too small to augment`);
  const cw = Math.max(2, Math.round(width * a.cropScale));
  const ch = Math.max(2, Math.round(height * a.cropScale));
  const left = Math.floor(a.cropX * (width - cw));
  const top = Math.floor(a.cropY * (height - ch));
  const cropped = await sharp(bytes).removeAlpha().extract({ left, top, width: cw, height: ch }).resize(width, height, { kernel: 'cubic' }).png().toBuffer();
  const rotated = await sharp(cropped).rotate(a.degrees, { background: WHITE }).png().toBuffer({ resolveWithObject: true });
  const rw = rotated.info.width;
  const rh = rotated.info.height;
  const centred = await sharp(rotated.data)
    .extract({ left: Math.floor((rw - width) / 2), top: Math.floor((rh - height) / 2), width, height })
    .png()
    .toBuffer();
  return sharp(centred).modulate({ brightness: a.brightness }).jpeg({ quality: a.quality }).toBuffer();
}
