// Fixtures of the promotion-switch test: searchers that call the real gateway over HTTP without
// pause and record every answer, a watcher of the embeddings version registry that counts the
// rows of a version in the same snapshot as its state, and the exact nearest neighbours of a
// query vector in a version's table (brute force in the test, not the search core).
import type { Db } from '../../projections/db.ts';
import { liveGeneration } from '../../projections/catalog.ts';
import { listVersions, type VersionRow } from '../../projections/embeddings/registry.ts';
import type { EmbeddingsProjection } from '../../projections/embeddings/projection.ts';

/** One answer of the gateway: what was asked, what came back. */
export interface Answer {
  searcher: string;
  /** The query's name in the expectations (a text, or "image"). */
  query: string;
  startedAt: number;
  endedAt: number;
  status: number;
  modelVersion: string | null;
  ids: number[];
  error: string | null;
}

export interface Searcher {
  name: string;
  query: string;
  /** One request; resolves to the HTTP status and the page (or the error body). */
  request(): Promise<{ status: number; page: { modelVersion?: string; hits?: Array<{ product: { id: number } }> } | null; error: string | null }>;
}

/** Runs every searcher in a loop of its own (so several requests are in flight) until stopped. */
export function searchContinuously(searchers: Searcher[]): { answers: Answer[]; stop: () => Promise<Answer[]> } {
  let running = true;
  const answers: Answer[] = [];
  const loops = searchers.map(async (s) => {
    while (running) {
      const startedAt = Date.now();
      let answer: Answer;
      try {
        const { status, page, error } = await s.request();
        answer = { searcher: s.name, query: s.query, startedAt, endedAt: Date.now(), status, modelVersion: page?.modelVersion ?? null, ids: (page?.hits ?? []).map((h) => h.product.id), error };
      } catch (err) {
        answer = { searcher: s.name, query: s.query, startedAt, endedAt: Date.now(), status: 0, modelVersion: null, ids: [], error: String(err) };
      }
      answers.push(answer);
      await new Promise((r) => setTimeout(r, 5));
    }
  });
  return {
    answers,
    stop: async () => {
      running = false;
      await Promise.all(loops);
      return answers;
    },
  };
}

/** The versions of a (test) embeddings projection and the real row count of one, in one snapshot. */
export async function snapshotOf(db: Db, projection: EmbeddingsProjection, version: string): Promise<{ versions: VersionRow[]; counted: number | null }> {
  const client = await db.connect();
  try {
    await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    const generation = await liveGeneration(client, projection.name);
    const versions = generation === undefined ? [] : await listVersions(client, projection.names, generation);
    const row = versions.find((v) => v.version === version);
    const counted = row ? Number((await client.query<{ n: string }>(`SELECT count(*) AS n FROM ${row.table}`)).rows[0]!.n) : null;
    await client.query('COMMIT');
    return { versions, counted };
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    client.release();
  }
}

export interface Observation {
  at: number;
  state: VersionRow['state'] | null;
  registryRows: number | null;
  counted: number | null;
  indexed: boolean;
  live: string | null;
}

/** Polls snapshotOf for one version until stopped. */
export function watchVersion(db: Db, projection: EmbeddingsProjection, version: string, everyMs = 50): { stop: () => Promise<Observation[]> } {
  let running = true;
  const seen: Observation[] = [];
  const loop = (async () => {
    while (running) {
      try {
        const { versions, counted } = await snapshotOf(db, projection, version);
        const row = versions.find((v) => v.version === version);
        seen.push({ at: Date.now(), state: row?.state ?? null, registryRows: row?.rows ?? null, counted, indexed: row?.indexed ?? false, live: versions.find((v) => v.state === 'live')?.version ?? null });
      } catch {
        // the generation may be swapped under the query; the next poll reads the new one
      }
      await new Promise((r) => setTimeout(r, everyMs));
    }
  })();
  return {
    stop: async () => {
      running = false;
      await loop;
      return seen;
    },
  };
}

/** The cosine similarity of a vector to every row of a version's table, over one embedding column (exact, in the test). */
export async function exactScores(db: Db, table: string, column: 'image_embedding' | 'text_embedding', query: Float32Array): Promise<Map<number, number>> {
  const { rows } = await db.query<{ product_id: number; v: string }>(`SELECT product_id, ${column}::text AS v FROM ${table} WHERE ${column} IS NOT NULL`);
  const norm = (a: ArrayLike<number>): number => Math.sqrt(Array.from(a).reduce((s, x) => s + x * x, 0));
  const qn = norm(query);
  const scores = new Map<number, number>();
  for (const r of rows) {
    const v = JSON.parse(r.v) as number[];
    let dot = 0;
    for (let i = 0; i < v.length; i += 1) dot += v[i]! * query[i]!;
    scores.set(Number(r.product_id), dot / (norm(v) * qn));
  }
  return scores;
}

/** The k best ids by score (ties by id). */
export function topIds(scores: Map<number, number>, k: number): number[] {
  return [...scores].sort((a, b) => b[1] - a[1] || a[0] - b[0]).slice(0, k).map(([id]) => id);
}

/**
 * Why a page is not the exact k nearest rows by these scores, or null when it is. Scores closer
 * than eps count as ties (pgvector ranks in float32, the test in float64), so two rows whose
 * similarities differ by less than eps may come in either order.
 */
export function pageError(ids: number[], scores: Map<number, number>, k: number, eps = 1e-5): string | null {
  if (ids.length !== k || new Set(ids).size !== k) return `${ids.length} ids, ${new Set(ids).size} distinct, not ${k}`;
  const s = ids.map((id) => scores.get(id));
  if (s.some((x) => x === undefined)) return `ids not in the table: ${ids.filter((_, i) => s[i] === undefined).join(',')}`;
  for (let i = 0; i + 1 < k; i += 1) if (s[i]! < s[i + 1]! - eps) return `position ${i + 1} (${s[i]!.toFixed(7)}) ranks below position ${i + 2} (${s[i + 1]!.toFixed(7)})`;
  const page = new Set(ids);
  const bestLeftOut = Math.max(...[...scores].filter(([id]) => !page.has(id)).map(([, v]) => v));
  const worstIn = Math.min(...(s as number[]));
  if (worstIn < bestLeftOut - eps) return `a row left out (${bestLeftOut.toFixed(7)}) is nearer than one on the page (${worstIn.toFixed(7)})`;
  return null;
}
