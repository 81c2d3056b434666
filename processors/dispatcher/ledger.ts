// Which uploads the dispatcher already handled, per object key and ETag, so a notification delivered
// twice, or found again by the sweep, is skipped. The state is the uploads projection
// (projections/uploads/), rebuilt by `npx vitrina replay uploads`: for each object it handles the
// dispatcher publishes an UploadHandled on vitrina.uploads.handled, then applies it to the
// projection at once (read-your-writes for the next notification); the live projector and a replay
// build the same table from the topic.
import type { Kafka } from 'kafkajs';
import type { Db } from '../../projections/db.ts';
import { applyHandled, ensureUploadsProjection, handledOutcome } from '../../projections/uploads/ledger.ts';
import { uploadKey } from '../../projections/uploads/projection.ts';
import type { UploadHandled } from '../../schemas/types.generated.ts';
import type { EventProducer } from '../../streams/producer.ts';
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

export class PredictionLedger {
  private ready: Promise<void> | undefined;

  constructor(private readonly deps: LedgerDeps) {}

  /** The topic and a live generation of the projection, and the rows of the table the ledger used to be, once per process. */
  prepare(): Promise<void> {
    this.ready ??= (async () => {
      const admin = this.deps.kafka.admin();
      await admin.connect();
      try {
        await ensureTopics(admin, [topics.uploadsHandled]);
      } finally {
        await admin.disconnect();
      }
      await ensureUploadsProjection(this.deps.db);
      await importLegacyLedger(this.deps.db, (events) => this.publish(events), this.deps.legacyTable);
    })().catch((err: unknown) => {
      this.ready = undefined; // a transient failure: the next call tries again
      throw err;
    });
    return this.ready;
  }

  async has(bucket: string, key: string, etag: string): Promise<boolean> {
    await this.prepare();
    return (await handledOutcome(this.deps.db, bucket, key, etag)) !== undefined;
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
  }

  /** Sends the events, then applies them to the projection (after: the table never runs ahead of the topic). */
  private async publish(events: UploadHandled[]): Promise<void> {
    await this.deps.producer.send(topics.uploadsHandled.name, events.map((e) => ({ key: uploadKey(e.bucket, e.objectKey, e.etag), value: e })));
    await applyHandled(this.deps.db, events);
  }
}
