// `vitrina bench relevance`: the shopper-query set (bench/relevance/queries.tsv) through REST, in
// every text-search mode with query understanding on (the gateway's default) and off
// (understand=false): precision@10 per variant and half (dev, test), latency p50/p95 at
// concurrency 1 (variants interleaved per query), and the default mode under load (concurrency 8).
// It searches a running gateway (--gateway <url>), or starts `vitrina serve model` and
// `vitrina serve gateway` against the configured stack, as `bench search` does, and writes
// bench/results/relevance.json.
import os from 'node:os';
import { createRuntime } from '../runtime/runtime.ts';
import { SEARCH_MODES } from '../gateway/config.ts';
import { writeResult } from './report.ts';
import { isRelevant, loadShopperQueries, type Half, type JudgedProduct, type ShopperQuery } from './relevance-queries.ts';
import { liveTable } from './search-inputs.ts';
import { loadAverage, nowMs, percentile, round, underLoad } from './search-measure.ts';
import { startGatewayChild, startModelServerChild, type Child } from './services.ts';

const K = 10;

export interface RelevanceBenchOptions {
  /** A running gateway's base URL; default: start a model server and a gateway. */
  gateway?: string;
  /** onnxruntime threads of the model server it starts (1). */
  threads?: number;
  /** Requests of the concurrency-8 run of the default variant (200; 0 skips it). */
  loadRequests?: number;
  /** Only these halves (default both). */
  halves?: string;
  /** Results file name under bench/results/ (default relevance). */
  name?: string;
}

export interface Variant {
  name: string;
  params: string;
}

/** Every mode with understanding on (the default) and off. */
export const VARIANTS: Variant[] = SEARCH_MODES.flatMap((mode) => [
  { name: mode, params: `mode=${mode}` },
  { name: `${mode} (understand=false)`, params: `mode=${mode}&understand=false` },
]);

interface SearchAnswer {
  hits: JudgedProduct[];
  ms: number;
}

async function search(gatewayUrl: string, params: string, q: string): Promise<SearchAnswer> {
  const began = nowMs();
  const response = await fetch(`${gatewayUrl}/api/v1/search?${params}&k=${K}&q=${encodeURIComponent(q)}`);
  const body = (await response.json()) as { hits?: Array<{ product: JudgedProduct }>; message?: string };
  const ms = nowMs() - began;
  if (response.status !== 200 || !body.hits) throw new Error(`search "${q}" (${params}): HTTP ${response.status} ${body.message ?? ''}`);
  return { hits: body.hits.map((h) => h.product), ms };
}

export interface VariantResult {
  variant: string;
  params: string;
  precisionAt10: Record<Half, number>;
  queries: Record<Half, number>;
  latencyMs: { p50: number; p95: number; requests: number };
  /** The test half's queries with precision@10 below 0.5, worst first. */
  testMisses: Array<{ query: string; precisionAt10: number }>;
}

/** precision@10 of one query's hits: relevant hits / 10 (a short list counts its missing places as misses). */
export function precisionAt10(q: ShopperQuery, hits: JudgedProduct[]): number {
  return hits.slice(0, K).filter((p) => isRelevant(q, p)).length / K;
}

