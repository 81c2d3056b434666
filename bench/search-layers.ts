// Latency of each layer of a search, measured side by side in one run at the same concurrencies:
// the model server's own encode (gRPC, one text or one image per request), the bare SQL
// nearest-neighbour statement SearchCore issues (a precomputed vector, straight through pg, on
// connections with the core's HNSW settings), SearchCore itself in this process (its read-only
// transaction and live-version lookup added), and the gateway's REST text and image search (HTTP,
// validation, encode, search, shaping). The difference between two rows is what a layer costs.
import pg from 'pg';
import { createPool, ident } from '../projections/db.ts';
import { PRODUCT_COLUMNS, SearchCore } from '../projections/embeddings/search.ts';
import { vectorLiteral } from '../projections/embeddings/vectors.ts';
import type { EncoderClient } from '../proto/client.ts';
import type { LiveTable } from './search-inputs.ts';
import { underLoad, type LatencySummary } from './search-measure.ts';

export interface LayerInputs {
  databaseUrl: string;
  table: LiveTable;
  encoder: EncoderClient;
  gatewayUrl: string;
  texts: string[];
  /** The model server's embeddings of texts, precomputed. */
  textVectors: Float32Array[];
  images: Buffer[];
}

export interface LayerRow extends LatencySummary {
  layer: string;
}

/** SearchCore's first-round statement for k = 10 (LIMIT offset + k + 1), then its re-sort by (distance, id). */
function nearestSql(view: string): string {
  return `SELECT * FROM (
      SELECT ${PRODUCT_COLUMNS},
             image_embedding <=> $1::vector AS distance FROM ${ident(view)}
      WHERE image_embedding IS NOT NULL ORDER BY image_embedding <=> $1::vector LIMIT 11
    ) c ORDER BY distance, product_id`;
}

async function ok(response: Response): Promise<void> {
  const body = (await response.json()) as { hits?: unknown[]; message?: string };
  if (response.status !== 200) throw new Error(`HTTP ${response.status}: ${body.message ?? ''}`);
  if (!Array.isArray(body.hits) || body.hits.length === 0) throw new Error('a search answered no hits');
}

interface Layer {
  layer: string;
  /** Opens what the layer needs (connections) and returns its call and how to close it. */
  open: () => Promise<{ call: (i: number, worker: number) => Promise<unknown>; close?: () => Promise<void> }>;
}

export async function measureLayers(inputs: LayerInputs, levels: Array<{ concurrency: number; requests: number }>, say: (line: string) => void): Promise<LayerRow[]> {
  const maxConcurrency = Math.max(...levels.map((l) => l.concurrency));
  const literals = inputs.textVectors.map((v) => vectorLiteral(v));
  const sql = nearestSql(inputs.table.view);
  const layers: Layer[] = [
    { layer: 'model server: encode text (gRPC)', open: async () => ({ call: (i) => inputs.encoder.embedTexts([inputs.texts[i % inputs.texts.length]!]) }) },
    { layer: 'model server: encode image (gRPC)', open: async () => ({ call: (i) => inputs.encoder.embedImages([inputs.images[i % inputs.images.length]!]) }) },
    {
      layer: 'SQL: nearest 10 image embeddings (pg, bare)',
      // One connection per worker, with the core's scan settings set once for the session.
      open: async () => {
        const clients: pg.Client[] = [];
        for (let i = 0; i < maxConcurrency; i += 1) {
          const c = new pg.Client({ connectionString: inputs.databaseUrl });
          await c.connect();
          clients.push(c);
          await c.query(`SELECT '[1]'::vector`); // loads pgvector, so its settings below are known
          await c.query('SET hnsw.iterative_scan = strict_order; SET hnsw.ef_search = 100; SET hnsw.max_scan_tuples = 20000');
        }
        return {
          call: async (i, worker) => {
            const r = await clients[worker]!.query(sql, [literals[i % literals.length]]);
            if (r.rows.length === 0) throw new Error('the nearest-neighbour statement returned no rows');
          },
          close: async () => {
            for (const c of clients) await c.end();
          },
        };
      },
    },
    {
      layer: 'SearchCore.byTextVector (in-process)',
      open: async () => {
        const pool = createPool(inputs.databaseUrl, maxConcurrency);
        const core = new SearchCore(pool);
        return { call: (i) => core.byTextVector(inputs.textVectors[i % inputs.textVectors.length]!, { k: 10 }), close: () => pool.end() };
      },
    },
    { layer: 'REST text search, mode=vector', open: async () => ({ call: async (i) => ok(await fetch(`${inputs.gatewayUrl}/api/v1/search?mode=vector&k=10&q=${encodeURIComponent(inputs.texts[i % inputs.texts.length]!)}`)) }) },
    {
      layer: 'REST image search (multipart upload)',
      open: async () => ({
        call: async (i) => {
          const form = new FormData();
          form.append('image', new Blob([inputs.images[i % inputs.images.length]!], { type: 'image/jpeg' }), 'query.jpg');
          await ok(await fetch(`${inputs.gatewayUrl}/api/v1/search/image?k=10`, { method: 'POST', body: form }));
        },
      }),
    },
  ];
  const rows: LayerRow[] = [];
  for (const { layer, open } of layers) {
    const { call, close } = await open();
    try {
      for (const { concurrency, requests } of levels) {
        const summary = await underLoad(requests, concurrency, call);
        rows.push({ layer, ...summary });
        say(`  ${layer}, concurrency ${concurrency}: p50 ${summary.p50Ms} / p95 ${summary.p95Ms} / p99 ${summary.p99Ms} ms, ${summary.requestsPerSecond} req/s${summary.errors ? `, ${summary.errors} errors (${summary.firstError})` : ''}`);
      }
    } finally {
      await close?.();
    }
  }
  return rows;
}

export function layerTable(rows: LayerRow[]): string {
  const lines = ['| layer | concurrency | p50 ms | p95 ms | p99 ms | req/s | errors |', '| --- | --- | --- | --- | --- | --- | --- |'];
  for (const r of rows) lines.push(`| ${r.layer} | ${r.concurrency} | ${r.p50Ms} | ${r.p95Ms} | ${r.p99Ms} | ${r.requestsPerSecond} | ${r.errors} |`);
  return lines.join('\n');
}
