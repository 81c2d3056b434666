// The uploads projection, the dispatcher's ledger: one row per object of the uploads bucket the
// dispatcher handled (bucket, key and ETag), predicted or rejected, from vitrina.uploads.handled
// (UploadHandled, compacted, keyed <bucket>/<object key>#<etag>). The latest event of an object wins,
// which is what compaction keeps, so a replay gives the table the live one is.
import type { UploadHandled } from '../../schemas/types.generated.ts';
import { topics } from '../../streams/topics.ts';
import { physical } from '../catalog.ts';
import { ident, type DbClient } from '../db.ts';
import type { Projection } from '../projection.ts';

export const UPLOADS_TABLE = 'uploads_handled';

/** The key of an object's UploadHandled events: a bucket holds no "/", an ETag no "#". */
export function uploadKey(bucket: string, objectKey: string, etag: string): string {
  return `${bucket}/${objectKey}#${etag}`;
}

/** Upserts events into one generation's table; of an object's events in `events`, the last wins. */
export async function upsertHandled(client: DbClient, generation: number, events: UploadHandled[]): Promise<void> {
  const latest = new Map<string, UploadHandled>();
  for (const e of events) latest.set(uploadKey(e.bucket, e.objectKey, e.etag), e);
  const rows = [...latest.values()];
  if (rows.length === 0) return;
  await client.query(
    `INSERT INTO ${ident(physical(UPLOADS_TABLE, generation))} (bucket, object_key, etag, outcome, model_version, reason, processor, handled_at)
     SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::timestamptz[])
     ON CONFLICT (bucket, object_key, etag) DO UPDATE SET outcome = EXCLUDED.outcome, model_version = EXCLUDED.model_version,
       reason = EXCLUDED.reason, processor = EXCLUDED.processor, handled_at = EXCLUDED.handled_at`,
    [
      rows.map((e) => e.bucket),
      rows.map((e) => e.objectKey),
      rows.map((e) => e.etag),
      rows.map((e) => e.outcome),
      rows.map((e) => e.modelVersion),
      rows.map((e) => e.reason),
      rows.map((e) => e.processor),
      rows.map((e) => new Date(e.handledAt)),
    ],
  );
}

export const uploadsProjection: Projection = {
  name: 'uploads',
  topics: [topics.uploadsHandled.name],
  tables: [UPLOADS_TABLE],

  async create(client, generation) {
    await client.query(`
      CREATE TABLE IF NOT EXISTS ${ident(physical(UPLOADS_TABLE, generation))} (
        bucket text NOT NULL, object_key text NOT NULL, etag text NOT NULL,
        outcome text NOT NULL CHECK (outcome IN ('PREDICTED', 'REJECTED')),
        model_version text, reason text, processor text NOT NULL, handled_at timestamptz NOT NULL,
        PRIMARY KEY (bucket, object_key, etag))`);
  },

  async apply(client, generation, batch) {
    await upsertHandled(client, generation, batch.map((m) => m.value as UploadHandled));
  },
};
