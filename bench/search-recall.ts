// Search recall benchmark: HNSW recall@10 against an exact scan, without a filter and with a
// selective (1%) and a broad (20%) one, and the speed-up over the exact scan, on N random unit
// vectors (normalised Gaussians) of dimension 256 in a version table of the embeddings projection
// built the way the projection builds it (bulk load, then the indexes). SearchCore as served is
// measured next to SearchCore always scanning HNSW, the plain HNSW scan (pgvector defaults), the
// strict- and relaxed-order iterative scans, and an ef_search sweep.
import { createRuntime } from '../runtime/runtime.ts';
import { lockProjection, ensureLive } from '../projections/apply.ts';
import { ensureCatalog, exposeTable, physical } from '../projections/catalog.ts';
import { ident, inTransaction, type Db, type DbClient } from '../projections/db.ts';
import { createEmbeddingsProjection } from '../projections/embeddings/projection.ts';
import { addRows, registerVersion, settleVersions } from '../projections/embeddings/registry.ts';
import { createVersionTable } from '../projections/embeddings/schema.ts';
import { SearchCore } from '../projections/embeddings/search.ts';
import { vectorLiteral } from '../projections/embeddings/vectors.ts';
import { discardProjection } from '../projections/projection.ts';
import { writeResult } from './report.ts';

export interface SearchRecallOptions {
  n?: number;
  dimension?: number;
  queries?: number;
  k?: number;
  /** Share of rows that pass the selective filter; default 0.01 (a broad filter passes 20%). */
  selectivity?: number;
  keep?: boolean;
}

import { seededUnitVectors } from './random-vectors.ts';

const NAMESPACE = 'bench_recall';
const VERSION = 'bench-random';


interface Timed<T> {
  value: T;
  ms: number;
}

async function timed<T>(fn: () => Promise<T>): Promise<Timed<T>> {
  const began = process.hrtime.bigint();
  const value = await fn();
  return { value, ms: Number(process.hrtime.bigint() - began) / 1e6 };
}

function summary(ms: number[]): { mean: number; p50: number; p95: number } {
  const sorted = [...ms].sort((a, b) => a - b);
  const at = (q: number): number => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
  const round = (x: number): number => Math.round(x * 100) / 100;
  return { mean: round(ms.reduce((s, x) => s + x, 0) / ms.length), p50: round(at(0.5)), p95: round(at(0.95)) };
}

/** Builds the table: rows generated in SQL (seeded), bulk-loaded, then indexed by the projection's own code. */
async function buildTable(db: Db, n: number, dimension: number, rareEvery: number, say: (line: string) => void): Promise<{ table: string; loadSeconds: number; indexSeconds: number }> {
  const projection = createEmbeddingsProjection({ namespace: NAMESPACE, expectedRows: async () => n });
  const loadStart = Date.now();
  const { table, generation } = await inTransaction(db, async (client) => {
    await ensureCatalog(client);
    await discardProjection(client, projection);
    await lockProjection(client, projection.name);
    const g = await ensureLive(client, projection);
    const { row } = await registerVersion(client, projection.names, g, VERSION, dimension, new Date(0));
    await createVersionTable(client, row.table, g, dimension);
    await exposeTable(client, row.table, g);
    return { table: row.table, generation: g };
  });
  const name = ident(physical(table, generation));
  const chunk = 5000;
  const loader = await db.connect();
  try {
    await loader.query(`SELECT setseed(0.42)`); // random() is seeded per session: one session loads all
    for (let start = 1; start <= n; start += chunk) {
      const end = Math.min(n, start + chunk - 1);
      await loader.query(
        `INSERT INTO ${name} (product_id, display_name, article_type, embedded_at, image_embedding)
         SELECT i, 'bench product ' || i, CASE WHEN i % $3 = 0 THEN 'Rare' WHEN i % 5 = 1 THEN 'Some' ELSE 'Common' END, 'epoch',
                l2_normalize(ARRAY(SELECT random_normal() FROM generate_series(1, $4) WHERE i > 0)::vector)
         FROM generate_series($1::int, $2::int) i`,
        [start, end, rareEvery, dimension],
      );
      say(`loaded ${end} of ${n} rows`);
    }
  } finally {
    loader.release();
  }
  const loadSeconds = (Date.now() - loadStart) / 1000;
  const indexStart = Date.now();
  await inTransaction(db, async (client) => {
    await lockProjection(client, projection.name);
    await addRows(client, projection.names, generation, VERSION, n);
    await settleVersions(client, projection.names, generation, async () => n);
  });
  return { table, loadSeconds, indexSeconds: (Date.now() - indexStart) / 1000 };
}

