// The catalog a training run splits: the products of one dataset snapshot that have a display name
// and a normalised image, read through the products projection's queries (projections/products/
// queries.ts), or from the products topic read to its end (the latest event of each id) when the
// projection is not at hand.
import type { Kafka } from 'kafkajs';
import type { Db } from '../../projections/db.ts';
import { namedProducts } from '../../projections/products/queries.ts';
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
  const products = await namedProducts(db, requested ?? null);
  const candidates = products.flatMap((p) => toRow(p.id, p.displayName, p.articleType, p.masterCategory, p.imageNormalizedKey, p.datasetSnapshot) ?? []);
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
