// Cost as the catalog grows (`npx vitrina bench scale`): embeddings tables of 100k, 400k and 1M
// synthetic products made from the live catalog's own embeddings (bench/scale-data.ts), in a
// PostgreSQL schema of its own (bench/namespace.ts; the user's tables are only read), each loaded
// in bulk and indexed by the projection's own buildIndexes(), then made live. Per size: load and
// index build time (each index's from the builder's statement, sampled each second), table and index sizes, the
// building backend's peak memory (VmHWM of it and its parallel workers), search p50/p95 through
// SearchCore in process and through REST (a `serve gateway` child on the namespace, its query
// cache off, a `serve model` child encoding the shopper queries) at concurrency 1 and 8, and
// recall@10 of SearchCore against an exact scan, unfiltered (also at ef_search 200 and 400) and with
// a selective filter (the gender + articleType pair closest to 1% of the catalog).
import { ensureCatalog, exposeTable, physical } from '../projections/catalog.ts';
import { createPool, ident, inTransaction, type Db } from '../projections/db.ts';
import { createEmbeddingsProjection } from '../projections/embeddings/projection.ts';
import { addRows, registerVersion, settleVersions } from '../projections/embeddings/registry.ts';
import { buildIndexes, createVersionTable, indexNames } from '../projections/embeddings/schema.ts';
import { SearchCore, type SearchFilters } from '../projections/embeddings/search.ts';
import { discardProjection } from '../projections/projection.ts';
import { ensureLive } from '../projections/apply.ts';
import { createEncoderClient } from '../proto/client.ts';
import { createRuntime, type Runtime } from '../runtime/runtime.ts';
import { stopOnSignals } from '../streams/shutdown.ts';
import { createNamespace, type BenchNamespace } from './namespace.ts';
import { loadShopperQueries } from './relevance-queries.ts';
import { peakRssMiB, writeResult } from './report.ts';
import { liveTable, type LiveTable } from './search-inputs.ts';
import { measureRecall, type RecallSection } from './search-hnsw.ts';
import { loadAverage, round, underLoad, type LatencySummary } from './search-measure.ts';
import { startGatewayChild, startModelServerChild } from './services.ts';
import { loadSynthetic, prepareSource } from './scale-data.ts';

export interface ScaleOptions {
  sizes?: number[];
  /** Query vectors for recall and texts for latency (the first N shopper queries of bench/relevance/queries.tsv). */
  queries?: number;
  /** Of those, the query vectors judged for recall (each costs an exact scan of the table). */
  recallQueries?: number;
  /** Requests per latency figure at concurrency 1 (twice as many at 8). */
  requests?: number;
  /** maintenance_work_mem of the index build. */
  buildMemory?: string;
  /** onnxruntime threads of the model server. */
  threads?: number;
  keep?: boolean;
  /** Results file name under bench/results/ (default scale). */
  name?: string;
}

/** The namespace's DATABASE_URL with an application_name of its own, so its sessions can be found. */
function tagged(ns: BenchNamespace): string {
  const url = new URL(ns.databaseUrl);
  url.searchParams.set('application_name', `vitrina-${ns.id}`);
  return url.toString();
}

/**
 * Runs work in a namespace of its own (no topics), removing it afterwards unless kept; returns
 * work's value. work gets the namespace and its DATABASE_URL (tagged with an application_name): on
 * SIGINT or SIGTERM the sessions of that URL are ended (an index build would hold the schema's
 * locks) and the namespace removed before the process exits.
 */
