// The manifests a training run writes once and every later step reads: the catalog rows it split
// (so the run stays reproducible when the catalog changes later) and the split itself.
import crypto from 'node:crypto';

/** One product as the MLOps loop sees it. */
export interface CatalogRow {
  id: number;
  displayName: string;
  articleType: string;
  masterCategory: string;
  imageKey: string;
}

export interface CatalogManifest {
  runId: string;
  datasetSnapshot: string;
  fingerprint: string;
  source: 'products-projection' | 'products-topic';
  rows: CatalogRow[];
}

export interface ClassSplit {
  articleType: string;
  train: number;
  test: number;
}

export interface SplitManifest {
  runId: string;
  seed: number;
  testFraction: number;
  stratifiedBy: 'articleType';
  datasetSnapshot: string;
  catalogFingerprint: string;
  catalogKey: string;
  /** Set when the test split was drawn only from the products the base model never trained on. */
  testDrawnFrom: string | null;
  train: number[];
  test: number[];
  classes: ClassSplit[];
}

/** sha256 prefix over the sorted rows: two catalogs with the same rows share caches. */
export function catalogFingerprint(rows: CatalogRow[]): string {
  const hash = crypto.createHash('sha256');
  for (const row of [...rows].sort((a, b) => a.id - b.id)) {
    hash.update(`${row.id}\u0000${row.imageKey}\u0000${row.displayName}\u0000${row.articleType}\u0000${row.masterCategory}\n`);
  }
  return hash.digest('hex').slice(0, 24);
}

/** The catalog rows in a fixed order (by id), which every embedding matrix follows. */
export function sortedRows(rows: CatalogRow[]): CatalogRow[] {
  return [...rows].sort((a, b) => a.id - b.id);
}
