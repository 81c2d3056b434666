// The training loop: epochs over the pairs in a seeded order, mini-batches of symmetric InfoNCE,
// Adam updates; progress (epoch, loss, pairs/s) reported after every epoch. The same data, seed
// and parameters give the same weights, bit for bit.
import { randomFor, shuffle } from '../../mlops/prng.ts';
import type { TrainingParameters } from '../../mlops/parameters.ts';
import { Adam } from './adam.ts';
import { identityParams, lossAndGradients, type AdapterParams, type PairData } from './adapter-model.ts';

export interface EpochReport {
  epoch: number;
  /** Mean batch loss over the epoch. */
  loss: number;
  pairsPerSecond: number;
  temperature: number;
  seconds: number;
}

export interface TrainOptions {
  seed: number;
  parameters: TrainingParameters;
  onEpoch?: (report: EpochReport) => void | Promise<void>;
  /** Called between batches, at most every ~500 ms (heartbeats; lets other work run). */
  tick?: () => Promise<void>;
}

export interface TrainResult {
  params: AdapterParams;
  curve: EpochReport[];
  /** Loss of the untrained (identity) adapter on the first batch, before any update. */
  initialLoss: number;
}

function yieldToLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

export async function trainAdapter(data: PairData, options: TrainOptions): Promise<TrainResult> {
  const { parameters: hp, seed } = options;
  const n = data.image.length / data.dim;
  if (n < 2) throw new Error(`training needs at least 2 pairs, got ${n}`);
  const params = identityParams(data.dim, hp.temperature);
  const adam = new Adam(params, { learningRate: hp.learningRate, weightDecay: hp.weightDecay, learnTemperature: hp.learnTemperature });
  const batchSize = Math.min(hp.batchSize, n);
  const curve: EpochReport[] = [];
  let initialLoss = Number.NaN;
  let lastTick = Date.now();
  for (let epoch = 1; epoch <= hp.epochs; epoch += 1) {
    const began = Date.now();
    const order = shuffle(Array.from({ length: n }, (_, i) => i), randomFor(seed, 'epoch', epoch));
    let lossSum = 0;
    let batches = 0;
    for (let start = 0; start + 2 <= n; start += batchSize) {
      const rows = order.slice(start, start + batchSize);
      if (rows.length < 2) break;
      const { loss, grad } = lossAndGradients(params, data, rows, hp.sides);
      if (epoch === 1 && batches === 0) initialLoss = loss;
      adam.update(params, grad);
      lossSum += loss;
      batches += 1;
      if (Date.now() - lastTick > 500) {
        await (options.tick ? options.tick() : yieldToLoop());
        lastTick = Date.now();
      }
    }
    const seconds = (Date.now() - began) / 1000;
    const report: EpochReport = { epoch, loss: lossSum / batches, pairsPerSecond: n / Math.max(seconds, 1e-3), temperature: Math.exp(-params.logScale), seconds };
    curve.push(report);
    await options.onEpoch?.(report);
  }
  return { params, curve, initialLoss };
}