type Filter = 'none' | 'selective' | 'broad';

const FILTER_SQL: Record<Filter, string> = { none: '', selective: `AND article_type = 'Rare'`, broad: `AND article_type = 'Some'` };
/** The same filters written so that no B-tree can serve them: forced HNSW scans really scan HNSW. */
const FILTER_SQL_NO_BTREE: Record<Filter, string> = { none: '', selective: `AND article_type || '' = 'Rare'`, broad: `AND article_type || '' = 'Some'` };
const FILTER_VALUE: Record<Filter, string | undefined> = { none: undefined, selective: 'Rare', broad: 'Some' };

async function nearest(client: DbClient, table: string, query: Float32Array, k: number, settings: string[], filter: Filter): Promise<Timed<number[]>> {
  await client.query('BEGIN READ ONLY');
  try {
    for (const s of settings) await client.query(s);
    const where = settings === EXACT ? FILTER_SQL[filter] : FILTER_SQL_NO_BTREE[filter];
    return await timed(async () => {
      const { rows } = await client.query<{ product_id: number }>(
        `SELECT product_id FROM ${ident(table)} WHERE image_embedding IS NOT NULL ${where}
         ORDER BY image_embedding <=> $1::vector LIMIT ${k}`,
        [vectorLiteral(query)],
      );
      return rows.map((r) => r.product_id);
    });
  } finally {
    await client.query('COMMIT');
  }
}

const EXACT = ['SET LOCAL enable_indexscan = off'];
// The raw HNSW variants force the index (the planner may prefer another plan for a filter).
const forced = (iterative: string, ef: number): string[] => ['SET LOCAL enable_seqscan = off', `SET LOCAL hnsw.iterative_scan = ${iterative}`, `SET LOCAL hnsw.ef_search = ${ef}`];

