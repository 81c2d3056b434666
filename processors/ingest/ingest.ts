// The ingest job: every row of a dataset becomes a ProductIngested event, its original image and a
// normalised copy stored in MinIO under content-addressed keys. The products topic is read first, so
// a re-run over the same data emits nothing for products whose event would be the same. Rows are
// streamed through a bounded number of workers, so memory does not grow with the file; before anything
// is written, Kafka, the schema registry and MinIO must answer within a bounded time.
import crypto from 'node:crypto';
import type { Kafka } from 'kafkajs';
import type * as Minio from 'minio';
import type { ProductIngested } from '../../schemas/types.generated.ts';
import { PRODUCT_ATTRIBUTES } from '../../schemas/product-attributes.ts';
import type { EventProducer } from '../../streams/producer.ts';
import { foldLatest } from '../../streams/read-to-end.ts';
import { buckets, ensureBucket } from '../../platform/s3.ts';
import { sleep } from '../../platform/sleep.ts';
import { topics } from '../../streams/topics.ts';
import type { DatasetSource } from './dataset.ts';
import { ImageTooLargeError, normalizeImage, UndecodableImageError } from './normalize.ts';
import { probeKafka, waitUntilReady } from './ready.ts';
import type { LineRejectReason, ParsedLine, StyleRow } from './styles.ts';

export type RejectReason = LineRejectReason | 'missing-image' | 'undecodable-image' | 'image-too-large' | 'duplicate-id-in-file';

export interface Rejection {
  line: number;
  id?: number;
  reason: RejectReason;
  detail: string;
}

/** Rejections kept in the report with their line and detail (all of them are counted). */
const MAX_REJECTIONS_KEPT = 1000;

export interface IngestReport {
  snapshot: string;
  lines: number;
  emitted: number;
  unchanged: number;
  rejected: Record<string, number>;
  notes: Record<string, number>;
  rejectedIds: Record<string, number[]>;
  /** The first rejections, each with its line and why. */
  rejections: Rejection[];
  /** Images stored (the ones of unchanged products are not stored again). */
  objectsPut: number;
  seconds: number;
  /**
   * Where the time went: wall seconds of the phases (dependencies, reading the products topic, the
   * rows), and per stage the seconds summed over the rows in work at once (so they overlap).
   */
  stages: { waitSeconds: number; knownSeconds: number; rowsSeconds: number; readImage: number; normalize: number; put: number; send: number };
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
  /** Addresses for the messages about waiting (a Runtime has them). */
  config?: { kafkaBrokers: string[]; schemaRegistryUrl: string; s3: { endPoint: string; port: number; useSSL: boolean } };
}

export interface IngestOptions {
  limit?: number;
  /** Rows in work at once (reading the image, normalising, storing); bounds the memory. */
  concurrency?: number;
  /** How long Kafka, the registry and MinIO may take to answer before ingest gives up (30 s). */
  connectTimeoutMs?: number;
  /** The images bucket (default: the configured one). */
  bucket?: string;
  onProgress?: (progress: IngestProgress) => void;
  /** Where "waiting for <service> at <address>" goes (default: stderr). */
  onWaiting?: (line: string) => void;
}

export const DEFAULT_CONCURRENCY = 32;
export const DEFAULT_CONNECT_TIMEOUT_MS = 30_000;
const SEND_BATCH = 500;
/** How long the first event of a send batch waits for more before the batch is sent anyway. */
const SEND_LINGER_MS = 200;

export function sha256(bytes: Buffer | string): string {
  return crypto.createHash('sha256').update(bytes).digest('hex');
}

/**
 * What makes two ProductIngested events the same product state: the row's attributes, the original
 * image's hash and where it came from. Everything else in the event (keys, sizes) follows from the
 * image bytes, so an unchanged row is recognised before its image is normalised or uploaded.
 */
export function fingerprint(row: StyleRow, imageSha256: string, datasetSnapshot: string, source: string): string {
  const attributes = [row.id, ...PRODUCT_ATTRIBUTES.map((a) => row[a.field])];
  return sha256(JSON.stringify([attributes, imageSha256, datasetSnapshot, source]));
}

