// Which uploads the dispatcher already handled, per object key and ETag, so a notification delivered
// twice, or found again by the sweep, is skipped. The dispatcher only publishes what it did, an
// UploadHandled on vitrina.uploads.handled; the uploads projection (projections/uploads/) is the one
// writer of the table, built by its live projector and rebuilt by `npx vitrina replay uploads`.
// What the projection has not applied yet the ledger knows from the log: the events this process
// sent, and, read once at start, those on the topic past the projection's offsets (a restart before
// the projector caught up never predicts an object twice).
import type { Kafka } from 'kafkajs';
import type { Db } from '../../projections/db.ts';
import { uploadKey } from '../../projections/uploads/projection.ts';
import { handledOutcome, projectedOffsets } from '../../projections/uploads/queries.ts';
import type { UploadHandled } from '../../schemas/types.generated.ts';
import type { EventProducer } from '../../streams/producer.ts';
import { readEvents } from '../../streams/read-to-end.ts';
import { ensureTopics, topics } from '../../streams/topics.ts';
import { importLegacyLedger } from './legacy-ledger.ts';

export interface LedgerDeps {
  db: Db;
  kafka: Kafka;
  producer: EventProducer;
  /** The table the ledger used to be, imported once (default dispatcher_predictions; tests name their own). */
  legacyTable?: string;
}

export interface HandledObject {
  bucket: string;
  key: string;
  etag: string;
}

/** Objects known from the log are looked up in the projection again once this many wait (the projector applied most by then). */
const FORGET_FROM = 1_000;

export class PredictionLedger {
  private ready: Promise<void> | undefined;
  /** Handled objects the projection may not have applied yet, by uploadKey. */
  private readonly unprojected = new Map<string, Pick<UploadHandled, 'bucket' | 'objectKey' | 'etag'>>();
  private forgetAt = FORGET_FROM;

  constructor(private readonly deps: LedgerDeps) {}

  /** The topic, the rows of the table the ledger used to be, and the events the projection has not applied yet, once per process. */
  prepare(): Promise<void> {
    this.ready ??= (async () => {
      const admin = this.deps.kafka.admin();
      await admin.connect();
      try {
        await ensureTopics(admin, [topics.uploadsHandled]);
      } finally {
        await admin.disconnect();
      }
      await importLegacyLedger(this.deps.db, (events) => this.publish(events), this.deps.legacyTable);
      const projected = await projectedOffsets(this.deps.db);
      await readEvents(this.deps.kafka, this.deps.producer.codec, topics.uploadsHandled.name, (e) => this.remember(e), {
        startAt: (_topic, partition) => projected.get(partition) ?? 0n,
      });
    })().catch((err: unknown) => {
      this.ready = undefined; // a transient failure: the next call tries again
      throw err;
    });
    return this.ready;
  }

  async has(bucket: string, key: string, etag: string): Promise<boolean> {
    await this.prepare();
    const handled = uploadKey(bucket, key, etag);
    if ((await handledOutcome(this.deps.db, bucket, key, etag)) === undefined) return this.unprojected.has(handled);
    this.unprojected.delete(handled); // the projection has it now
    return true;
  }

  /** Records that the object got an ImagePrediction of this model version. */
  async recordPredicted(object: HandledObject, modelVersion: string, processor: string): Promise<void> {
    await this.record(object, { outcome: 'PREDICTED', modelVersion, reason: null, processor });
  }

  /** Records that the object was dead-lettered for this reason. */
  async recordRejected(object: HandledObject, reason: string, processor: string): Promise<void> {
    await this.record(object, { outcome: 'REJECTED', modelVersion: null, reason, processor });
  }

  private async record(object: HandledObject, outcome: Pick<UploadHandled, 'outcome' | 'modelVersion' | 'reason' | 'processor'>): Promise<void> {
    await this.prepare();
    await this.publish([{ bucket: object.bucket, objectKey: object.key, etag: object.etag, ...outcome, handledAt: Date.now() }]);
    if (this.unprojected.size >= this.forgetAt) await this.forgetProjected();
  }

  /** Sends the events; until the projection applies them, the ledger knows them from here. */
  private async publish(events: UploadHandled[]): Promise<void> {
    await this.deps.producer.send(topics.uploadsHandled.name, events.map((e) => ({ key: uploadKey(e.bucket, e.objectKey, e.etag), value: e })));
    for (const e of events) this.remember(e);
  }

  private remember(e: Pick<UploadHandled, 'bucket' | 'objectKey' | 'etag'>): void {
    this.unprojected.set(uploadKey(e.bucket, e.objectKey, e.etag), { bucket: e.bucket, objectKey: e.objectKey, etag: e.etag });
  }

  /** Drops what the projection has applied since; the next check waits until twice as many wait (no projector running: no look-up per record). */
  private async forgetProjected(): Promise<void> {
    for (const [handled, e] of [...this.unprojected]) {
      if ((await handledOutcome(this.deps.db, e.bucket, e.objectKey, e.etag)) !== undefined) this.unprojected.delete(handled);
    }
    this.forgetAt = Math.max(FORGET_FROM, 2 * this.unprojected.size);
  }
}