/** The scan the planner picks for a query (no forcing). */
async function planOf(client: DbClient, table: string, query: Float32Array, k: number, filter: Filter): Promise<string> {
  const { rows } = await client.query<{ 'QUERY PLAN': string }>(
    `EXPLAIN SELECT product_id FROM ${ident(table)} WHERE image_embedding IS NOT NULL ${FILTER_SQL[filter]}
     ORDER BY image_embedding <=> $1::vector LIMIT ${k}`,
    [vectorLiteral(query)],
  );
  const scan = rows.map((r) => r['QUERY PLAN'].trim()).find((line) => /Scan/.test(line)) ?? '';
  return scan.replace(/^->\s*/, '').replace(/\s+\(cost=.*$/, '');
}

interface Variant {
  name: string;
  run: (q: Float32Array, filter: Filter) => Promise<Timed<number[]>>;
}

export async function benchSearchRecall(options: SearchRecallOptions = {}): Promise<Record<string, unknown>> {
  const n = options.n ?? 40_000;
  const dimension = options.dimension ?? 256;
  const queryCount = options.queries ?? 100;
  const k = options.k ?? 10;
  const selectivity = options.selectivity ?? 0.01;
  const rareEvery = Math.max(1, Math.round(1 / selectivity));
  const say = (line: string): void => void process.stdout.write(`${line}\n`);
  const rt = createRuntime('bench-search-recall');
  try {
    const built = await buildTable(rt.db, n, dimension, rareEvery, say);
    say(`bulk load ${built.loadSeconds.toFixed(1)} s, index build (HNSW, full text, filter columns) ${built.indexSeconds.toFixed(1)} s`);
    const auto = new SearchCore(rt.db, { namespace: NAMESPACE });
    const hnswOnly = new SearchCore(rt.db, { namespace: NAMESPACE, exactBelow: 0 });
    const queries = seededUnitVectors(queryCount, dimension, 'search-recall-queries');
    const client = await rt.db.connect();
    const counts = await client.query<{ rare: string; some: string }>(
      `SELECT count(*) FILTER (WHERE article_type = 'Rare') AS rare, count(*) FILTER (WHERE article_type = 'Some') AS some FROM ${ident(built.table)}`,
    );
    const rowsPassing: Record<Filter, number> = { none: n, selective: Number(counts.rows[0]!.rare), broad: Number(counts.rows[0]!.some) };
    const result: Record<string, unknown> = { n, dimension, k, queries: queryCount, index: { m: 16, efConstruction: 64 }, build: built, rowsPassing };
    const core = (search: SearchCore) => async (q: Float32Array, filter: Filter): Promise<Timed<number[]>> => {
      const value = FILTER_VALUE[filter];
      const page = await timed(() => search.byImageVector(q, { k, filters: value ? { articleType: [value] } : undefined }));
      return { value: page.value.hits.map((h) => h.product.id), ms: page.ms };
    };
    const variants: Variant[] = [
      { name: 'searchCore', run: core(auto) },
      { name: 'searchCoreHnswOnly', run: core(hnswOnly) },
      { name: 'hnswPlain', run: (q, f) => nearest(client, built.table, q, k, forced('off', 40), f) },
      { name: 'hnswStrict', run: (q, f) => nearest(client, built.table, q, k, forced('strict_order', 100), f) },
      { name: 'hnswRelaxed', run: (q, f) => nearest(client, built.table, q, k, forced('relaxed_order', 100), f) },
    ];
    try {
      for (const q of queries.slice(0, 5)) await nearest(client, built.table, q, k, EXACT, 'none'); // warm the cache
      for (const filter of ['none', 'selective', 'broad'] as Filter[]) {
        const exactTimes: number[] = [];
        const times = new Map<string, number[]>(variants.map((v) => [v.name, []]));
        const hits = new Map<string, number>(variants.map((v) => [v.name, 0]));
        const rows = new Map<string, number>(variants.map((v) => [v.name, 0]));
        for (const [i, q] of queries.entries()) {
          const exact = await nearest(client, built.table, q, k, EXACT, filter);
          exactTimes.push(exact.ms);
          // Each query runs the variants in a rotated order, so none always follows the exact scan's cache churn.
          for (const variant of [...variants.slice(i % variants.length), ...variants.slice(0, i % variants.length)]) {
            const run = await variant.run(q, filter);
            times.get(variant.name)!.push(run.ms);
            rows.set(variant.name, rows.get(variant.name)! + run.value.length);
            hits.set(variant.name, hits.get(variant.name)! + run.value.filter((id) => exact.value.includes(id)).length);
          }
        }
        const exactMean = summary(exactTimes).mean;
        const section: Record<string, unknown> = { rowsPassing: rowsPassing[filter], exactScanMs: summary(exactTimes), plannerPicks: await planOf(client, built.table, queries[0]!, k, filter) };
        for (const { name } of variants) {
          const latency = summary(times.get(name)!);
          section[name] = { recallAt10: hits.get(name)! / (queryCount * k), rowsPerQuery: rows.get(name)! / queryCount, latencyMs: latency, speedUp: Math.round((exactMean / latency.mean) * 10) / 10 };
        }
        result[filter === 'none' ? 'unfiltered' : `${filter}Filter`] = section;
        say(`${filter}: ${JSON.stringify(section)}`);
      }
      const sweep: Record<string, unknown> = {};
      for (const ef of [40, 100, 200, 400, 800]) {
        let found = 0;
        const ms: number[] = [];
        for (const q of queries) {
          const exact = await nearest(client, built.table, q, k, EXACT, 'none');
          const run = await nearest(client, built.table, q, k, forced('strict_order', ef), 'none');
          ms.push(run.ms);
          found += run.value.filter((id) => exact.value.includes(id)).length;
        }
        sweep[`efSearch${ef}`] = { recallAt10: found / (queryCount * k), latencyMs: summary(ms) };
      }
      result.unfilteredEfSearchSweep = sweep;
      say(`ef_search sweep (unfiltered): ${JSON.stringify(sweep)}`);
      result.settings = {
        searchCore: 'SearchCore as served: HNSW, hnsw.iterative_scan = strict_order, ef_search = 100, max_scan_tuples = 20000; filters passing <= 5000 rows ranked exactly through the filter columns\' B-trees',
        searchCoreHnswOnly: 'SearchCore with exactBelow = 0: always the HNSW iterative scan',
        hnswPlain: 'HNSW index forced; hnsw.iterative_scan = off, ef_search = 40 (pgvector defaults)',
        hnswStrict: 'HNSW index forced; hnsw.iterative_scan = strict_order, ef_search = 100',
        hnswRelaxed: 'HNSW index forced; hnsw.iterative_scan = relaxed_order, ef_search = 100',
        exact: 'enable_indexscan = off (sequential or bitmap scan, then sort): the ground truth',
      };
    } finally {
      client.release();
    }
    if (!options.keep) {
      await inTransaction(rt.db, async (c) => discardProjection(c, createEmbeddingsProjection({ namespace: NAMESPACE })));
    }
    return result;
  } finally {
    await rt.close();
  }
}

export async function runSearchRecallBench(options: SearchRecallOptions = {}): Promise<void> {
  const result = await benchSearchRecall(options);
  const file = writeResult('search-recall', result);
  process.stdout.write(`${JSON.stringify(result, null, 2)}\nwritten to ${file}\n`);
}
