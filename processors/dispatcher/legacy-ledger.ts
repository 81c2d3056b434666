// The ledger used to be a table of the dispatcher's own, `dispatcher_predictions`, that no replay
// could rebuild. A dispatcher that finds it publishes an UploadHandled for each of its rows (the
// prediction's model version, or "rejected"), so the uploads projection knows them and the sweep
// does not predict those uploads again, then drops it. Repeating this (two dispatchers at once, a
// crash half-way) publishes the same events again, which the projection absorbs.
import { ident, type Db } from '../../projections/db.ts';
import type { UploadHandled } from '../../schemas/types.generated.ts';

const LEGACY_TABLE = 'dispatcher_predictions';
const CHUNK = 500;
export const IMPORT_PROCESSOR = 'dispatcher.ledger-import';

interface LegacyRow {
  bucket: string;
  object_key: string;
  etag: string;
  model_version: string;
  predicted_at: Date;
}

export function legacyEvent(row: LegacyRow): UploadHandled {
  const rejected = row.model_version === 'rejected';
  return {
    bucket: row.bucket,
    objectKey: row.object_key,
    etag: row.etag,
    outcome: rejected ? 'REJECTED' : 'PREDICTED',
    modelVersion: rejected ? null : row.model_version,
    reason: rejected ? 'rejected before the ledger became the uploads projection (the reason is in its dead letter)' : null,
    processor: IMPORT_PROCESSOR,
    handledAt: row.predicted_at.getTime(),
  };
}

function missingTable(err: unknown): boolean {
  return (err as { code?: string }).code === '42P01';
}

/** Publishes every row of the old table through `publish`, then drops it; returns the rows imported. */
export async function importLegacyLedger(db: Db, publish: (events: UploadHandled[]) => Promise<void>, table = LEGACY_TABLE): Promise<number> {
  let rows: LegacyRow[];
  try {
    ({ rows } = await db.query<LegacyRow>(`SELECT bucket, object_key, etag, model_version, predicted_at FROM ${ident(table)} ORDER BY predicted_at, bucket, object_key, etag`));
  } catch (err) {
    if (missingTable(err)) return 0; // never there, or imported and dropped (by another dispatcher, too)
    throw err;
  }
  for (let start = 0; start < rows.length; start += CHUNK) await publish(rows.slice(start, start + CHUNK).map(legacyEvent));
  await db.query(`DROP TABLE IF EXISTS ${ident(table)}`);
  return rows.length;
}
