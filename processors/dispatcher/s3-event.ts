// MinIO's bucket notification (the S3 event JSON it puts on the Kafka topic, not Avro): the
// objects it announces, with their keys URL-decoded (MinIO encodes "/" as %2F and " " as "+").
import { PoisonError } from '../../platform/errors.ts';

export interface CreatedObject {
  bucket: string;
  key: string;
  etag: string;
  size: number;
  eventName: string;
}

interface S3Record {
  eventName?: unknown;
  s3?: { bucket?: { name?: unknown }; object?: { key?: unknown; eTag?: unknown; size?: unknown } };
}

export function decodeObjectKey(encoded: string): string {
  return decodeURIComponent(encoded.replace(/\+/g, ' '));
}

/** The objects created according to one notification; other events (deletes) give none. */
export function createdObjects(payload: Buffer | null): CreatedObject[] {
  if (!payload) throw new PoisonError('empty notification');
  let body: { Records?: unknown };
  try {
    body = JSON.parse(payload.toString('utf8')) as { Records?: unknown };
  } catch {
    throw new PoisonError('notification is not JSON');
  }
  if (!Array.isArray(body.Records)) throw new PoisonError('notification has no Records array');
  const objects: CreatedObject[] = [];
  for (const record of body.Records as S3Record[]) {
    const eventName = String(record.eventName ?? '');
    if (!eventName.startsWith('s3:ObjectCreated:')) continue;
    const bucket = record.s3?.bucket?.name;
    const key = record.s3?.object?.key;
    if (typeof bucket !== 'string' || typeof key !== 'string') throw new PoisonError('notification record without bucket name or object key');
    objects.push({ bucket, key: decodeObjectKey(key), etag: String(record.s3?.object?.eTag ?? '').replace(/"/g, ''), size: Number(record.s3?.object?.size ?? 0), eventName });
  }
  return objects;
}
