// Seeded pseudo-random numbers for everything in the MLOps loop that must repeat exactly for a
// seed: the train/test split, the order of training batches, the augmented query images.
import crypto from 'node:crypto';

export type Random = () => number;

/** mulberry32: a small, fast 32-bit generator; uniform in [0, 1). */
export function mulberry32(seed: number): Random {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

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
