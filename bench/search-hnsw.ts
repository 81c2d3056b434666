// HNSW recall@k on the real catalog embeddings: what a searcher (SearchCore as served, or SearchCore
// always scanning HNSW) returns for a query vector and filters, judged against an exact scan of the
// same table (index scans off: a sequential or bitmap scan and a sort), and its speed-up over that
// scan.
//
// Judging: a returned row is a true neighbour when it passes the filters and its distance to the
// query, recomputed by Postgres, is at most the exact k-th distance (plus 1e-6 for rounding). Ties
// matter on a real catalog (identical images give identical vectors): a searcher that returns a
// tied duplicate in place of the exact scan's pick is right. Recall@k = true neighbours among the
// first k returned, over min(k, rows passing the filters).
import { ident, inTransaction, type Db } from '../projections/db.ts';
import { filterConditions, type SearchFilters } from '../projections/embeddings/filters.ts';
import { vectorLiteral } from '../projections/embeddings/vectors.ts';
import { percentile, round, timed } from './search-measure.ts';

export type VectorColumn = 'image_embedding' | 'text_embedding';

export interface Neighbour {
  id: number;
  distance: number;
}

/** Finds the k nearest rows of a vector under filters; what is measured. */
export type Searcher = (vector: Float32Array, filters: SearchFilters | undefined, k: number) => Promise<number[]>;

export interface RecallCount {
  /** Distinct returned rows (of the first k) that are true neighbours. */
  found: number;
  /** min(k, rows passing the filters). */
  expected: number;
  /** Rows returned (at most k counted). */
  returned: number;
  /** Returned rows that do not pass the filters. */
  outsideFilter: number;
}

/** The exact k nearest rows under the filters, ordered by (distance, id), with HNSW off. */
export async function exactNearest(db: Db, view: string, column: VectorColumn, vector: Float32Array, filters: SearchFilters | undefined, k: number): Promise<Neighbour[]> {
  const params: unknown[] = [vectorLiteral(vector)];
  const where = [`${column} IS NOT NULL`, ...filterConditions(filters, params)];
  params.push(k);
  return inTransaction(
    db,
    async (client) => {
      const { rows } = await client.query<{ product_id: number; distance: number }>(
        `SELECT product_id, ${column} <=> $1::vector AS distance FROM ${ident(view)} WHERE ${where.join(' AND ')} ORDER BY distance, product_id LIMIT $${params.length}`,
        params,
      );
      return rows.map((r) => ({ id: r.product_id, distance: r.distance }));
    },
    'BEGIN READ ONLY; SET LOCAL enable_indexscan = off',
  );
}

/** Each returned row's distance to the vector, recomputed, and whether it passes the filters. */
export async function judgeRows(db: Db, view: string, column: VectorColumn, vector: Float32Array, filters: SearchFilters | undefined, ids: number[]): Promise<Map<number, { distance: number; passes: boolean }>> {
  const params: unknown[] = [vectorLiteral(vector), ids];
  const conditions = filterConditions(filters, params);
  const passes = conditions.length ? conditions.map((c) => `coalesce(${c}, false)`).join(' AND ') : 'true';
  const { rows } = await db.query<{ product_id: number; distance: number | null; passes: boolean }>(
    `SELECT product_id, ${column} <=> $1::vector AS distance, ${passes} AS passes FROM ${ident(view)} WHERE product_id = ANY($2::int[])`,
    params,
  );
  return new Map(rows.map((r) => [r.product_id, { distance: r.distance ?? Infinity, passes: r.passes && r.distance !== null }]));
}

/** Counts the true neighbours among the first k returned ids (see the file comment). */
export function countRecall(returned: number[], judged: Map<number, { distance: number; passes: boolean }>, exact: Neighbour[], k: number): RecallCount {
  const first = returned.slice(0, k);
  const kth = exact.length > 0 ? exact[Math.min(k, exact.length) - 1]!.distance : -Infinity;
  let found = 0;
  let outsideFilter = 0;
  for (const id of new Set(first)) {
    const j = judged.get(id);
    if (!j || !j.passes) {
      outsideFilter += 1;
      continue;
    }
    if (j.distance <= kth + 1e-6) found += 1;
  }
  return { found, expected: Math.min(k, exact.length), returned: first.length, outsideFilter };
}

export interface RecallSection {
  queries: number;
  recallAtK: number;
  rowsPerQuery: number;
  outsideFilterRows: number;
  latencyMs: { mean: number; p50: number; p95: number };
  exactScanMs: { mean: number; p50: number; p95: number };
  speedUp: number;
}

function latency(ms: number[]): { mean: number; p50: number; p95: number } {
  return { mean: round(ms.reduce((s, v) => s + v, 0) / Math.max(1, ms.length)), p50: round(percentile(ms, 50)), p95: round(percentile(ms, 95)) };
}

/**
 * Runs every query through the exact scan and each searcher (in an order rotated per query, so
 * no searcher always follows the exact scan's cache churn) and judges what each returned.
 */
export async function measureRecall(db: Db, view: string, column: VectorColumn, queries: Float32Array[], filters: SearchFilters | undefined, searchers: Record<string, Searcher>, k = 10): Promise<Record<string, RecallSection>> {
  const names = Object.keys(searchers);
  const exactMs: number[] = [];
  const ms = new Map(names.map((n) => [n, [] as number[]]));
  const totals = new Map(names.map((n) => [n, { found: 0, expected: 0, returned: 0, outsideFilter: 0 }]));
  for (const [i, q] of queries.entries()) {
    const exact = await timed(() => exactNearest(db, view, column, q, filters, k));
    exactMs.push(exact.ms);
    for (const name of [...names.slice(i % names.length), ...names.slice(0, i % names.length)]) {
      const run = await timed(() => searchers[name]!(q, filters, k));
      ms.get(name)!.push(run.ms);
      const judged = await judgeRows(db, view, column, q, filters, run.value.slice(0, k));
      const c = countRecall(run.value, judged, exact.value, k);
      const t = totals.get(name)!;
      t.found += c.found;
      t.expected += c.expected;
      t.returned += c.returned;
      t.outsideFilter += c.outsideFilter;
    }
  }
  const exactLatency = latency(exactMs);
  const out: Record<string, RecallSection> = {};
  for (const name of names) {
    const t = totals.get(name)!;
    const l = latency(ms.get(name)!);
    out[name] = {
      queries: queries.length,
      recallAtK: t.expected === 0 ? 1 : round(t.found / t.expected, 4),
      rowsPerQuery: round(t.returned / Math.max(1, queries.length), 2),
      outsideFilterRows: t.outsideFilter,
      latencyMs: l,
      exactScanMs: exactLatency,
      speedUp: round(exactLatency.mean / l.mean, 1),
    };
  }
  return out;
}
