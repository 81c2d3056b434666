// What the dispatcher reads and writes through in the uploads projection (projection.ts): whether
// an object was handled, and its own UploadHandled events applied at once after it sent them, so a
// notification delivered again a moment later is skipped before the live projector got there.
import type { UploadHandled } from '../../schemas/types.generated.ts';
import { ensureLive, lockProjection } from '../apply.ts';
import { ensureCatalog } from '../catalog.ts';
import { inTransaction, type Db } from '../db.ts';
import { UPLOADS_TABLE, upsertHandled, uploadsProjection } from './projection.ts';

/** Makes sure the projection has a live generation (an empty one the first time). */
export async function ensureUploadsProjection(db: Db): Promise<void> {
  await inTransaction(db, async (client) => {
    await ensureCatalog(client);
    await lockProjection(client, uploadsProjection.name);
    await ensureLive(client, uploadsProjection);
  });
}

/** How the object was handled, or undefined when it was not. */
export async function handledOutcome(db: Db, bucket: string, objectKey: string, etag: string): Promise<UploadHandled['outcome'] | undefined> {
  const { rows } = await db.query<{ outcome: UploadHandled['outcome'] }>(
    `SELECT outcome FROM ${UPLOADS_TABLE} WHERE bucket = $1 AND object_key = $2 AND etag = $3`,
    [bucket, objectKey, etag],
  );
  return rows[0]?.outcome;
}

/**
 * Applies events that are already on the topic to the live generation, under the projection's lock:
 * a replay going live either includes them (they were sent before its high watermark) or repoints
 * the views first, and then this writes into the new generation. Applying an event the live
 * projector applies too changes nothing (the latest event of an object wins).
 */
export async function applyHandled(db: Db, events: UploadHandled[]): Promise<void> {
  await inTransaction(db, async (client) => {
    await ensureCatalog(client);
    await lockProjection(client, uploadsProjection.name);
    await upsertHandled(client, await ensureLive(client, uploadsProjection), events);
  });
}
