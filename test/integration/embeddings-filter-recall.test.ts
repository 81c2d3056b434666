// Filtered searches keep their recall: pgvector applies a filter after the HNSW scan, so with a
// selective filter (1% of the rows) a plain scan of ef_search candidates finds almost none; the
// iterative index scan SearchCore turns on keeps scanning until k rows pass, and SearchCore ranks
// the rows of a filter this selective exactly anyway. Measured here on 20,000 random vectors
// against an exact scan.
import t from 'tap';
import { seededUnitVectors } from '../../bench/random-vectors.ts';
import { createRuntime } from '../../runtime/runtime.ts';
import type { DbClient } from '../../projections/db.ts';
import { ident } from '../../projections/db.ts';
import { SearchCore } from '../../projections/embeddings/search.ts';
import { vectorLiteral } from '../../projections/embeddings/vectors.ts';
import { idBase } from './fixtures.ts';
import { applyDirectly, dropSpace, embedding, testSpace, versionsOf } from './embeddings-fixtures.ts';

const N = 20_000;
const DIM = 16;
const RARE_EVERY = 100;
const QUERIES = 20;
const K = 10;

/** Seeded unit vectors (normalised Gaussians), so every run measures the same data. */
function unitVectors(count: number, dimension: number, seed: string): number[][] {
  return seededUnitVectors(count, dimension, seed).map((v) => Array.from(v));
}

const exactly = ['SET LOCAL enable_indexscan = off'];

async function nearestIds(client: DbClient, table: string, query: number[], settings: string[], filtered: boolean): Promise<number[]> {
  await client.query('BEGIN');
  try {
    for (const s of settings) await client.query(s);
    const { rows } = await client.query<{ product_id: number }>(
      // Forced index scans filter through an expression no B-tree serves, so they really scan HNSW.
      `SELECT product_id FROM ${ident(table)} WHERE image_embedding IS NOT NULL ${filtered ? (settings === exactly ? `AND article_type = 'Rare'` : `AND article_type || '' = 'Rare'`) : ''}
       ORDER BY image_embedding <=> $1::vector LIMIT ${K}`,
      [vectorLiteral(query)],
    );
    return rows.map((r) => r.product_id);
  } finally {
    await client.query('COMMIT');
  }
}

