// What the dispatcher reads of the uploads projection (projection.ts), which it never writes: whether
// an object was handled, and up to where on vitrina.uploads.handled the live generation has applied
// the events, so the dispatcher can read the rest from the topic itself. Before the projection's
// first event neither the table nor the catalog exists: nothing is handled, nothing applied.
import type { UploadHandled } from '../../schemas/types.generated.ts';
import { topics } from '../../streams/topics.ts';
import type { Db } from '../db.ts';
import { UPLOADS_TABLE, uploadsProjection } from './projection.ts';

function missingTable(err: unknown): boolean {
  return (err as { code?: string }).code === '42P01';
}

/** How the object was handled, or undefined when the projection has no row of it. */
export async function handledOutcome(db: Db, bucket: string, objectKey: string, etag: string): Promise<UploadHandled['outcome'] | undefined> {
  try {
    const { rows } = await db.query<{ outcome: UploadHandled['outcome'] }>(
      `SELECT outcome FROM ${UPLOADS_TABLE} WHERE bucket = $1 AND object_key = $2 AND etag = $3`,
      [bucket, objectKey, etag],
    );
    return rows[0]?.outcome;
  } catch (err) {
    if (missingTable(err)) return undefined;
    throw err;
  }
}

/** Per partition of vitrina.uploads.handled, the next offset the live generation will apply (absent: none applied). */
export async function projectedOffsets(db: Db): Promise<Map<number, bigint>> {
  try {
    const { rows } = await db.query<{ partition: number; next_offset: string }>(
      `SELECT o.partition, o.next_offset FROM projection_offsets o
         JOIN projection_generations g ON g.projection = o.projection AND g.generation = o.generation
        WHERE g.projection = $1 AND g.state = 'live' AND o.topic = $2`,
      [uploadsProjection.name, topics.uploadsHandled.name],
    );
    return new Map(rows.map((r) => [r.partition, BigInt(r.next_offset)]));
  } catch (err) {
    if (missingTable(err)) return new Map();
    throw err;
  }
}
