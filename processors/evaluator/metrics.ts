// Retrieval metrics over ranked results (queries × k gallery indices, best first), pure functions
// so hand-computed cases can check them:
//   accuracy@k        share of queries with at least one relevant result in the top k
//   group accuracy@k  mean over queries of the share of the top k that is in the query's group
// and latency summaries (mean, p95 by the nearest-rank method).
import type { Ranked } from './exact-search.ts';

export const KS = [1, 3, 5, 10] as const;

export function accuracyAtK(ranked: Ranked, relevant: (query: number, galleryIndex: number) => boolean, ks: readonly number[] = KS): Map<number, number> {
  const queries = ranked.indices.length / ranked.k;
  const firstHit = new Int32Array(queries).fill(-1);
  for (let q = 0; q < queries; q += 1) {
    for (let r = 0; r < ranked.k; r += 1) {
      if (relevant(q, ranked.indices[q * ranked.k + r]!)) {
        firstHit[q] = r;
        break;
      }
    }
  }
  const out = new Map<number, number>();
  for (const k of ks) {
    let hits = 0;
    for (let q = 0; q < queries; q += 1) if (firstHit[q]! >= 0 && firstHit[q]! < k) hits += 1;
    out.set(k, queries === 0 ? 0 : hits / queries);
  }
  return out;
}

export function groupAccuracyAtK(ranked: Ranked, sameGroup: (query: number, galleryIndex: number) => boolean, ks: readonly number[] = KS): Map<number, number> {
  const queries = ranked.indices.length / ranked.k;
  const out = new Map<number, number>();
  for (const k of ks) {
    const top = Math.min(k, ranked.k);
    let sum = 0;
    for (let q = 0; q < queries; q += 1) {
      let same = 0;
      for (let r = 0; r < top; r += 1) if (sameGroup(q, ranked.indices[q * ranked.k + r]!)) same += 1;
      sum += top === 0 ? 0 : same / top;
    }
    out.set(k, queries === 0 ? 0 : sum / queries);
  }
  return out;
}

export function latencySummary(millis: number[]): { mean: number; p95: number } {
  if (millis.length === 0) return { mean: 0, p95: 0 };
  const sorted = [...millis].sort((a, b) => a - b);
  const mean = sorted.reduce((s, v) => s + v, 0) / sorted.length;
  const p95 = sorted[Math.min(sorted.length - 1, Math.ceil(0.95 * sorted.length) - 1)]!;
  return { mean, p95 };
}
