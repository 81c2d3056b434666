// Re-embedding the whole catalog for one model version in the background: the products topic read
// to its end (the latest event of every product), then embedded and emitted in batches, with
// progress logged, until done or cancelled. Live embedding of new products goes on meanwhile.
// Transient failures (Kafka, MinIO or the model server down) are retried with capped backoff for
// as long as they last, each logged with its cause: a promotion must still go live after a long
// outage (it used to give up after 10 retries, about 2.5 minutes).
import type { Kafka, KafkaMessage } from 'kafkajs';
import type { ProductIngested } from '../../schemas/types.generated.ts';
import { withRetries } from '../../platform/backoff.ts';
import type { EventCodec } from '../../streams/codec.ts';
import type { Logger } from '../../platform/logger.ts';
import { foldLatest } from '../../streams/read-to-end.ts';
import { topics } from '../../streams/topics.ts';

export interface CatalogItem {
  product: ProductIngested;
  partition: number;
  message: KafkaMessage;
}

export type ReembedState = 'reading' | 'embedding' | 'done' | 'failed' | 'cancelled';

export interface ReembedStatus {
  version: string;
  state: ReembedState;
  total: number;
  done: number;
  emitted: number;
  error?: string;
}

export interface ReembedDeps {
  kafka: Kafka;
  codec: EventCodec;
  log: Logger;
  /** Embeds and emits a batch for the version; returns how many events it emitted. */
  embedBatch: (items: CatalogItem[], version: string) => Promise<number>;
  batchSize: number;
  progressEveryMs?: number;
  /** Re-embeds only the products it accepts; default all. */
  filter?: (product: ProductIngested) => boolean;
  /** Backoff between retries of a transient failure — { initialMs: 500, maxMs: 30000 }; retried until it succeeds. */
  retry?: { initialMs: number; maxMs: number };
  /** The catalog to re-embed — default: the products topic read to its end (readCatalog). */
  catalog?: () => Promise<CatalogItem[]>;
}

export async function readCatalog(kafka: Kafka, codec: EventCodec): Promise<CatalogItem[]> {
  const latest = await foldLatest(kafka, codec, topics.products.name, (product) => product.id);
  return [...latest.values()].map(({ event, partition, message }) => ({ product: event, partition, message })).sort((a, b) => a.product.id - b.product.id);
}

export class CatalogReembed {
  readonly status: ReembedStatus;
  readonly finished: Promise<ReembedStatus>;
  private cancelled = false;

  constructor(version: string, private readonly deps: ReembedDeps) {
    this.status = { version, state: 'reading', total: 0, done: 0, emitted: 0 };
    this.finished = this.run().then(() => this.status);
  }

  cancel(): void {
    this.cancelled = true;
  }

  private async run(): Promise<void> {
    const { log, batchSize } = this.deps;
    const status = this.status;
    const began = Date.now();
    let lastLog = began;
    try {
      const filter = this.deps.filter ?? (() => true);
      const read = this.deps.catalog ?? (() => readCatalog(this.deps.kafka, this.deps.codec));
      const catalog = (await this.retrying(read)).filter((item) => filter(item.product));
      status.total = catalog.length;
      status.state = 'embedding';
      log.info({ version: status.version, products: catalog.length }, 're-embedding the catalog in the background');
      for (let i = 0; i < catalog.length && !this.cancelled; i += batchSize) {
        const batch = catalog.slice(i, i + batchSize);
        status.emitted += await this.retrying(() => this.deps.embedBatch(batch, status.version));
        status.done += batch.length;
        if (Date.now() - lastLog >= (this.deps.progressEveryMs ?? 5_000)) {
          lastLog = Date.now();
          const rate = status.done / Math.max((lastLog - began) / 1000, 1e-3);
          log.info({ version: status.version, done: status.done, total: status.total, perSecond: Math.round(rate) }, 're-embedding progress');
        }
      }
      status.state = this.cancelled ? 'cancelled' : 'done';
      log.info({ ...status, seconds: (Date.now() - began) / 1000 }, this.cancelled ? 're-embedding cancelled' : 're-embedding done');
    } catch (err) {
      status.state = 'failed';
      status.error = String(err);
      log.error({ ...status }, 're-embedding failed');
    }
  }

  private retrying<T>(fn: () => Promise<T>): Promise<T> {
    return withRetries(fn, {
      retries: Number.POSITIVE_INFINITY,
      initialMs: this.deps.retry?.initialMs ?? 500,
      maxMs: this.deps.retry?.maxMs ?? 30_000,
      onRetry: (err, attempt, delayMs) => {
        if (this.cancelled) throw err;
        const cause = (err as { cause?: unknown }).cause;
        this.deps.log.warn({ version: this.status.version, err: String(err), ...(cause ? { cause: String(cause) } : {}), attempt, delayMs }, 're-embedding: transient failure, retrying');
      },
    });
  }
}