export async function inScaleNamespace<T>(rt: Runtime, keep: boolean, work: (ns: BenchNamespace, databaseUrl: string) => Promise<T>): Promise<T> {
  const ns = await createNamespace(rt, []);
  const databaseUrl = tagged(ns);
  if (!keep) {
    stopOnSignals({
      stop: async () => {
        await rt.db.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1`, [`vitrina-${ns.id}`]).catch(() => undefined);
        await ns.remove();
      },
    });
  }
  try {
    return await work(ns, databaseUrl);
  } finally {
    if (!keep) {
      const failed = await ns.remove();
      if (failed.length > 0) process.stderr.write(`could not remove all of namespace ${ns.id}: ${failed.join('; ')}\n`);
    }
  }
}

interface BuildMonitor {
  stop(): Promise<{ indexSeconds: Record<string, number>; leaderPeakMiB: number; workersPeakMiB: number }>;
}

/** Samples once a second which index the backend `pid` builds (its statement names it), its peak RSS and the sum of its parallel workers' (PostgreSQL on this machine; 0 otherwise). */
function monitorBuild(db: Db, pid: number): BuildMonitor {
  const seen = new Map<string, { first: number; last: number }>();
  let leaderPeak = 0;
  let workersPeak = 0;
  let stopped = false;
  const loop = (async () => {
    while (!stopped) {
      try {
        const { rows } = await db.query<{ index: string | null; workers: number[] }>(
          `SELECT (SELECT substring(query FROM 'CREATE INDEX IF NOT EXISTS "?([a-z0-9_]+)') FROM pg_stat_activity WHERE pid = $1 AND state = 'active') AS index,
                  ARRAY(SELECT pid FROM pg_stat_activity WHERE leader_pid = $1) AS workers`,
          [pid],
        );
        const now = Date.now();
        const index = rows[0]?.index;
        if (index) {
          const s = seen.get(index) ?? { first: now, last: now };
          s.last = now;
          seen.set(index, s);
        }
        leaderPeak = Math.max(leaderPeak, peakRssMiB(pid) ?? 0);
        workersPeak = Math.max(workersPeak, (rows[0]?.workers ?? []).reduce((sum, w) => sum + (peakRssMiB(w) ?? 0), 0));
      } catch {
        // a sample lost; the next one counts
      }
      await new Promise((r) => setTimeout(r, 1000));
    }
  })();
  return {
    async stop() {
      stopped = true;
      await loop;
      leaderPeak = Math.max(leaderPeak, peakRssMiB(pid) ?? 0);
      const indexSeconds = Object.fromEntries([...seen].map(([name, s]) => [name, round((s.last - s.first) / 1000 + 1, 0)]));
      return { indexSeconds, leaderPeakMiB: Math.round(leaderPeak), workersPeakMiB: Math.round(workersPeak) };
    },
  };
}

interface Built {
  table: string;
  physicalTable: string;
  loadSeconds: number;
  indexBuildSeconds: number;
  indexSeconds: Record<string, number>;
  buildBackendPeakMiB: number;
  parallelWorkersPeakMiB: number;
  sizesMiB: Record<string, number>;
}

/** A fresh version table of `n` synthetic rows in the namespace, indexed and live. */
async function buildSize(db: Db, source: LiveTable, n: number, memory: string, say: (line: string) => void): Promise<Built> {
  const projection = createEmbeddingsProjection({ expectedRows: async () => n });
  const { table, generation } = await inTransaction(db, async (client) => {
    await ensureCatalog(client);
    await discardProjection(client, projection);
    const g = await ensureLive(client, projection);
    const { row } = await registerVersion(client, projection.names, g, source.version, source.dimension, new Date(0));
    await createVersionTable(client, row.table, g, source.dimension);
    await exposeTable(client, row.table, g);
    return { table: row.table, generation: g };
  });
  const name = physical(table, generation);
  const loader = await db.connect();
  let loadSeconds: number;
  try {
    const began = Date.now();
    await prepareSource(loader, `public.${ident(source.view)}`, source.dimension);
    await loadSynthetic(loader, name, n, source.dimension, {}, (rows) => {
      if (rows % 100_000 === 0 || rows === n) say(`  loaded ${rows} of ${n} rows (${((Date.now() - began) / 1000).toFixed(0)} s)`);
    });
    await loader.query(`VACUUM (ANALYZE) ${ident(name)}`);
    loadSeconds = (Date.now() - began) / 1000;
  } finally {
    loader.release();
  }
  // The projection's own index build (both HNSW, the full-text GIN, the filter B-trees), outside the
  // projection lock the catalog's projector shares; settleVersions() then finds them built.
  const builder = await db.connect();
  let indexBuildSeconds: number;
  let memoryPeak: Awaited<ReturnType<BuildMonitor['stop']>>;
  try {
    const pid = (await builder.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid;
    const monitor = monitorBuild(db, pid);
    const began = Date.now();
    try {
      await builder.query('BEGIN');
      await buildIndexes(builder, table, generation, memory);
      await builder.query('COMMIT');
    } catch (err) {
      await builder.query('ROLLBACK').catch(() => undefined);
      throw err;
    } finally {
      memoryPeak = await monitor.stop();
    }
    indexBuildSeconds = (Date.now() - began) / 1000;
  } finally {
    builder.release();
  }
  await inTransaction(db, async (client) => {
    await addRows(client, projection.names, generation, source.version, n);
    await settleVersions(client, projection.names, generation, async () => n);
  });
  const index = indexNames(table, generation);
  const { rows } = await db.query<{ table_mib: number; image_hnsw_mib: number; text_hnsw_mib: number; all_indexes_mib: number }>(
    `SELECT pg_table_size($1::regclass) / 1048576.0 AS table_mib, pg_relation_size($2::regclass) / 1048576.0 AS image_hnsw_mib,
            pg_relation_size($3::regclass) / 1048576.0 AS text_hnsw_mib, pg_indexes_size($1::regclass) / 1048576.0 AS all_indexes_mib`,
    [name, index.image, index.text],
  );
  const r = rows[0]!;
  const indexSeconds = Object.fromEntries(Object.entries(memoryPeak.indexSeconds).map(([k, v]) => [k === index.image ? 'imageHnsw' : k === index.text ? 'textHnsw' : k === index.keyword ? 'nameGin' : k, v]));
  return {
    table,
    physicalTable: name,
    loadSeconds: round(loadSeconds, 1),
    indexBuildSeconds: round(indexBuildSeconds, 1),
    indexSeconds,
    buildBackendPeakMiB: memoryPeak.leaderPeakMiB,
    parallelWorkersPeakMiB: memoryPeak.workersPeakMiB,
    sizesMiB: { table: round(Number(r.table_mib), 0), imageHnsw: round(Number(r.image_hnsw_mib), 0), textHnsw: round(Number(r.text_hnsw_mib), 0), allIndexes: round(Number(r.all_indexes_mib), 0) },
  };
}

/** The gender + articleType pair whose share of the catalog is closest to 1%. */
async function selectiveFilter(db: Db, source: LiveTable): Promise<{ filters: SearchFilters; share: number }> {
  const { rows } = await db.query<{ gender: string; article_type: string; share: number }>(
    `SELECT gender, article_type, count(*)::float8 / sum(count(*)) OVER () AS share FROM public.${ident(source.view)}
     WHERE gender IS NOT NULL AND article_type IS NOT NULL GROUP BY gender, article_type ORDER BY abs(count(*)::float8 / sum(count(*)) OVER () - 0.01), gender, article_type LIMIT 1`,
  );
  const r = rows[0]!;
  return { filters: { gender: [r.gender], articleType: [r.article_type] }, share: round(r.share, 4) };
}

function restQuery(text: string, filters?: SearchFilters): string {
  const params = new URLSearchParams({ q: text, k: '10', mode: 'vector', understand: 'false' });
  for (const [name, values] of Object.entries(filters ?? {})) for (const v of values as string[]) params.append(name, v);
  return `/api/v1/search?${params}`;
}

export async function benchScale(options: ScaleOptions = {}, say: (line: string) => void = (l) => void process.stdout.write(`${l}\n`)): Promise<Record<string, unknown>> {
  const sizes = options.sizes ?? [100_000, 400_000, 1_000_000];
  const queryCount = options.queries ?? 200;
  const requests = options.requests ?? 200;
  const recallCount = Math.min(queryCount, options.recallQueries ?? 100);
  const name = options.name ?? 'scale';
  const memory = options.buildMemory ?? '3GB';
  const rt = createRuntime('bench-scale');
  const result: Record<string, unknown> = { sizes, queries: queryCount, recallQueries: recallCount, requests, buildMemory: memory, index: { m: 16, efConstruction: 64 }, perSize: [] as unknown[] };
  try {
    const source = await liveTable(rt.db);
    const texts = loadShopperQueries().map((q) => q.text).slice(0, queryCount);
    say(`source: ${source.view} (${source.version}, ${source.rows} rows, dimension ${source.dimension}); ${texts.length} shopper queries`);
    const model = await startModelServerChild(options.threads ?? 1, ['--model', source.version]);
    stopOnSignals({ stop: async () => void (await model.stop()) });
    try {
      const encoder = createEncoderClient(model.address, 30_000);
      const queries: Float32Array[] = [];
      for (let i = 0; i < texts.length; i += 32) queries.push(...(await encoder.embedTexts(texts.slice(i, i + 32), source.version)).vectors);
      encoder.close();
      const selective = await selectiveFilter(rt.db, source);
      result.selectiveFilter = selective;
      say(`selective filter ${JSON.stringify(selective.filters)}: ${(selective.share * 100).toFixed(2)}% of the catalog`);
      await inScaleNamespace(rt, options.keep ?? false, async (ns, databaseUrl) => {
        result.schema = ns.schema;
        const db = createPool(databaseUrl, 12);
        try {
          for (const n of sizes) {
            const load: { before: number; after?: number } = { before: loadAverage() };
            say(`${n} rows: loading (load average ${load.before})`);
            const built = await buildSize(db, source, n, memory, say);
            writeResult(name, { ...result, building: { rows: n, ...built, loadAverage: { before: load.before, afterBuild: loadAverage() } } }); // a stopped run keeps the build's figures
            say(`  load ${built.loadSeconds} s, index build ${built.indexBuildSeconds} s ${JSON.stringify(built.indexSeconds)}, sizes MiB ${JSON.stringify(built.sizesMiB)}, build backend peak ${built.buildBackendPeakMiB} MiB (workers ${built.parallelWorkersPeakMiB})`);
            const core = new SearchCore(db);
            const ids = async (v: Float32Array, f: SearchFilters | undefined, k: number): Promise<number[]> => (await core.byTextVector(v, { k, filters: f })).hits.map((h) => h.product.id);
            for (const q of queries.slice(0, 20)) await ids(q, undefined, 10); // warm the index pages
            // SearchCore as served (ef_search 100) and with a wider first round, judged against the same exact scans.
            const wider = (efSearch: number) => {
              const c = new SearchCore(db, { efSearch });
              return async (v: Float32Array, f: SearchFilters | undefined, k: number): Promise<number[]> => (await c.byTextVector(v, { k, filters: f })).hits.map((h) => h.product.id);
            };
            const sweep = await measureRecall(db, built.table, 'image_embedding', queries.slice(0, recallCount), undefined, { searchCore: ids, efSearch200: wider(200), efSearch400: wider(400) });
            const recall: Record<string, RecallSection> = {
              unfiltered: sweep.searchCore!,
              unfilteredEfSearch200: sweep.efSearch200!,
              unfilteredEfSearch400: sweep.efSearch400!,
              selective: (await measureRecall(db, built.table, 'image_embedding', queries.slice(0, recallCount), selective.filters, { searchCore: ids })).searchCore!,
            };
            say(`  recall@10 unfiltered ${recall.unfiltered!.recallAtK} (ef_search 200: ${recall.unfilteredEfSearch200!.recallAtK}, 400: ${recall.unfilteredEfSearch400!.recallAtK}; exact scan p50 ${recall.unfiltered!.exactScanMs.p50} ms), selective ${recall.selective!.recallAtK}`);
            const coreCall = (f?: SearchFilters) => (i: number) => core.byTextVector(queries[i % queries.length]!, { k: 10, filters: f });
            const coreLatency: Record<string, LatencySummary> = {
              c1: await underLoad(requests, 1, coreCall()),
              c8: await underLoad(requests * 2, 8, coreCall()),
              selectiveC1: await underLoad(requests, 1, coreCall(selective.filters)),
            };
            writeResult(name, { ...result, building: { rows: n, ...built, recall, coreLatencyMs: coreLatency } }); // kept should REST fail
            const gateway = await startGatewayChild(model.address, { DATABASE_URL: ns.databaseUrl, VITRINA_QUERY_EMBEDDING_CACHE: '0' });
            stopOnSignals({ stop: async () => void (await gateway.stop()) });
            let rest: Record<string, LatencySummary | { error: string }>;
            let gatewayPeakMiB: number;
            try {
              const restCall = (f?: SearchFilters) => async (i: number): Promise<void> => {
                const reply = await fetch(`${gateway.url}${restQuery(texts[i % texts.length]!, f)}`);
                const body = (await reply.json()) as { hits?: unknown[] };
                if (reply.status !== 200 || !Array.isArray(body.hits) || body.hits.length === 0) throw new Error(`REST search answered ${reply.status} with ${body.hits?.length ?? 'no'} hits`);
              };
              // A failing warm-up call (the gateway's deadline, 503) is recorded, not fatal: the other figures still count.
              const measured = (work: Promise<LatencySummary>): Promise<LatencySummary | { error: string }> => work.catch((err: Error) => ({ error: err.message }));
              rest = {
                c1: await measured(underLoad(requests, 1, restCall())),
                c8: await measured(underLoad(requests * 2, 8, restCall())),
                selectiveC1: await measured(underLoad(requests, 1, restCall(selective.filters))),
              };
            } finally {
              gatewayPeakMiB = await gateway.stop();
            }
            load.after = loadAverage();
            const entry = { rows: n, ...built, recall, coreLatencyMs: coreLatency, restLatencyMs: rest, gatewayPeakMiB, loadAverage: load };
            (result.perSize as unknown[]).push(entry);
            const shown = (l: LatencySummary | { error: string }): string => ('error' in l ? l.error : `${l.p50Ms}/${l.p95Ms}`);
            say(`  core p50/p95 c1 ${shown(coreLatency.c1!)} c8 ${shown(coreLatency.c8!)}; REST c1 ${shown(rest.c1!)} c8 ${shown(rest.c8!)} selective c1 ${shown(rest.selectiveC1!)}; load ${load.before} -> ${load.after}`);
            writeResult(name, result); // after every size, so a stopped run keeps what it measured
          }
        } finally {
          await db.end();
        }
      });
    } finally {
      result.modelServerPeakMiB = await model.stop();
    }
    return result;
  } finally {
    await rt.close();
  }
}

function table(result: Record<string, unknown>): string {
  const rows = result.perSize as Array<Record<string, any>>; // eslint-disable-line @typescript-eslint/no-explicit-any
  const head = '| rows | load s | index build s (image HNSW / text HNSW) | table / image HNSW / all indexes MiB | build backend peak MiB | recall@10 unfiltered / selective | core p50/p95 ms c1 · c8 | REST p50/p95 ms c1 · c8 · selective c1 | load avg |';
  const cell = (l: { p50Ms?: number; p95Ms?: number; error?: string }): string => l.error ?? `${l.p50Ms}/${l.p95Ms}`;
  const lines = rows.map((r) =>
    `| ${r.rows} | ${r.loadSeconds} | ${r.indexBuildSeconds} (${r.indexSeconds.imageHnsw ?? '?'} / ${r.indexSeconds.textHnsw ?? '?'}) | ${r.sizesMiB.table} / ${r.sizesMiB.imageHnsw} / ${r.sizesMiB.allIndexes} | ${r.buildBackendPeakMiB} | ${r.recall.unfiltered.recallAtK} / ${r.recall.selective.recallAtK} | ${r.coreLatencyMs.c1.p50Ms}/${r.coreLatencyMs.c1.p95Ms} · ${r.coreLatencyMs.c8.p50Ms}/${r.coreLatencyMs.c8.p95Ms} | ${cell(r.restLatencyMs.c1)} · ${cell(r.restLatencyMs.c8)} · ${cell(r.restLatencyMs.selectiveC1)} | ${r.loadAverage.before}–${r.loadAverage.after} |`,
  );
  return [head, `|${' --- |'.repeat(9)}`, ...lines].join('\n');
}

export async function runScaleBench(options: ScaleOptions = {}): Promise<void> {
  const result = await benchScale(options);
  const file = writeResult(options.name ?? 'scale', result);
  process.stdout.write(`${table(result)}\nwritten to ${file}\n`);
}
