// Seeded pseudo-random numbers for everything in the MLOps loop that must repeat exactly for a
// seed: the train/test split, the order of training batches, the augmented query images.
import crypto from 'node:crypto';
import { mulberry32 } from '../models/util/prng.ts';

export { mulberry32 };

export type Random = () => number;

/** A 32-bit seed derived from a seed and labels, so independent streams do not overlap. */
export function deriveSeed(seed: number, ...labels: Array<string | number>): number {
  const hash = crypto.createHash('sha256').update(`${seed}`);
  for (const label of labels) hash.update(`\u0000${label}`);
  return hash.digest().readUInt32LE(0);
}

export function randomFor(seed: number, ...labels: Array<string | number>): Random {
  return mulberry32(deriveSeed(seed, ...labels));
}

/** Fisher–Yates, in place. */
export function shuffle<T>(items: T[], random: Random): T[] {
  for (let i = items.length - 1; i > 0; i -= 1) {
    const j = Math.floor(random() * (i + 1));
    const tmp = items[i]!;
    items[i] = items[j]!;
    items[j] = tmp;
  }
  return items;
}

/** Uniform in [low, high). */
export function uniform(random: Random, low: number, high: number): number {
  return low + (high - low) * random();
}
