// The adapter trainer: gradients against finite differences, the loss going down on a synthetic
// problem whose answer is known, and the same seed giving the same weights.
import t from 'tap';
import { mulberry32 } from '../../mlops/prng.ts';
import { TRAINING_DEFAULTS } from '../../mlops/parameters.ts';
import { applySideToMatrix, cloneParams, identityParams, lossAndGradients, type AdapterParams, type PairData } from '../../processors/trainer/adapter-model.ts';
import { trainAdapter } from '../../processors/trainer/train-adapter.ts';

function normalizeRows(m: Float32Array, dim: number): Float32Array {
  for (let i = 0; i < m.length / dim; i += 1) {
    let sq = 0;
    for (let c = 0; c < dim; c += 1) sq += m[i * dim + c]! ** 2;
    const n = Math.sqrt(sq);
    for (let c = 0; c < dim; c += 1) m[i * dim + c] = m[i * dim + c]! / n;
  }
  return m;
}

function gaussian(random: () => number): number {
  return Math.sqrt(-2 * Math.log(random() + 1e-12)) * Math.cos(2 * Math.PI * random());
}

/**
 * Texts are random unit vectors; each image is its text with the coordinates permuted (a rotation
 * the adapter can undo exactly: W_img = Pᵀ − I) plus a little noise.
 */
function permutedProblem(n: number, dim: number, seed: number): PairData {
  const random = mulberry32(seed);
  const text = new Float32Array(n * dim).map(() => gaussian(random));
  normalizeRows(text, dim);
  const perm = Array.from({ length: dim }, (_, i) => (i * 5 + 3) % dim);
  const image = new Float32Array(n * dim);
  for (let i = 0; i < n; i += 1) for (let c = 0; c < dim; c += 1) image[i * dim + perm[c]!] = text[i * dim + c]! + 0.05 * gaussian(random);
  normalizeRows(image, dim);
  return { dim, image, text };
}

function randomParams(dim: number, seed: number): AdapterParams {
  const random = mulberry32(seed);
  const p = identityParams(dim, 0.2);
  for (const side of [p.image, p.text]) {
    side.weight.forEach((_, k) => (side.weight[k] = (random() - 0.5) * 0.4));
    side.bias.forEach((_, k) => (side.bias[k] = (random() - 0.5) * 0.2));
  }
  p.logScale = 1.3;
  return p;
}

t.test('the gradients match central finite differences', async (t) => {
  const dim = 5;
  const data = permutedProblem(7, dim, 11);
  const rows = [0, 1, 2, 3, 4, 5, 6];
  const params = randomParams(dim, 3);
  const { grad } = lossAndGradients(params, data, rows);
  const h = 1e-6;
  const check = (name: string, get: (p: AdapterParams) => Float64Array | undefined, index: number, analytic: number): void => {
    const plus = cloneParams(params);
    const minus = cloneParams(params);
    if (get(plus)) {
      get(plus)![index] = get(plus)![index]! + h;
      get(minus)![index] = get(minus)![index]! - h;
    } else {
      plus.logScale += h;
      minus.logScale -= h;
    }
    const numeric = (lossAndGradients(plus, data, rows).loss - lossAndGradients(minus, data, rows).loss) / (2 * h);
    const error = Math.abs(numeric - analytic) / Math.max(1e-6, Math.abs(numeric) + Math.abs(analytic));
    t.ok(error < 1e-5, `${name}[${index}]: analytic ${analytic.toExponential(6)}, numeric ${numeric.toExponential(6)}`);
  };
  for (let k = 0; k < dim * dim; k += 3) {
    check('image.weight', (p) => p.image.weight, k, grad.image.weight[k]!);
    check('text.weight', (p) => p.text.weight, k, grad.text.weight[k]!);
  }
  for (let k = 0; k < dim; k += 1) {
    check('image.bias', (p) => p.image.bias, k, grad.image.bias[k]!);
    check('text.bias', (p) => p.text.bias, k, grad.text.bias[k]!);
  }
  check('logScale', () => undefined, 0, grad.logScale);
  const identityImage = cloneParams(params);
  identityImage.image.weight.fill(0);
  identityImage.image.bias.fill(0);
  const both = lossAndGradients(identityImage, data, rows);
  const textOnly = lossAndGradients(identityImage, data, rows, 'text');
  t.equal(textOnly.loss, both.loss);
  t.same([...textOnly.grad.text.weight], [...both.grad.text.weight], 'training one side does not change its gradient');
  t.ok(textOnly.grad.image.weight.every((v) => v === 0), 'and leaves the frozen side\'s zero');
});

