// Image preprocessing in TypeScript (sharp decoding + Pillow-exact resampling) against Pillow and
// numpy: the pixel tensor of a known image (made with sharp here, the same pattern made with numpy
// in models/parity/encoder_reference.py) for CLIP's preprocessing (shortest side to 224 bicubic,
// centre crop 224, CLIP mean/std, NCHW) and the base model's (bilinear to 60x80 when the size
// differs, /255, its mean/std).
import fs from 'node:fs';
import sharp from 'sharp';
import t, { type Test } from 'tap';
import { decodeRgb } from '../../models/image/decode.ts';
import { normalizeToChw, preprocessImage, resizeAndCrop, type ImagePreprocessing } from '../../models/image/preprocess.ts';
import { InvalidInputError } from '../../models/errors.ts';
import { clipPreprocessing } from '../../models/sources/clip-preprocessor.ts';
import { knownImage } from './known-image.ts';

interface Summary {
  shape: number[];
  channel_means: number[];
  sample_indices: number[];
  samples: number[];
}

const reference = JSON.parse(fs.readFileSync(new URL('./encoder-parity-reference.json', import.meta.url), 'utf8')) as {
  clip_pixels: Record<string, Summary>;
  base_pixels: Record<string, Summary>;
};


const BASE: ImagePreprocessing = {
  resize: { width: 60, height: 80 },
  resample: 'bilinear',
  centerCrop: null,
  rescale: 1 / 255,
  mean: [0.852, 0.8356, 0.8291],
  std: [0.2663, 0.2791, 0.2823],
};

function compare(t: Test, tensor: Float32Array, ref: Summary, what: string): void {
  t.equal(tensor.length, ref.shape.reduce((a, b) => a * b, 1), `${what}: shape ${ref.shape.join('x')}`);
  let max = 0;
  ref.sample_indices.forEach((index, k) => (max = Math.max(max, Math.abs(tensor[index]! - ref.samples[k]!))));
  t.ok(max < 1e-5, `${what}: ${ref.samples.length} sampled values within 1e-5 of Pillow/numpy (max diff ${max.toExponential(2)})`);
  const plane = tensor.length / 3;
  for (let c = 0; c < 3; c += 1) {
    let sum = 0;
    for (let i = 0; i < plane; i += 1) sum += tensor[c * plane + i]!;
    const diff = Math.abs(sum / plane - ref.channel_means[c]!);
    t.ok(diff < 1e-5, `${what}: channel ${c} mean within 1e-5 (diff ${diff.toExponential(2)})`);
  }
}

t.test('CLIP preprocessing matches Pillow + numpy (CLIPImageProcessor steps)', async (t) => {
  const clip = clipPreprocessing({ size: { shortest_edge: 224 }, crop_size: { height: 224, width: 224 }, resample: 3 });
  for (const [name, ref] of Object.entries(reference.clip_pixels)) {
    const [w, h] = name.split('x').map(Number) as [number, number];
    compare(t, await preprocessImage(await knownImage(w, h), clip), ref, `clip ${name}`);
  }
});

t.test('base model preprocessing matches Pillow + numpy (the recipe steps)', async (t) => {
  for (const [name, ref] of Object.entries(reference.base_pixels)) {
    const [w, h] = name.split('x').map(Number) as [number, number];
    compare(t, await preprocessImage(await knownImage(w, h), BASE), ref, `base ${name}`);
  }
});

t.test('grayscale and RGBA images decode to RGB like Pillow convert("RGB")', async (t) => {
  const gray = await sharp({ create: { width: 5, height: 4, channels: 3, background: '#646464' } }).toColourspace('b-w').png().toBuffer();
  const decodedGray = await decodeRgb(gray);
  t.same([decodedGray.width, decodedGray.height], [5, 4]);
  t.same([...decodedGray.pixels.subarray(0, 3)], [100, 100, 100], 'grey replicated into R, G, B');
  const rgba = await sharp({ create: { width: 3, height: 2, channels: 4, background: { r: 10, g: 20, b: 30, alpha: 0.25 } } }).png().toBuffer();
  t.same([...(await decodeRgb(rgba)).pixels.subarray(0, 3)], [10, 20, 30], 'alpha dropped, colour kept');
});

t.test('bytes that are not an image are an InvalidInputError', async (t) => {
  await t.rejects(decodeRgb(Buffer.from('definitely not an image')), InvalidInputError);
  const jpeg = await sharp({ create: { width: 40, height: 30, channels: 3, background: '#123456' } }).jpeg().toBuffer();
  await t.rejects(decodeRgb(jpeg.subarray(0, jpeg.length / 2)), InvalidInputError, 'a truncated JPEG');
  await t.rejects(decodeRgb(jpeg, 100), InvalidInputError, 'more pixels than allowed');
});

t.test('a photo far larger than the model input is reduced by libvips first, staying close to Pillow', async (t) => {
  const photo = await knownImage(1600, 2000);
  const exact = normalizeToChw(resizeAndCrop(await decodeRgb(photo), BASE), BASE);
  const fast = await preprocessImage(photo, BASE);
  t.equal(fast.length, exact.length);
  let sum = 0;
  for (let i = 0; i < fast.length; i += 1) sum += Math.abs(fast[i]! - exact[i]!);
  const meanLevels = (sum / fast.length) * 0.27 * 255;
  t.ok(meanLevels < 3, `mean difference ${meanLevels.toFixed(2)} grey levels from the exact Pillow resize`);
});
