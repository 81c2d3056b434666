// Paired statistics for comparing two models on the same queries, pure functions so hand-computed
// cases can check them:
//   pairedIntervals      per metric, the difference challenger − champion of the per-query means
//                        with a seeded percentile bootstrap interval (the same resampled queries
//                        for every metric, so the intervals are paired and repeat for a seed)
//   mcnemarExactP        the exact two-sided McNemar test of a 0/1 metric (acc@k): under "no
//                        difference" the discordant queries split like a fair coin
//   minimumDetectableEffect  the smallest difference a split of n queries detects with the given
//                        confidence and power: (z_confidence + z_power) · sd / √n, where sd is the
//                        per-query differences' standard deviation, floored at √(3/n) (with no
//                        discordant query seen, 3/n is the 95% upper bound of their rate — the
//                        "rule of three" — so an identical pair never claims infinite power)
import type { MetricInterval } from '../schemas/types.generated.ts';
import { randomFor } from './prng.ts';

/** One metric's paired comparison, as it travels in EvaluationCompleted.intervals. */
export type PairedInterval = MetricInterval;

export interface BootstrapOptions {
  seed: number;
  resamples: number;
  confidence: number;
}

/** Standard normal quantile, Abramowitz & Stegun 26.2.23 (absolute error < 4.5e-4). */
export function normalQuantile(p: number): number {
  if (!(p > 0 && p < 1)) throw new RangeError(`normalQuantile: p must be in (0, 1), got ${p}`);
  if (p < 0.5) return -normalQuantile(1 - p);
  const t = Math.sqrt(-2 * Math.log(1 - p));
  return t - (2.515517 + 0.802853 * t + 0.010328 * t * t) / (1 + 1.432788 * t + 0.189269 * t * t + 0.001308 * t * t * t);
}

/** The nearest-rank quantile of sorted values: the ⌈q·n⌉-th smallest (the smallest for q = 0). */
export function nearestRank(sorted: ArrayLike<number>, q: number): number {
  const n = sorted.length;
  if (n === 0) return NaN;
  return sorted[Math.min(n - 1, Math.max(0, Math.ceil(q * n) - 1))]!;
}

/** Exact two-sided McNemar p-value: 2 · P(X ≤ min(b, c)) for X ~ Binomial(b + c, ½), at most 1. */
export function mcnemarExactP(improved: number, worsened: number): number {
  const n = improved + worsened;
  if (n === 0) return 1;
  const k = Math.min(improved, worsened);
  // Sum the binomial terms in log space: C(n, i) / 2^n.
  let logTerm = -n * Math.LN2; // i = 0
  let tail = Math.exp(logTerm);
  for (let i = 1; i <= k; i += 1) {
    logTerm += Math.log(n - i + 1) - Math.log(i);
    tail += Math.exp(logTerm);
  }
  return Math.min(1, 2 * tail);
}

/** The floor of the per-query differences' standard deviation for n queries: √(3/n). */
export function sdFloor(queries: number): number {
  return queries > 0 ? Math.sqrt(3 / queries) : Infinity;
}

export function minimumDetectableEffect(sdDifference: number, queries: number, confidence: number, power: number): number {
  if (queries <= 1) return Infinity;
  const sd = Math.max(sdDifference, sdFloor(queries));
  return ((normalQuantile(confidence) + normalQuantile(power)) * sd) / Math.sqrt(queries);
}

export function meanOf(values: Float64Array): number {
  let sum = 0;
  for (const v of values) sum += v;
  return values.length === 0 ? 0 : sum / values.length;
}

function sampleSd(values: Float64Array, m: number): number {
  if (values.length < 2) return 0;
  let ss = 0;
  for (const v of values) ss += (v - m) * (v - m);
  return Math.sqrt(ss / (values.length - 1));
}

const isBinary = (values: Float64Array): boolean => values.every((v) => v === 0 || v === 1);

/**
 * Paired intervals of every metric both sides have per-query outcomes for (same query order on
 * both sides). Metrics are taken in sorted name order, so the result repeats for a seed.
 */
export function pairedIntervals(champion: Record<string, Float64Array>, challenger: Record<string, Float64Array>, options: BootstrapOptions): PairedInterval[] {
  const { seed, resamples, confidence } = options;
  if (!(confidence > 0.5 && confidence < 1)) throw new RangeError(`confidence must be in (0.5, 1), got ${confidence}`);
  if (!Number.isInteger(resamples) || resamples < 1) throw new RangeError(`resamples must be a positive integer, got ${resamples}`);
  const metrics = Object.keys(challenger).filter((m) => champion[m] !== undefined).sort();
  const diffs = metrics.map((m) => {
    const a = champion[m]!;
    const b = challenger[m]!;
    if (a.length !== b.length) throw new Error(`${m}: ${a.length} champion outcomes but ${b.length} challenger outcomes`);
    return b.map((v, q) => v - a[q]!);
  });
  const n = diffs[0]?.length ?? 0;
  const means = metrics.map(() => new Float64Array(resamples));
  const random = randomFor(seed, 'paired-bootstrap');
  const draw = new Int32Array(n);
  for (let r = 0; r < resamples; r += 1) {
    for (let i = 0; i < n; i += 1) draw[i] = Math.floor(random() * n);
    diffs.forEach((d, m) => {
      let sum = 0;
      for (let i = 0; i < n; i += 1) sum += d[draw[i]!]!;
      means[m]![r] = n === 0 ? 0 : sum / n;
    });
  }
  return metrics.map((metric, m) => {
    const a = champion[metric]!;
    const b = challenger[metric]!;
    const d = diffs[m]!;
    const sorted = means[m]!.sort();
    const difference = meanOf(d);
    let improved = 0;
    let worsened = 0;
    for (const v of d) {
      if (v > 0) improved += 1;
      else if (v < 0) worsened += 1;
    }
    return {
      metric,
      champion: meanOf(a),
      challenger: meanOf(b),
      difference,
      low: nearestRank(sorted, 1 - confidence),
      high: nearestRank(sorted, confidence),
      confidence,
      sdDifference: sampleSd(d, difference),
      queries: n,
      improved,
      worsened,
      mcnemarP: isBinary(a) && isBinary(b) ? mcnemarExactP(improved, worsened) : null,
      resamples,
      seed,
    };
  });
}
