// `vitrina bench search-stages`: where a default-mode (name) text search spends its time, stage by
// stage, in process against the configured stack's live index and a `vitrina serve model` child:
// reading the query (understanding), resolving the live version, the catalog values the lexicon is
// built from (read anew, and what a request past the gateway cache's TTL waits for), embedding the
// text through the model server, the page's SQL, and the top-1,000 read that facets and
// collapse=name add (with counting and grouping). The stages run one after another
// for each dev-half shopper query, so the machine's load hits them alike; the figures to compare
// are the stages side by side. Also prints EXPLAIN ANALYZE of one page and one top-1,000 statement.
import { countFacets, collapseByName, RESULT_SET_SIZE } from '../gateway/result-sets.ts';
import { FILTER_NAMES, FilterValueCache, type KnownValues } from '../gateway/filters.ts';
import { createEncoderClient } from '../proto/client.ts';
import { SearchCore, type SearchOptions } from '../projections/embeddings/search.ts';
import { applyUnderstanding, buildLexicon, understand } from '../projections/embeddings/understand.ts';
import { createPool, type DbClient } from '../projections/db.ts';
import { createRuntime } from '../runtime/runtime.ts';
import { writeResult } from './report.ts';
import { loadShopperQueries } from './relevance-queries.ts';
import { loadAverage, nowMs, percentile, round } from './search-measure.ts';
import { startModelServerChild } from './services.ts';

export interface SearchStagesOptions {
  /** How many dev-half queries (default 150). */
  queries?: number;
  threads?: number;
}

const STAGES = ['understand', 'liveVersion', 'filterValues', 'filterValuesAsWaited', 'embed', 'page', 'top1000', 'facetsAndCollapse'] as const;
type Stage = (typeof STAGES)[number];

export async function runSearchStagesBench(options: SearchStagesOptions = {}, say: (line: string) => void = console.log): Promise<Record<string, unknown>> {
  const rt = createRuntime('bench-search-stages');
  const model = await startModelServerChild(options.threads ?? 1);
  const encoder = createEncoderClient(model.address, 10_000);
  try {
    const core = new SearchCore(rt.db);
    const version = await core.liveVersion();
    if (!version) throw new Error('no live model version in the search index: run `vitrina start` first');
    const lexicon = buildLexicon(await core.filterValues());
    // the gateway's cache of those values with its TTL passed at every request: what a request waits
    // for now (the read runs in the background), next to the read itself (what one request per TTL
    // waited for before)
    const expired = new FilterValueCache(async () => (await core.filterValues()) as KnownValues, 0);
    await expired.current();
    const queries = loadShopperQueries().filter((q) => q.half === 'dev').slice(0, options.queries ?? 150);
    const ms: Record<Stage, number[]> = Object.fromEntries(STAGES.map((s) => [s, []])) as unknown as Record<Stage, number[]>;
    const time = async <T>(stage: Stage, work: () => Promise<T> | T): Promise<T> => {
      const began = nowMs();
      const value = await work();
      ms[stage].push(nowMs() - began);
      return value;
    };
    const loadBefore = loadAverage();
    say(`bench search-stages: ${queries.length} dev-half queries, live ${version}; load average ${loadBefore}`);
    await encoder.embedTexts(['warm up'], version);
    let example: SearchOptions | undefined;
    let exampleVector: Float32Array | undefined;
    for (const q of queries) {
      const reading = await time('understand', () => understand(q.text, lexicon));
      const applied = applyUnderstanding(reading.items, {});
      await time('liveVersion', () => core.liveVersion());
      await time('filterValues', () => core.filterValues());
      await time('filterValuesAsWaited', () => expired.current());
      const vector = await time('embed', async () => (await encoder.embedTexts([reading.text], version)).vectors[0]!);
      const o: SearchOptions = { k: 10, filters: applied.filters, modelVersion: version, ...(Object.keys(applied.exclude).length > 0 ? { exclude: applied.exclude } : {}), ...(Object.keys(applied.boost).length > 0 ? { boost: applied.boost } : {}) };
      await time('page', () => core.byNameVector(vector, o));
      const top = await time('top1000', () => core.byNameVector(vector, { ...o, k: RESULT_SET_SIZE }));
      await time('facetsAndCollapse', () => {
        countFacets(top.hits, FILTER_NAMES);
        return collapseByName(top.hits);
      });
      if (!example && Object.keys(applied.filters).length > 0) {
        example = o;
        exampleVector = vector;
      }
    }
    const summary = Object.fromEntries(STAGES.map((s) => [s, { p50Ms: round(percentile(ms[s], 50)), p95Ms: round(percentile(ms[s], 95)), meanMs: round(ms[s].reduce((a, b) => a + b, 0) / ms[s].length) }]));
    for (const s of STAGES) say(`  ${s.padEnd(18)} p50 ${summary[s]!.p50Ms} ms, p95 ${summary[s]!.p95Ms} ms, mean ${summary[s]!.meanMs} ms`);
    const plans: Record<string, string[]> = {};
    if (example && exampleVector) {
      for (const [name, k] of [['page', 10], ['top1000', RESULT_SET_SIZE]] as const) {
        plans[name] = await explainAnalyze(rt.config.databaseUrl, exampleVector, { ...example, k });
        say(`EXPLAIN ANALYZE (${name}, filters ${JSON.stringify(example.filters)}):\n    ${plans[name]!.join('\n    ')}`);
      }
    }
    const result = { queries: queries.length, modelVersion: version, loadAverage1m: loadBefore, loadAverage1mAfter: loadAverage(), stages: summary, plans };
    writeResult('search-stages', result);
    return result;
  } finally {
    encoder.close();
    await model.stop();
    await rt.close();
  }
}

/** EXPLAIN ANALYZE of each ranking statement the core runs for one name search (its own session settings apply). */
async function explainAnalyze(databaseUrl: string, vector: Float32Array, o: SearchOptions): Promise<string[]> {
  const pool = createPool(databaseUrl, 1);
  const lines: string[] = [];
  const connect = pool.connect.bind(pool) as () => Promise<DbClient>;
  (pool as unknown as { connect: () => Promise<DbClient> }).connect = async () => {
    const client = await connect();
    const query = client.query.bind(client) as (text: string, params?: unknown[]) => Promise<{ rows: Array<Record<string, string>> }>;
    const patched = client as unknown as { query: typeof query };
    patched.query = async (text, params) => {
      if (typeof text === 'string' && text.includes('<=> $1::vector') && !text.startsWith('EXPLAIN')) {
        lines.push(...(await query(`EXPLAIN ANALYZE ${text}`, params)).rows.map((r) => r['QUERY PLAN']!.replace(/'\[[^\]]*\]'::vector/g, "'[query vector]'::vector")));
      }
      return query(text, params);
    };
    return client;
  };
  try {
    await new SearchCore(pool).byNameVector(vector, o);
  } finally {
    await pool.end();
  }
  return lines;
}