export async function measureRelevance(gatewayUrl: string, queries: ShopperQuery[], variants: Variant[], say: (line: string) => void): Promise<VariantResult[]> {
  const per = variants.map(() => ({ p: [] as Array<{ q: ShopperQuery; p: number }>, ms: [] as number[] }));
  for (const v of variants) await search(gatewayUrl, v.params, queries[0]!.text); // warm-up, untimed
  for (const [i, q] of queries.entries()) {
    for (let j = 0; j < variants.length; j += 1) {
      const at = (i + j) % variants.length; // rotate the order, so no variant always goes first
      const { hits, ms } = await search(gatewayUrl, variants[at]!.params, q.text);
      per[at]!.p.push({ q, p: precisionAt10(q, hits) });
      per[at]!.ms.push(ms);
    }
    if ((i + 1) % 100 === 0) say(`  ${i + 1} of ${queries.length} queries`);
  }
  return variants.map((v, at) => {
    const { p, ms } = per[at]!;
    const half = (h: Half): number[] => p.filter((x) => x.q.half === h).map((x) => x.p);
    const mean = (xs: number[]): number => (xs.length === 0 ? NaN : round(xs.reduce((s, x) => s + x, 0) / xs.length, 4));
    return {
      variant: v.name,
      params: v.params,
      precisionAt10: { dev: mean(half('dev')), test: mean(half('test')) },
      queries: { dev: half('dev').length, test: half('test').length },
      latencyMs: { p50: round(percentile(ms, 50)), p95: round(percentile(ms, 95)), requests: ms.length },
      testMisses: p
        .filter((x) => x.q.half === 'test' && x.p < 0.5)
        .sort((a, b) => a.p - b.p)
        .map((x) => ({ query: x.q.text, precisionAt10: x.p })),
    };
  });
}

export function relevanceTable(results: VariantResult[]): string {
  const lines = ['| variant | precision@10 dev | precision@10 test | p50 / p95 ms (concurrency 1) |', '| --- | --- | --- | --- |'];
  for (const r of results) lines.push(`| ${r.variant} | ${r.precisionAt10.dev} | ${r.precisionAt10.test} | ${r.latencyMs.p50} / ${r.latencyMs.p95} |`);
  return lines.join('\n');
}

export async function benchRelevance(options: RelevanceBenchOptions = {}): Promise<Record<string, unknown>> {
  const began = Date.now();
  const say = (line: string): void => void process.stdout.write(`${line}\n`);
  const halves = new Set((options.halves ?? 'dev,test').split(',').map((h) => h.trim()));
  const queries = loadShopperQueries().filter((q) => halves.has(q.half));
  if (queries.length === 0) throw new Error(`no queries in the halves ${[...halves].join(', ')} (choose dev and/or test)`);
  const children: Child[] = [];
  const result: Record<string, unknown> = {
    machine: { cpus: os.availableParallelism(), loadAverage1m: loadAverage() },
    queries: { total: queries.length, dev: queries.filter((q) => q.half === 'dev').length, test: queries.filter((q) => q.half === 'test').length, split: 'first byte of sha256(query text): even dev, odd test' },
  };
  const rt = options.gateway ? undefined : createRuntime('vitrina-bench-relevance');
  try {
    let gatewayUrl = options.gateway;
    if (rt) {
      const table = await liveTable(rt.db);
      result.catalog = { modelVersion: table.version, rows: table.rows };
      const model = await startModelServerChild(options.threads ?? 1);
      children.push(model);
      const gateway = await startGatewayChild(model.address);
      children.push(gateway);
      gatewayUrl = gateway.url;
    }
    const url = gatewayUrl!.replace(/\/+$/, '');
    say(`bench relevance: ${queries.length} queries through ${url}, ${VARIANTS.length} variants; load average ${loadAverage()}`);
    const results = await measureRelevance(url, queries, VARIANTS, say);
    result.results = results;
    say(relevanceTable(results));
    const loadRequests = options.loadRequests ?? 200;
    if (loadRequests > 0) {
      const load = await underLoad(loadRequests, 8, (i) => search(url, '', queries[i % queries.length]!.text));
      result.defaultModeConcurrency8 = load;
      say(`default mode at concurrency 8: p50 ${load.p50Ms} / p95 ${load.p95Ms} ms, ${load.requestsPerSecond} req/s, ${load.errors} errors`);
    }
  } finally {
    for (const child of children.reverse()) await child.stop();
    await rt?.close();
  }
  result.totalSeconds = round((Date.now() - began) / 1000, 1);
  (result.machine as Record<string, unknown>).loadAverage1mAfter = loadAverage();
  return result;
}

export async function runRelevanceBench(options: RelevanceBenchOptions): Promise<void> {
  const result = await benchRelevance(options);
  const file = writeResult(options.name ?? 'relevance', result);
  process.stdout.write(`written to ${file}\n`);
}
