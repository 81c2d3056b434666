// Retrieval metrics over ranked results (queries × k gallery indices, best first), pure functions
// so hand-computed cases can check them:
//   accuracy@k        share of queries with at least one relevant result in the top k
//   group accuracy@k  mean over queries of the share of the top k that is in the query's group
// (each also per query, hitsAtK and groupSharesAtK, for the paired comparison of two models)
// and latency summaries (mean, p95 by the nearest-rank method).
import { meanOf } from '../../mlops/paired-stats.ts';

export { meanOf };
import type { Ranked } from './exact-search.ts';

export const KS = [1, 3, 5, 10] as const;

/** Per query and k: 1 when a relevant result is in the top k, else 0 (accuracy@k is their mean). */
export function hitsAtK(ranked: Ranked, relevant: (query: number, galleryIndex: number) => boolean, ks: readonly number[] = KS): Map<number, Float64Array> {
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
  return new Map(ks.map((k) => [k, Float64Array.from(firstHit, (hit) => (hit >= 0 && hit < k ? 1 : 0))]));
}

/** Per query and k: the share of the top k in the query's group (group accuracy@k is their mean). */
export function groupSharesAtK(ranked: Ranked, sameGroup: (query: number, galleryIndex: number) => boolean, ks: readonly number[] = KS): Map<number, Float64Array> {
  const queries = ranked.indices.length / ranked.k;
  const out = new Map<number, Float64Array>();
  for (const k of ks) {
    const top = Math.min(k, ranked.k);
    const shares = new Float64Array(queries);
    for (let q = 0; q < queries; q += 1) {
      let same = 0;
      for (let r = 0; r < top; r += 1) if (sameGroup(q, ranked.indices[q * ranked.k + r]!)) same += 1;
      shares[q] = top === 0 ? 0 : same / top;
    }
    out.set(k, shares);
  }
  return out;
}

const means = (perQuery: Map<number, Float64Array>): Map<number, number> => new Map([...perQuery].map(([k, v]) => [k, meanOf(v)]));

export function accuracyAtK(ranked: Ranked, relevant: (query: number, galleryIndex: number) => boolean, ks: readonly number[] = KS): Map<number, number> {
  return means(hitsAtK(ranked, relevant, ks));
}

export function groupAccuracyAtK(ranked: Ranked, sameGroup: (query: number, galleryIndex: number) => boolean, ks: readonly number[] = KS): Map<number, number> {
  return means(groupSharesAtK(ranked, sameGroup, ks));
}

export function latencySummary(millis: number[]): { mean: number; p95: number } {
  if (millis.length === 0) return { mean: 0, p95: 0 };
  const sorted = [...millis].sort((a, b) => a - b);
  const mean = sorted.reduce((s, v) => s + v, 0) / sorted.length;
  const p95 = sorted[Math.min(sorted.length - 1, Math.ceil(0.95 * sorted.length) - 1)]!;
  return { mean, p95 };
}