function top1(data: PairData, params: AdapterParams): number {
  const img = applySideToMatrix(params.image, data.image, data.dim);
  const txt = applySideToMatrix(params.text, data.text, data.dim);
  const n = img.length / data.dim;
  let hits = 0;
  for (let i = 0; i < n; i += 1) {
    let best = -1;
    let bestScore = -Infinity;
    for (let j = 0; j < n; j += 1) {
      let s = 0;
      for (let c = 0; c < data.dim; c += 1) s += txt[i * data.dim + c]! * img[j * data.dim + c]!;
      if (s > bestScore) [best, bestScore] = [j, s];
    }
    if (best === i) hits += 1;
  }
  return hits / n;
}

t.test('on a problem with a known answer the loss falls and retrieval becomes exact', async (t) => {
  const data = permutedProblem(256, 16, 5);
  const parameters = { ...TRAINING_DEFAULTS, epochs: 30, batchSize: 64, learningRate: 0.01, temperature: 0.1, weightDecay: 0 };
  const before = top1(data, identityParams(16, 0.1));
  const result = await trainAdapter(data, { seed: 1, parameters });
  const first = result.curve[0]!.loss;
  const last = result.curve[result.curve.length - 1]!.loss;
  t.ok(last < first * 0.5, `mean loss ${first.toFixed(3)} → ${last.toFixed(3)}`);
  t.ok(result.initialLoss > last, 'below the untrained adapter\'s loss');
  const after = top1(data, result.params);
  t.ok(before < 0.3, `identity adapter: text→image top-1 ${before}`);
  t.ok(after > 0.95, `trained adapter: text→image top-1 ${after}`);
  t.equal(result.curve.length, 30);
  t.ok(result.curve.every((r) => r.pairsPerSecond > 0 && r.temperature > 0));
});

t.test('the same seed gives the same weights; another seed other weights', async (t) => {
  const data = permutedProblem(96, 8, 9);
  const parameters = { ...TRAINING_DEFAULTS, epochs: 3, batchSize: 32 };
  const a = await trainAdapter(data, { seed: 7, parameters });
  const b = await trainAdapter(data, { seed: 7, parameters });
  const c = await trainAdapter(data, { seed: 8, parameters });
  t.same([...a.params.image.weight], [...b.params.image.weight]);
  t.same([...a.params.text.bias], [...b.params.text.bias]);
  t.equal(a.params.logScale, b.params.logScale);
  t.same(a.curve.map((r) => r.loss), b.curve.map((r) => r.loss));
  t.not([...a.params.image.weight].join(), [...c.params.image.weight].join());
});

t.test('a fixed temperature stays fixed', async (t) => {
  const data = permutedProblem(64, 8, 2);
  const result = await trainAdapter(data, { seed: 1, parameters: { ...TRAINING_DEFAULTS, epochs: 2, batchSize: 16, temperature: 0.07, learnTemperature: false } });
  t.equal(Math.exp(-result.params.logScale).toFixed(10), (0.07).toFixed(10));
});

t.test('an adapter on one side leaves the other the identity', async (t) => {
  const data = permutedProblem(64, 8, 3);
  const result = await trainAdapter(data, { seed: 1, parameters: { ...TRAINING_DEFAULTS, epochs: 2, batchSize: 16, sides: 'text' } });
  t.ok(result.params.image.weight.every((v) => v === 0) && result.params.image.bias.every((v) => v === 0), 'the image side is untouched');
  t.ok(result.params.text.weight.some((v) => v !== 0), 'the text side learnt');
});
