// Image resizing that reproduces Pillow's Image.resize for 8-bit RGB (the resize the Python
// references use: Hugging Face's CLIPImageProcessor and the base model's recipe): a separable
// convolution, horizontal pass then vertical pass with an 8-bit intermediate, filter support
// scaled by the reduction factor (antialiasing), pixel centres at +0.5, and coefficients in
// fixed point with 22 fractional bits. libvips (sharp) upsamples with another pixel-centre
// convention and differs visibly on small catalogue images, hence this.

export type ResampleFilter = 'bilinear' | 'bicubic';

const PRECISION_BITS = 32 - 8 - 2;
const ONE = 2 ** PRECISION_BITS;
const HALF = 2 ** (PRECISION_BITS - 1);

const filters: Record<ResampleFilter, { support: number; weight: (x: number) => number }> = {
  bilinear: {
    support: 1,
    weight: (x) => {
      const a = Math.abs(x);
      return a < 1 ? 1 - a : 0;
    },
  },
  bicubic: {
    support: 2,
    weight: (x) => {
      const a = -0.5;
      const t = Math.abs(x);
      if (t < 1) return ((a + 2) * t - (a + 3)) * t * t + 1;
      if (t < 2) return (((t - 5) * t + 8) * t - 4) * a;
      return 0;
    },
  },
};

interface Coefficients {
  /** First input index of each output pixel's window. */
  start: Int32Array;
  /** Window length of each output pixel. */
  count: Int32Array;
  /** Fixed-point weights, `window` per output pixel. */
  weights: Float64Array;
  window: number;
}

function coefficients(inSize: number, outSize: number, filter: ResampleFilter): Coefficients {
  const { support: baseSupport, weight } = filters[filter];
  const scale = inSize / outSize;
  const filterScale = Math.max(scale, 1);
  const support = baseSupport * filterScale;
  const window = Math.ceil(support) * 2 + 1;
  const start = new Int32Array(outSize);
  const count = new Int32Array(outSize);
  const weights = new Float64Array(outSize * window);
  const raw = new Float64Array(window);
  for (let out = 0; out < outSize; out += 1) {
    const centre = (out + 0.5) * scale;
    const lo = Math.max(Math.trunc(centre - support + 0.5), 0);
    const n = Math.min(Math.trunc(centre + support + 0.5), inSize) - lo;
    let total = 0;
    for (let k = 0; k < n; k += 1) {
      raw[k] = weight((k + lo - centre + 0.5) / filterScale);
      total += raw[k]!;
    }
    for (let k = 0; k < n; k += 1) {
      const w = total !== 0 ? raw[k]! / total : raw[k]!;
      weights[out * window + k] = w < 0 ? Math.trunc(-0.5 + w * ONE) : Math.trunc(0.5 + w * ONE);
    }
    start[out] = lo;
    count[out] = n;
  }
  return { start, count, weights, window };
}

function clip8(sum: number): number {
  const v = Math.floor(sum / ONE);
  return v < 0 ? 0 : v > 255 ? 255 : v;
}

/** Resizes interleaved 8-bit pixels (height × width × channels) to outWidth × outHeight. */
export function resample(pixels: Uint8Array, width: number, height: number, channels: number, outWidth: number, outHeight: number, filter: ResampleFilter): Uint8Array {
  let current = pixels;
  let currentWidth = width;
  if (outWidth !== width) {
    current = horizontalPass(current, width, height, channels, coefficients(width, outWidth, filter), outWidth);
    currentWidth = outWidth;
  }
  if (outHeight !== height) current = verticalPass(current, currentWidth * channels, coefficients(height, outHeight, filter), outHeight);
  return current === pixels ? pixels.slice() : current;
}

function horizontalPass(src: Uint8Array, width: number, height: number, channels: number, c: Coefficients, outWidth: number): Uint8Array {
  const out = new Uint8Array(outWidth * height * channels);
  const sums = new Float64Array(channels);
  for (let y = 0; y < height; y += 1) {
    const row = y * width * channels;
    for (let x = 0; x < outWidth; x += 1) {
      const n = c.count[x]!;
      const base = x * c.window;
      sums.fill(HALF);
      let p = row + c.start[x]! * channels;
      for (let k = 0; k < n; k += 1) {
        const w = c.weights[base + k]!;
        for (let ch = 0; ch < channels; ch += 1) sums[ch] = sums[ch]! + src[p + ch]! * w;
        p += channels;
      }
      const o = (y * outWidth + x) * channels;
      for (let ch = 0; ch < channels; ch += 1) out[o + ch] = clip8(sums[ch]!);
    }
  }
  return out;
}

function verticalPass(src: Uint8Array, stride: number, c: Coefficients, outHeight: number): Uint8Array {
  const out = new Uint8Array(stride * outHeight);
  const acc = new Float64Array(stride);
  for (let y = 0; y < outHeight; y += 1) {
    acc.fill(HALF);
    const n = c.count[y]!;
    const base = y * c.window;
    for (let k = 0; k < n; k += 1) {
      const w = c.weights[base + k]!;
      const offset = (c.start[y]! + k) * stride;
      for (let i = 0; i < stride; i += 1) acc[i] = acc[i]! + src[offset + i]! * w;
    }
    const o = y * stride;
    for (let i = 0; i < stride; i += 1) out[o + i] = clip8(acc[i]!);
  }
  return out;
}
