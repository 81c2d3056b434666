// The catalog a training run splits: the products of one dataset snapshot that have a display name
// and a normalised image, read from the products projection's live table, or from the products
// topic read to its end (the latest event of each id) when the projection is not at hand.
import type { Kafka } from 'kafkajs';
import type { Db } from '../../projections/db.ts';
import type { EventCodec } from '../../streams/codec.ts';
import { foldLatest } from '../../streams/read-to-end.ts';
import { topics } from '../../streams/topics.ts';
import { sortedRows, type CatalogRow } from '../../mlops/manifests.ts';

export const UNKNOWN_CLASS = '(none)';

export interface Catalog {
  datasetSnapshot: string;
  source: 'products-projection' | 'products-topic';
  rows: CatalogRow[];
}

interface Candidate extends CatalogRow {
  snapshot: string;
}

function toRow(id: number, name: string | null, articleType: string | null, masterCategory: string | null, imageKey: string, snapshot: string): Candidate | undefined {
  const displayName = name?.trim();
  if (!displayName || !imageKey) return undefined;
  return { id, displayName, articleType: articleType?.trim() || UNKNOWN_CLASS, masterCategory: masterCategory?.trim() || UNKNOWN_CLASS, imageKey, snapshot };
}

/** The requested snapshot, or the one with the most products (ties: the greatest name). */
export function chooseSnapshot(counts: Map<string, number>, requested: string | null | undefined): string {
  if (requested) {
    if (!counts.has(requested)) throw new CatalogError(`dataset snapshot ${requested} has no products with a display name (known: ${[...counts.keys()].sort().join(', ') || 'none'})`);
    return requested;
  }
  let best: [string, number] | undefined;
  for (const entry of counts) if (!best || entry[1] > best[1] || (entry[1] === best[1] && entry[0] > best[0])) best = entry;
  if (!best) throw new CatalogError('the catalog is empty: ingest a dataset first (npx vitrina ingest)');
  return best[0];
}

function pick(candidates: Candidate[], requested: string | null | undefined, source: Catalog['source']): Catalog {
  const counts = new Map<string, number>();
  for (const c of candidates) counts.set(c.snapshot, (counts.get(c.snapshot) ?? 0) + 1);
  const datasetSnapshot = chooseSnapshot(counts, requested);
  const rows = sortedRows(candidates.filter((c) => c.snapshot === datasetSnapshot).map(({ snapshot: _s, ...row }) => row));
  return { datasetSnapshot, source, rows };
}

export async function catalogFromProjection(db: Db, requested?: string | null): Promise<Catalog> {
  const { rows } = await db.query<{ id: number; display_name: string | null; article_type: string | null; master_category: string | null; image_normalized_key: string; dataset_snapshot: string }>(
    `SELECT id, display_name, article_type, master_category, image_normalized_key, dataset_snapshot FROM products
     WHERE display_name IS NOT NULL AND ($1::text IS NULL OR dataset_snapshot = $1)`,
    [requested ?? null],
  );
  const candidates = rows.flatMap((r) => toRow(r.id, r.display_name, r.article_type, r.master_category, r.image_normalized_key, r.dataset_snapshot) ?? []);
  return pick(candidates, requested, 'products-projection');
}

export async function catalogFromTopic(kafka: Kafka, codec: EventCodec, requested?: string | null): Promise<Catalog> {
  const latest = await foldLatest(kafka, codec, topics.products.name, (event) => event.id);
  const candidates = [...latest.values()].flatMap(({ event: e }) => toRow(e.id, e.productDisplayName, e.articleType, e.masterCategory, e.imageNormalizedKey, e.datasetSnapshot) ?? []);
  return pick(candidates, requested, 'products-topic');
}

export class CatalogError extends Error {
  override name = 'CatalogError';
}
