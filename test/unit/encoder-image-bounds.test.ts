// Images whose shape would make the TypeScript resampler block the event loop: a thin but huge PNG
// (120000x300, 35 KB, under the pixel limit) took 0.84 s of event-loop time per request. Bounds:
// an aspect ratio over MAX_ASPECT_RATIO is refused from the header, before decoding; an image much
// larger than the model input on either side is first reduced by libvips (sharp's thread pool).
// Event-loop delay is measured around each call, with a loose bound as a hang guard.
import { monitorEventLoopDelay } from 'node:perf_hooks';
import sharp from 'sharp';
import t from 'tap';
import { InvalidInputError } from '../../models/errors.ts';
import { MAX_ASPECT_RATIO } from '../../models/image/decode.ts';
import { preprocessImage, type ImagePreprocessing } from '../../models/image/preprocess.ts';
import { clipPreprocessing } from '../../models/sources/clip-preprocessor.ts';

const BASE: ImagePreprocessing = { resize: { width: 60, height: 80 }, resample: 'bilinear', centerCrop: null, rescale: 1 / 255, mean: [0.5, 0.5, 0.5], std: [0.25, 0.25, 0.25] };
const CLIP = clipPreprocessing({});

const png = (width: number, height: number): Promise<Buffer> => sharp({ create: { width, height, channels: 3, background: { r: 250, g: 250, b: 250 } } }).png().toBuffer();

/** Runs work while sampling the event loop; returns the largest delay seen in ms. */
async function maxLoopDelay(work: () => Promise<unknown>): Promise<{ maxMs: number; outcome: unknown }> {
  const h = monitorEventLoopDelay({ resolution: 5 });
  h.enable();
  const outcome = await work().catch((err: unknown) => err);
  await new Promise((resolve) => setTimeout(resolve, 20));
  h.disable();
  return { maxMs: h.max / 1e6, outcome };
}

t.test('a thin but huge PNG is refused from its header, without blocking the event loop', async (t) => {
  const thin = await png(120_000, 300);
  t.ok(thin.length < 200_000, `a small file (${thin.length} bytes)`);
  for (const [name, p] of [['base', BASE], ['clip', CLIP]] as const) {
    const { maxMs, outcome } = await maxLoopDelay(() => preprocessImage(thin, p));
    t.ok(outcome instanceof InvalidInputError, `${name}: refused as bad input`);
    t.match((outcome as Error).message, /120000x300.*aspect ratio 400:1.*limit is 20:1/, `${name}: the message says why`);
    t.ok(maxMs < 500, `${name}: event loop blocked at most ${maxMs.toFixed(1)} ms (< 500, a hang guard: the machine is shared)`);
  }
  t.equal(MAX_ASPECT_RATIO, 20);
});

t.test('thin images within the aspect limit but large on one side are shrunk by libvips first', async (t) => {
  // 20:1, large on the long side only: before, the whole width went through the TypeScript resampler.
  for (const [name, p, w, h] of [['base', BASE, 30_000, 1_500], ['clip', CLIP, 10_000, 2_000]] as const) {
    const image = await png(w, h);
    const { maxMs, outcome } = await maxLoopDelay(() => preprocessImage(image, p));
    t.ok(outcome instanceof Float32Array, `${name} ${w}x${h}: preprocessed`);
    t.ok(maxMs < 500, `${name} ${w}x${h}: event loop blocked at most ${maxMs.toFixed(1)} ms (< 500, a hang guard: the machine is shared)`);
  }
  const ok = await preprocessImage(await png(2_000, 100), BASE);
  t.equal(ok.length, 3 * 60 * 80, 'a 20:1 image is accepted');
});