async function knownFingerprints(deps: IngestDeps): Promise<Map<number, string>> {
  const latest = await foldLatest(deps.kafka, deps.producer.codec, topics.products.name, (event) => event.id);
  return new Map([...latest].map(([id, { event }]) => [id, fingerprint(event, event.imageSha256, event.datasetSnapshot, event.source)]));
}

/** Waits, within one deadline, until Kafka (and the producer), the registry and MinIO answer. */
async function waitForDependencies(deps: IngestDeps, bucket: string, options: IngestOptions): Promise<void> {
  const timeoutMs = options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
  const wait = { deadline: Date.now() + timeoutMs, timeoutS: Math.round(timeoutMs / 100) / 10, log: options.onWaiting ?? ((line: string) => void process.stderr.write(`ingest: ${line}\n`)) };
  const config = deps.config;
  const kafkaAddress = config?.kafkaBrokers.join(',') ?? 'the configured brokers';
  await waitUntilReady('Kafka', kafkaAddress, (abandoned) => probeKafka(deps.kafka, config?.kafkaBrokers, abandoned), wait);
  await waitUntilReady('Kafka', kafkaAddress, () => deps.producer.connect(), wait);
  await waitUntilReady('the schema registry', config?.schemaRegistryUrl ?? 'the configured URL', () => deps.producer.codec.register(topics.products.name).then(() => undefined), wait);
  const s3Address = config ? `${config.s3.useSSL ? 'https' : 'http'}://${config.s3.endPoint}:${config.s3.port}` : 'the configured endpoint';
  await waitUntilReady('MinIO', s3Address, () => ensureBucket(deps.s3, bucket), wait);
}

function count(record: Record<string, number>, key: string): void {
  record[key] = (record[key] ?? 0) + 1;
}

