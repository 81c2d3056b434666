// The ingest job: every row of a dataset becomes a ProductIngested event, its original image and a
// normalised copy stored in MinIO under content-addressed keys. The products topic is read first, so
// a re-run over the same data emits nothing for products whose event would be the same.
import crypto from 'node:crypto';
import type { Kafka } from 'kafkajs';
import type * as Minio from 'minio';
import type { ProductIngested } from '../../schemas/types.generated.ts';
import { NotAvroError } from '../../streams/codec.ts';
import type { EventProducer } from '../../streams/producer.ts';
import { readToEnd } from '../../streams/read-to-end.ts';
import { buckets, ensureBucket, putIfAbsent } from '../../streams/s3.ts';
import { topics } from '../../streams/topics.ts';
import type { DatasetSource } from './dataset.ts';
import { normalizeImage, UndecodableImageError } from './normalize.ts';
import type { ParsedLine, StyleRow } from './styles.ts';

export type RejectReason = 'too-few-fields' | 'bad-id' | 'missing-image' | 'undecodable-image' | 'duplicate-id-in-file';

export interface IngestReport {
  snapshot: string;
  lines: number;
  emitted: number;
  unchanged: number;
  rejected: Record<string, number>;
  notes: Record<string, number>;
  rejectedIds: Record<string, number[]>;
  seconds: number;
}

export interface IngestProgress {
  done: number;
  total: number;
  emitted: number;
}

export interface IngestDeps {
  kafka: Kafka;
  producer: EventProducer;
  s3: Minio.Client;
}

export interface IngestOptions {
  limit?: number;
  concurrency?: number;
  onProgress?: (progress: IngestProgress) => void;
}

const SEND_BATCH = 250;

export function sha256(bytes: Buffer | string): string {
  return crypto.createHash('sha256').update(bytes).digest('hex');
}

/**
 * What makes two ProductIngested events the same product state: the row's attributes, the original
 * image's hash and where it came from. Everything else in the event (keys, sizes) follows from the
 * image bytes, so an unchanged row is recognised before its image is normalised or uploaded.
 */
export function fingerprint(row: StyleRow, imageSha256: string, datasetSnapshot: string, source: string): string {
  const attributes = STYLE_KEYS.map((k) => row[k]);
  return sha256(JSON.stringify([attributes, imageSha256, datasetSnapshot, source]));
}

const STYLE_KEYS = ['id', 'gender', 'masterCategory', 'subCategory', 'articleType', 'baseColour', 'season', 'year', 'usage', 'productDisplayName'] as const;

async function knownFingerprints(deps: IngestDeps): Promise<Map<number, string>> {
  const known = new Map<number, string>();
  await readToEnd(deps.kafka, [topics.products.name], async (_topic, _partition, message) => {
    if (!message.value) return;
    try {
      const event = await deps.producer.codec.decode(topics.products.name, message.value);
      known.set(event.id, fingerprint(event, event.imageSha256, event.datasetSnapshot, event.source));
    } catch (err) {
      if (!(err instanceof NotAvroError)) throw err; // a poison message: the projector dead-lettered it
    }
  });
  return known;
}

function count(record: Record<string, number>, key: string): void {
  record[key] = (record[key] ?? 0) + 1;
}

export async function ingest(dataset: DatasetSource, deps: IngestDeps, options: IngestOptions = {}): Promise<IngestReport> {
  const began = Date.now();
  const snapshot = await dataset.snapshot();
  const report: IngestReport = { snapshot, lines: 0, emitted: 0, unchanged: 0, rejected: {}, notes: {}, rejectedIds: {}, seconds: 0 };
  const reject = (reason: RejectReason, id?: number): void => {
    count(report.rejected, reason);
    if (id !== undefined) (report.rejectedIds[reason] ??= []).push(id);
  };
  await ensureBucket(deps.s3, buckets.images);
  const known = await knownFingerprints(deps);

  const lines: ParsedLine[] = [];
  for await (const line of dataset.lines()) {
    lines.push(line);
    if (options.limit !== undefined && lines.length >= options.limit) break;
  }
  report.lines = lines.length;

  const seen = new Set<number>();
  const rows: StyleRow[] = [];
  for (const line of lines) {
    if (!line.ok) {
      reject(line.reason);
      continue;
    }
    if (seen.has(line.row.id)) {
      reject('duplicate-id-in-file', line.row.id);
      continue;
    }
    seen.add(line.row.id);
    for (const note of line.notes) count(report.notes, note);
    rows.push(line.row);
  }

  let pending: ProductIngested[] = [];
  let done = lines.length - rows.length;
  const flush = async (): Promise<void> => {
    const batch = pending;
    pending = [];
    await deps.producer.send(topics.products.name, batch.map((event) => ({ key: String(event.id), value: event })));
    report.emitted += batch.length;
  };

  const toEvent = async (row: StyleRow): Promise<ProductIngested | 'unchanged' | undefined> => {
    const original = await dataset.image(row);
    if (!original) {
      reject('missing-image', row.id);
      return undefined;
    }
    const originalSha = sha256(original);
    if (known.get(row.id) === fingerprint(row, originalSha, snapshot, dataset.source)) return 'unchanged';
    let normalized;
    try {
      normalized = await normalizeImage(original);
    } catch (err) {
      if (err instanceof UndecodableImageError) {
        reject('undecodable-image', row.id);
        return undefined;
      }
      throw err;
    }
    const normalizedSha = sha256(normalized.normalized.bytes);
    const imageOriginalKey = `original/${originalSha}.jpg`;
    const imageNormalizedKey = `normalized/${normalizedSha}.jpg`;
    await putIfAbsent(deps.s3, buckets.images, imageOriginalKey, original, 'image/jpeg');
    await putIfAbsent(deps.s3, buckets.images, imageNormalizedKey, normalized.normalized.bytes, 'image/jpeg');
    return {
      ...row,
      imageOriginalKey,
      imageNormalizedKey,
      imageSha256: originalSha,
      imageWidth: normalized.originalWidth,
      imageHeight: normalized.originalHeight,
      datasetSnapshot: snapshot,
      source: dataset.source,
      ingestedAt: Date.now(),
    };
  };

  const concurrency = options.concurrency ?? 8;
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < rows.length) {
      const row = rows[next++]!;
      const event = await toEvent(row);
      done += 1;
      if (event === 'unchanged') report.unchanged += 1;
      else if (event) {
        pending.push(event);
        if (pending.length >= SEND_BATCH) await flush();
      }
      options.onProgress?.({ done, total: lines.length, emitted: report.emitted });
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  if (pending.length > 0) await flush();
  options.onProgress?.({ done, total: lines.length, emitted: report.emitted });
  report.seconds = (Date.now() - began) / 1000;
  return report;
}
