// `vitrina bench search`: search over the whole embedded catalog of the running stack, in one run.
//   layers     latency p50/p95/p99 and req/s of REST text and image search at concurrency 1, 8 and
//              32, next to the model server's own encode, the bare SQL nearest-neighbour statement
//              and SearchCore in-process (search-layers.ts);
//   recall     HNSW recall@10 of SearchCore against an exact scan on the real image and name
//              embeddings, unfiltered, with a common filter (gender=Men) and two selective ones
//              (articleType=Jeans, baseColour=Maroon), and the speed-up (search-hnsw.ts);
//   modes      vector, hybrid and name text search on evaluation metrics, and the default-mode
//              rule (search-modes.ts);
//   freshness  upload → ImagePrediction with the dispatcher running (search-freshness.ts).
// It starts what it measures as child processes (`vitrina serve model`, `vitrina serve gateway`,
// `vitrina processor dispatcher`), stops them afterwards, and writes bench/results/search.json.
import os from 'node:os';
import { createRuntime } from '../runtime/runtime.ts';
import { DEFAULT_SEARCH_MODE } from '../gateway/config.ts';
import { ident } from '../projections/db.ts';
import { filterConditions, type SearchFilters } from '../projections/embeddings/filters.ts';
import { SearchCore } from '../projections/embeddings/search.ts';
import { createEncoderClient, type EncoderClient } from '../proto/client.ts';
import { writeResult } from './report.ts';
import { measureFreshness } from './search-freshness.ts';
import { measureRecall, type Searcher, type VectorColumn } from './search-hnsw.ts';
import { datasetImages, liveTable, recipeNlQueries, sampleProducts, type LiveTable } from './search-inputs.ts';
import { layerTable, measureLayers } from './search-layers.ts';
import { loadAverage, round } from './search-measure.ts';
import { chooseDefaultMode, DEFAULT_MODE_RULE, measureModes, modesTable } from './search-modes.ts';
import { startGatewayChild, startModelServerChild, type Child } from './services.ts';

export const SEARCH_BENCH_PARTS = ['layers', 'recall', 'modes', 'freshness'] as const;
type Part = (typeof SEARCH_BENCH_PARTS)[number];

export interface SearchBenchOptions {
  /** Parts to run (default all), comma-separated on the command line. */
  parts?: string;
  /** onnxruntime threads of the model server (default 1: the machine is shared). */
  threads?: number;
  /** Title queries of the modes comparison: a seeded sample of the catalog, split into dev and test halves by product id (default 600). */
  titleQueries?: number;
  /** Query vectors per recall section (default 100). */
  recallQueries?: number;
  /** Uploads timed for freshness (default 30). */
  uploads?: number;
  /** Requests per concurrency level, "c:n,c:n,..." (default 1:100,8:200,32:320). */
  levels?: string;
  seed?: string;
  /** Results file name under bench/results/ (default search). */
  name?: string;
}

const FILTERS: Record<string, SearchFilters | undefined> = {
  none: undefined,
  'gender=Men': { gender: ['Men'] },
  'articleType=Jeans': { articleType: ['Jeans'] },
  'baseColour=Maroon': { baseColour: ['Maroon'] },
};

function parseLevels(raw: string): Array<{ concurrency: number; requests: number }> {
  return raw.split(',').map((part) => {
    const [c, n] = part.split(':').map(Number);
    if (!Number.isInteger(c) || !Number.isInteger(n) || c! < 1 || n! < 1) throw new Error(`--levels takes concurrency:requests pairs like 1:100,8:200, got "${part}"`);
    return { concurrency: c!, requests: n! };
  });
}

function parseParts(raw: string | undefined): Set<Part> {
  if (!raw) return new Set(SEARCH_BENCH_PARTS);
  const parts = raw.split(',').map((p) => p.trim());
  for (const p of parts) if (!(SEARCH_BENCH_PARTS as readonly string[]).includes(p)) throw new Error(`unknown part "${p}"; choose from ${SEARCH_BENCH_PARTS.join(', ')}`);
  return new Set(parts as Part[]);
}

async function embedAll<T>(items: T[], embed: (batch: T[]) => Promise<{ vectors: Float32Array[] }>): Promise<Float32Array[]> {
  const out: Float32Array[] = [];
  for (let i = 0; i < items.length; i += 32) out.push(...(await embed(items.slice(i, i + 32))).vectors);
  return out;
}