export async function ingest(dataset: DatasetSource, deps: IngestDeps, options: IngestOptions = {}): Promise<IngestReport> {
  const began = Date.now();
  for (const [name, value] of [['limit', options.limit], ['concurrency', options.concurrency]] as const) {
    if (value !== undefined && !(Number.isInteger(value) && value > 0)) throw new Error(`ingest: ${name} must be a positive integer, got ${value}`);
  }
  const bucket = options.bucket ?? buckets.images;
  // The header is checked first: a wrong file is refused before anything connects.
  const lines = dataset.lines()[Symbol.asyncIterator]();
  let next = await lines.next();
  const snapshot = await dataset.snapshot();
  const rows = await dataset.rowCount?.();
  const total = options.limit !== undefined && rows !== undefined ? Math.min(rows, options.limit) : (rows ?? options.limit ?? 0);
  const stages = { waitSeconds: 0, knownSeconds: 0, rowsSeconds: 0, readImage: 0, normalize: 0, put: 0, send: 0 };
  const report: IngestReport = { snapshot, lines: 0, emitted: 0, unchanged: 0, rejected: {}, notes: {}, rejectedIds: {}, rejections: [], objectsPut: 0, seconds: 0, stages };
  const timed = async <T>(stage: 'readImage' | 'normalize' | 'put' | 'send', fn: () => Promise<T>): Promise<T> => {
    const t0 = performance.now();
    try {
      return await fn();
    } finally {
      stages[stage] += (performance.now() - t0) / 1000;
    }
  };
  const reject = (reason: RejectReason, line: number, detail: string, id?: number): void => {
    count(report.rejected, reason);
    if (id !== undefined) (report.rejectedIds[reason] ??= []).push(id);
    if (report.rejections.length < MAX_REJECTIONS_KEPT) report.rejections.push({ line, ...(id !== undefined ? { id } : {}), reason, detail });
  };

  let phase = Date.now();
  await waitForDependencies(deps, bucket, options);
  stages.waitSeconds = (Date.now() - phase) / 1000;
  phase = Date.now();
  const known = await knownFingerprints(deps);
  stages.knownSeconds = (Date.now() - phase) / 1000;
  phase = Date.now();

  let pending: ProductIngested[] = [];
  let done = 0;
  const flush = async (): Promise<void> => {
    const batch = pending;
    pending = [];
    await timed('send', () => deps.producer.send(topics.products.name, batch.map((event) => ({ key: String(event.id), value: event }))));
    report.emitted += batch.length;
  };
  const put = async (key: string, bytes: Buffer): Promise<void> => {
    // Keys are content addressed: putting an existing key again stores the same bytes, so no
    // statObject first (it cost a round trip per object).
    await timed('put', () => deps.s3.putObject(bucket, key, bytes, bytes.length, { 'Content-Type': 'image/jpeg' }));
    report.objectsPut += 1;
  };

  const toEvent = async (row: StyleRow, line: number): Promise<ProductIngested | 'unchanged' | undefined> => {
    let original: Buffer | undefined;
    try {
      original = await timed('readImage', () => dataset.image(row));
    } catch (err) {
      if (!(err instanceof ImageTooLargeError)) throw err;
      reject('image-too-large', line, `line ${line}: ${err.message}`, row.id);
      return undefined;
    }
    if (!original) {
      reject('missing-image', line, `line ${line}: product ${row.id} has no image`, row.id);
      return undefined;
    }
    const originalSha = sha256(original);
    if (known.get(row.id) === fingerprint(row, originalSha, snapshot, dataset.source)) return 'unchanged';
    let normalized;
    try {
      normalized = await timed('normalize', () => normalizeImage(original!));
    } catch (err) {
      if (!(err instanceof UndecodableImageError)) throw err;
      reject('undecodable-image', line, `line ${line}: ${err.message}`, row.id);
      return undefined;
    }
    const imageOriginalKey = `original/${originalSha}.jpg`;
    const imageNormalizedKey = normalized.same ? imageOriginalKey : `normalized/${sha256(normalized.normalized.bytes)}.jpg`;
    await Promise.all([put(imageOriginalKey, original), normalized.same ? undefined : put(imageNormalizedKey, normalized.normalized.bytes)]);
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

  const concurrency = options.concurrency ?? DEFAULT_CONCURRENCY;
  const inFlight = new Set<Promise<void>>();
  const lingering = new Set<Promise<void>>();
  let failure: { error: unknown } | undefined;
  const work = async (row: StyleRow, line: number): Promise<void> => {
    const event = await toEvent(row, line);
    if (event === 'unchanged') report.unchanged += 1;
    else if (event) {
      pending.push(event);
      if (pending.length >= SEND_BATCH) await flush();
      else if (pending.length === 1) {
        // A batch is sent SEND_LINGER_MS after its first event unless it filled up meanwhile, so
        // events flow to the embedder while the file is read instead of at the end of each 500.
        const opened = pending;
        const send: Promise<void> = sleep(SEND_LINGER_MS)
          .then(() => (pending === opened ? flush() : undefined))
          .catch((error: unknown) => void (failure ??= { error }));
        lingering.add(send);
        void send.finally(() => lingering.delete(send));
      }
    }
  };
  const finished = (): void => {
    done += 1;
    options.onProgress?.({ done, total: Math.max(total, done), emitted: report.emitted });
  };

  const seen = new Set<number>();
  try {
    for (; !next.done && !failure; next = await lines.next()) {
      if (options.limit !== undefined && report.lines >= options.limit) break;
      const parsed: ParsedLine = next.value;
      report.lines += 1;
      if (!parsed.ok) {
        reject(parsed.reason, parsed.line, parsed.detail);
        finished();
        continue;
      }
      if (seen.has(parsed.row.id)) {
        reject('duplicate-id-in-file', parsed.line, `line ${parsed.line}: id ${parsed.row.id} appeared on an earlier line`, parsed.row.id);
        finished();
        continue;
      }
      seen.add(parsed.row.id);
      for (const note of parsed.notes) count(report.notes, note);
      const task: Promise<void> = work(parsed.row, parsed.line).then(
        () => finished(),
        (error: unknown) => void (failure ??= { error }),
      );
      const tracked = task.finally(() => inFlight.delete(tracked));
      inFlight.add(tracked);
      if (inFlight.size >= concurrency) await Promise.race(inFlight);
    }
  } finally {
    await lines.return?.();
    await Promise.all(inFlight);
    await Promise.all(lingering);
  }
  if (failure) throw failure.error;
  if (pending.length > 0) await flush();
  options.onProgress?.({ done, total: Math.max(total, done), emitted: report.emitted });
  stages.rowsSeconds = (Date.now() - phase) / 1000;
  report.seconds = (Date.now() - began) / 1000;
  return report;
}