t.test('a selective filter still returns k rows, with high recall against an exact scan', async (t) => {
  const rt = createRuntime('test-embeddings-filter-recall');
  t.teardown(() => rt.close());
  const space = testSpace(N);
  t.teardown(() => dropSpace(rt.db, space));
  const version = space.version('recall');
  const base = idBase();
  const vectors = unitVectors(N, DIM, 'filter-recall');
  const events = vectors.map((v, i) => embedding(base + i, version, v, v, { articleType: i % RARE_EVERY === 0 ? 'Rare' : 'Common' }));
  await applyDirectly(rt.db, space, events);
  const row = (await versionsOf(rt.db, space)).find((v) => v.version === version);
  t.match(row, { state: 'live', rows: N, indexed: true }, 'the bulk-loaded version is complete, indexed and live');

  const search = new SearchCore(rt.db, { namespace: space.namespace });
  const hnswOnly = new SearchCore(rt.db, { namespace: space.namespace, exactBelow: 0 });
  const queries = unitVectors(QUERIES, DIM, 'filter-recall-queries');
  const client = await rt.db.connect();
  t.teardown(() => client.release());
  const hnswWithout = ['SET LOCAL enable_seqscan = off', `SET LOCAL hnsw.iterative_scan = off`, 'SET LOCAL hnsw.ef_search = 40'];
  const hnswIterative = ['SET LOCAL enable_seqscan = off', `SET LOCAL hnsw.iterative_scan = strict_order`, 'SET LOCAL hnsw.ef_search = 100'];

  const plan = await client.query<{ 'QUERY PLAN': string }>(
    `EXPLAIN SELECT product_id FROM ${ident(row!.table)} WHERE image_embedding IS NOT NULL AND article_type = 'Rare' ORDER BY image_embedding <=> $1::vector LIMIT ${K}`,
    [vectorLiteral(queries[0]!)],
  );
  t.comment(`the plan Postgres picks for a filtered query (exactBelow = 0):\n${plan.rows.map((r) => r['QUERY PLAN']).join('\n')}`);

  let coreRows = 0;
  let coreHits = 0;
  let hnswOnlyRows = 0;
  let hnswOnlyHits = 0;
  let withoutRows = 0;
  let iterativeRows = 0;
  let iterativeHits = 0;
  let unfilteredHits = 0;
  for (const q of queries) {
    const exact = await nearestIds(client, row!.table, q, exactly, true);
    t.equal(exact.length, K);
    const core = (await search.byImageVector(new Float32Array(q), { k: K, filters: { articleType: ['Rare'] } })).hits.map((h) => h.product.id);
    coreRows += core.length;
    coreHits += core.filter((id) => exact.includes(id)).length;
    const viaIndex = (await hnswOnly.byImageVector(new Float32Array(q), { k: K, filters: { articleType: ['Rare'] } })).hits.map((h) => h.product.id);
    hnswOnlyRows += viaIndex.length;
    hnswOnlyHits += viaIndex.filter((id) => exact.includes(id)).length;
    withoutRows += (await nearestIds(client, row!.table, q, hnswWithout, true)).length;
    const iterative = await nearestIds(client, row!.table, q, hnswIterative, true);
    iterativeRows += iterative.length;
    iterativeHits += iterative.filter((id) => exact.includes(id)).length;
    const exactAll = await nearestIds(client, row!.table, q, exactly, false);
    const coreAll = (await search.byImageVector(new Float32Array(q), { k: K })).hits.map((h) => h.product.id);
    unfilteredHits += coreAll.filter((id) => exactAll.includes(id)).length;
  }
  const total = QUERIES * K;
  const figures = {
    searchCoreFilteredRows: coreRows / QUERIES,
    searchCoreFilteredRecall: coreHits / total,
    searchCoreHnswOnlyRows: hnswOnlyRows / QUERIES,
    searchCoreHnswOnlyRecall: hnswOnlyHits / total,
    hnswWithoutIterativeRows: withoutRows / QUERIES,
    hnswIterativeRows: iterativeRows / QUERIES,
    hnswIterativeRecall: iterativeHits / total,
    searchCoreUnfilteredRecall: unfilteredHits / total,
  };
  t.comment(JSON.stringify(figures));
  t.equal(coreRows, total, 'SearchCore returns k rows for every query under a 1% filter');
  t.equal(figures.searchCoreFilteredRecall, 1, 'a filter passing 200 rows is ranked exactly');
  t.equal(hnswOnlyRows, total, 'left to the planner (exactBelow = 0) it also returns k rows');
  t.ok(figures.searchCoreHnswOnlyRecall >= 0.9, `with filtered recall@10 ${figures.searchCoreHnswOnlyRecall} >= 0.9`);
  t.ok(figures.hnswWithoutIterativeRows < K / 2, `without iterative scans the index returns ${figures.hnswWithoutIterativeRows} of ${K} rows on average`);
  t.equal(iterativeRows, total, 'the forced HNSW index scan with iterative scans fills k rows');
  t.ok(figures.hnswIterativeRecall >= 0.9, `recall@10 of the HNSW index with iterative scans ${figures.hnswIterativeRecall} >= 0.9`);
  t.ok(figures.searchCoreUnfilteredRecall >= 0.9, `unfiltered recall@10 ${figures.searchCoreUnfilteredRecall} >= 0.9`);

  // Pages through the HNSW scan are exact: pages of 7 are the one page of 49, cut in 7.
  for (const filters of [undefined, { articleType: ['Common'] }]) {
    const q = new Float32Array(queries[1]!);
    const whole = (await search.byImageVector(q, { k: 49, filters })).hits.map((h) => h.product.id);
    const pages: number[] = [];
    for (let offset = 0; offset < 49; offset += 7) pages.push(...(await search.byImageVector(q, { k: 7, offset, filters })).hits.map((h) => h.product.id));
    t.same(pages, whole, `pages of 7 through the index equal one page of 49 (${filters ? 'filtered' : 'unfiltered'})`);
    t.equal(new Set(pages).size, 49, 'no product twice');
  }
});