/** How many products of the live table each filter case keeps, counted with the search core's own filter SQL. */
async function filterCounts(rt: ReturnType<typeof createRuntime>, table: LiveTable): Promise<Record<string, number>> {
  const cases = Object.entries(FILTERS);
  const params: unknown[] = [];
  const counts = cases.map(([, filters], i) => {
    const where = filterConditions(filters, params);
    return `count(*)${where.length > 0 ? ` FILTER (WHERE ${where.join(' AND ')})` : ''} AS c${i}`;
  });
  const { rows } = await rt.db.query<Record<string, string>>(`SELECT ${counts.join(', ')} FROM ${ident(table.view)}`, params);
  return Object.fromEntries(cases.map(([name], i) => [name, Number(rows[0]![`c${i}`])]));
}

export async function benchSearch(options: SearchBenchOptions = {}): Promise<Record<string, unknown>> {
  const began = Date.now();
  const say = (line: string): void => void process.stdout.write(`${line}\n`);
  const parts = parseParts(options.parts);
  const o = {
    threads: options.threads ?? 1,
    titleQueries: options.titleQueries ?? 600,
    recallQueries: options.recallQueries ?? 100,
    uploads: options.uploads ?? 30,
    levels: parseLevels(options.levels ?? '1:100,8:200,32:320'),
    seed: options.seed ?? 'vitrina-bench-search',
  };
  const rt = createRuntime('vitrina-bench-search');
  const children: Child[] = [];
  let encoder: EncoderClient | undefined;
  const timings: Record<string, number> = {};
  const result: Record<string, unknown> = {
    machine: { cpus: os.availableParallelism(), loadAverage1m: loadAverage(), model: os.cpus()[0]?.model },
    settings: { ...o, parts: [...parts] },
  };
  try {
    const table = await liveTable(rt.db);
    result.catalog = { modelVersion: table.version, rows: table.rows, dimension: table.dimension, filterRows: await filterCounts(rt, table) };
    say(`bench search: ${table.rows} products of model ${table.version} (${table.dimension}-d); load average ${loadAverage()}`);
    const model = await startModelServerChild(o.threads);
    children.push(model);
    encoder = createEncoderClient(model.address, 120_000);
    const gateway = await startGatewayChild(model.address);
    children.push(gateway);
    say(`model server ${model.address} (${o.threads} thread), gateway ${gateway.url}`);

    const sample = await sampleProducts(rt.db, table, Math.max(o.titleQueries, o.recallQueries, 200), o.seed);
    const images = datasetImages(rt.config.datasetDir, sample.map((p) => p.id));
    const imaged = sample.filter((p) => images.has(p.id));
    if (imaged.length === 0) throw new Error(`none of the sampled products has an image file under ${rt.config.datasetDir}/images`);
    const nl = recipeNlQueries();
    const enc = encoder;
    const names = sample.map((p) => p.name);
    const nameVectors = await embedAll(names, (b) => enc.embedTexts(b, table.version));
    const imageVectors = await embedAll(imaged.slice(0, o.recallQueries).map((p) => images.get(p.id)!), (b) => enc.embedImages(b, table.version));
    result.inputs = { sampledProducts: sample.length, seed: o.seed, datasetImages: imaged.length, nlQueries: nl.length, dataset: rt.config.datasetDir };

    if (parts.has('layers')) {
      const t0 = Date.now();
      say('layers: latency of each layer at concurrency ' + o.levels.map((l) => l.concurrency).join(', '));
      const texts = [...names.slice(0, 200), ...nl.map((q) => q.text)];
      const textVectors = [...nameVectors.slice(0, 200), ...(await embedAll(nl.map((q) => q.text), (b) => enc.embedTexts(b, table.version)))];
      const rows = await measureLayers({ databaseUrl: rt.config.databaseUrl, table, encoder: enc, gatewayUrl: gateway.url, texts, textVectors, images: imaged.slice(0, 200).map((p) => images.get(p.id)!) }, o.levels, say);
      result.layers = { note: 'texts: 200 sampled display names and the 22 NL queries; images: the dataset files of sampled products; k = 10; every layer at the same concurrency levels in one run', rows };
      say(layerTable(rows));
      timings.layers = Date.now() - t0;
    }

    if (parts.has('recall')) {
      const t0 = Date.now();
      say(`recall: HNSW recall@10 against an exact scan, ${o.recallQueries} queries per section`);
      const served = new SearchCore(rt.db);
      const hnswOnly = new SearchCore(rt.db, { exactBelow: 0 });
      const via = (core: SearchCore, column: VectorColumn): Searcher => async (v, filters, k) => (await (column === 'image_embedding' ? core.byImageVector(v, { k, filters }) : core.byNameVector(v, { k, filters }))).hits.map((h) => h.product.id);
      const sets: Array<{ name: string; column: VectorColumn; queries: Float32Array[] }> = [
        { name: 'text query → image embeddings (vector mode)', column: 'image_embedding', queries: nameVectors.slice(0, o.recallQueries) },
        { name: 'text query → name embeddings (name mode)', column: 'text_embedding', queries: nameVectors.slice(0, o.recallQueries) },
        { name: 'dataset image → image embeddings (image search)', column: 'image_embedding', queries: imageVectors },
      ];
      const recall: Record<string, unknown> = {};
      for (const set of sets) {
        const sections: Record<string, unknown> = {};
        for (const [label, filters] of Object.entries(FILTERS)) {
          const section = await measureRecall(rt.db, table.view, set.column, set.queries, filters, { searchCore: via(served, set.column), searchCoreHnswOnly: via(hnswOnly, set.column) });
          sections[label] = section;
          const s = section.searchCore!;
          const h = section.searchCoreHnswOnly!;
          say(`  ${set.name}, ${label}: SearchCore recall ${s.recallAtK} (${s.rowsPerQuery} rows, ${s.latencyMs.mean} ms, ×${s.speedUp}); HNSW only ${h.recallAtK} (${h.rowsPerQuery} rows, ${h.latencyMs.mean} ms, ×${h.speedUp}); exact scan ${s.exactScanMs.mean} ms`);
        }
        recall[set.name] = sections;
      }
      result.recall = {
        note: 'searchCore: SearchCore as served (HNSW m 16, ef_construction 64; iterative strict-order scan, ef_search 100, max_scan_tuples 20000; filters the planner estimates at <= 5000 rows ranked exactly); searchCoreHnswOnly: the same with exactBelow = 0 (always HNSW). Ground truth: the same table with index scans off. A returned row counts when it passes the filters and its distance is within the exact 10th distance (ties count). speedUp = exact mean / searcher mean.',
        sections: recall,
      };
      timings.recall = Date.now() - t0;
    }

    if (parts.has('modes')) {
      const t0 = Date.now();
      say(`modes: ${o.titleQueries} title queries and ${nl.length} NL queries in each of vector, hybrid, name`);
      const modes = await measureModes(gateway.url, sample.slice(0, o.titleQueries), nl, say);
      const chosen = chooseDefaultMode(modes);
      result.modes = {
        note: 'through REST, k = 10, one request at a time, modes interleaved per query. Title queries are the display names of a seeded sample of the catalog: hybrid and name see the product\'s own name (keyword and name-embedding match), which favours them; the NL queries are the recipe\'s list, judged as the recipe judges (gender with Unisex accepted for Men/Women, articleType set, colour set).',
        results: modes,
        rule: DEFAULT_MODE_RULE,
        chosenDefault: chosen,
        shippedDefault: DEFAULT_SEARCH_MODE,
      };
      say(modesTable(modes));
      say(`default mode by the rule: ${chosen} (shipped: ${DEFAULT_SEARCH_MODE})`);
      timings.modes = Date.now() - t0;
    }

    if (parts.has('freshness')) {
      const t0 = Date.now();
      say(`freshness: ${o.uploads} uploads of dataset images, one at a time, dispatcher running`);
      const uploads = imaged.slice(0, Math.max(o.uploads + 1, 1)).map((p) => ({ id: p.id, bytes: images.get(p.id)!, articleType: p.articleType }));
      const freshness = await measureFreshness(rt, uploads, o.uploads, model.address, say);
      result.freshness = freshness;
      say(`  upload → ImagePrediction received p50 ${freshness.endToEndMs.p50} / p95 ${freshness.endToEndMs.p95} ms (to the message timestamp p50 ${freshness.toMessageTimestampMs.p50} / p95 ${freshness.toMessageTimestampMs.p95} ms)`);
      timings.freshness = Date.now() - t0;
    }
  } finally {
    encoder?.close();
    const peaks: Record<string, number> = {};
    for (const child of children.reverse()) peaks[child.name] = await child.stop();
    result.peakRssMiB = peaks;
    await rt.close();
  }
  result.partSeconds = Object.fromEntries(Object.entries(timings).map(([k, ms]) => [k, round(ms / 1000, 1)]));
  result.totalSeconds = round((Date.now() - began) / 1000, 1);
  (result.machine as Record<string, unknown>).loadAverage1mAfter = loadAverage();
  return result;
}

export async function runSearchBench(options: SearchBenchOptions): Promise<void> {
  const result = await benchSearch(options);
  const file = writeResult(options.name ?? 'search', result);
  process.stdout.write(`${JSON.stringify(result, null, 2)}\nwritten to ${file}\n`);
}
