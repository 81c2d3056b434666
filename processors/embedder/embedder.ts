// The embedder processor (consumer group "vitrina.embedder"): every ProductIngested on
// vitrina.products becomes a ProductEmbedded on vitrina.embeddings, keyed "<version>/<product id>",
// for the champion model version (or the version it was given). A ModelPromoted of its model name
// makes the promoted version the champion once the model server serves it, and starts re-embedding
// the whole catalog for it in the background; until that is done, new products are embedded for
// the previous champion as well, so the version search reads stays whole.
import type { Kafka } from 'kafkajs';
import type * as Minio from 'minio';
import type { ModelPromoted, ProductIngested } from '../../schemas/types.generated.ts';
import { sendToDeadLetter } from '../../streams/dead-letter.ts';
import { processSettings } from '../../platform/env-table.ts';
import { PoisonError } from '../../platform/errors.ts';
import { logger, type Logger } from '../../platform/logger.ts';
import { ProcessorRunner, type Incoming } from '../../streams/processor.ts';
import type { EventProducer } from '../../streams/producer.ts';
import { sleep } from '../../platform/sleep.ts';
import { topics } from '../../streams/topics.ts';
import { readChampion } from './champion.ts';
import { embedProducts } from './embed.ts';
import { asTransientIfNotFound, type Encoder } from './encoder.ts';
import { attributesOf, EmittedFingerprints, fingerprint, type KnownEmbeddings } from './fingerprint.ts';
import { CatalogReembed, type CatalogItem, type ReembedStatus } from './reembed.ts';

export const EMBEDDER = 'embedder';

export interface EmbedderDeps {
  kafka: Kafka;
  producer: EventProducer;
  s3: Minio.Client;
  encoder: Encoder;
  /** What the embeddings projection already holds, to skip re-embedding it (optional). */
  known?: KnownEmbeddings;
}

export interface EmbedderOptions {
  groupId?: string;
  /** Embed for this version only, ignoring promotions; default: the champion. */
  modelVersion?: string;
  /** The model whose promotions are followed; default $VITRINA_MODEL_NAME or "vitrina". */
  modelName?: string;
  /** Largest batch per model-server call (capped by the server's max_batch); default 32. */
  batchSize?: number;
  /** Largest batch of messages handed to the handler; default 64. */
  maxBatch?: number;
  /** Image downloads in flight per batch; default 8. */
  concurrency?: number;
  /** Partitions of the products topic whose batches are embedded at once, so the model server always has work queued; default 3. */
  partitionsInParallel?: number;
  /** On start, resume re-embedding the champion's catalog (cheap only with `known`); default: whether `known` is given. */
  catchUpOnStart?: boolean;
  /** How long to wait for the model server to serve a promoted version (it may be downloading it); default 10 min. */
  promotionWaitMs?: number;
  /** Which products a background re-embedding covers; default the whole catalog. */
  catalogFilter?: (product: ProductIngested) => boolean;
}

type Message = ProductIngested | ModelPromoted;

interface Described {
  version: string;
  dimension: number;
  maxBatch: number;
  at: number;
}

export class Embedder {
  readonly runner: ProcessorRunner<Message>;
  readonly stats = { embedded: 0, skipped: 0, failed: 0, promotions: 0 };
  private readonly log: Logger = logger.child({ processor: EMBEDDER });
  private readonly emitted = new EmittedFingerprints();
  private readonly described = new Map<string, Described>();
  private readonly modelName: string;
  private champion: string | undefined;
  private transitionFrom: string | undefined;
  private promotionEnds = new Map<number, bigint>();
  private background: CatalogReembed | undefined;
  private promoting: Promise<void> | undefined;
  private stopped = false;

  constructor(
    private readonly deps: EmbedderDeps,
    private readonly options: EmbedderOptions = {},
  ) {
    this.modelName = options.modelName ?? processSettings().VITRINA_MODEL_NAME;
    const followPromotions = options.modelVersion === undefined;
    this.runner = new ProcessorRunner<Message>(
      {
        name: EMBEDDER,
        groupId: options.groupId,
        topics: followPromotions ? [topics.products.name, topics.promotions.name] : [topics.products.name],
        maxBatch: options.maxBatch ?? 64,
        partitionsInParallel: options.partitionsInParallel ?? 3,
        decode: (topic, message) => {
          if (!message.value) throw new PoisonError('empty message value');
          return deps.producer.codec.decode(topic as typeof topics.products.name | typeof topics.promotions.name, message.value);
        },
        handle: (batch, ctx) => (batch[0]?.topic === topics.promotions.name ? this.onPromotions(batch) : this.onProducts(batch, ctx.heartbeat)),
      },
      deps.kafka,
      deps.producer,
    );
  }

  /** The version new products are embedded for first (the champion, or the server's default). */
  currentVersion(): string | undefined {
    return this.options.modelVersion ?? this.champion;
  }

  /** The background re-embedding in progress or last finished, if any. */
  reembedStatus(): ReembedStatus | undefined {
    return this.background?.status;
  }

  /** Resolves when the background re-embedding (if any) has ended. */
  async reembedFinished(): Promise<ReembedStatus | undefined> {
    await this.promoting;
    return this.background?.finished;
  }

  async start(): Promise<void> {
    if (this.options.modelVersion === undefined) {
      const { version, ends } = await readChampion(this.deps.kafka, this.deps.producer.codec, this.modelName);
      this.promotionEnds = ends;
      if (version !== undefined) {
        if (await this.serves(version)) {
          this.champion = version;
          if (this.options.catchUpOnStart ?? this.deps.known !== undefined) this.startReembed(version);
        } else {
          this.log.warn({ version }, 'the promoted champion is not served by the model server; embedding for its default version');
        }
      }
    }
    await this.runner.start();
    this.log.info({ version: this.currentVersion() ?? '(model server default)', modelName: this.modelName }, 'embedder started');
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.background?.cancel();
    await this.runner.stop();
    await this.promoting?.catch(() => undefined);
    await this.background?.finished;
  }

  private async onPromotions(batch: Array<Incoming<Message>>): Promise<void> {
    const fresh = batch.filter((m) => BigInt(m.offset) >= (this.promotionEnds.get(m.partition) ?? 0n));
    const mine = fresh.map((m) => m.value as ModelPromoted).filter((p) => p.modelName === this.modelName);
    const newest = mine[mine.length - 1];
    if (!newest) return;
    this.stats.promotions += 1;
    const previous = this.promoting ?? Promise.resolve();
    this.promoting = previous.then(() => this.promote(newest.version)).catch((err) => this.log.error({ err: String(err), version: newest.version }, 'promotion not followed'));
  }

  /** Switches to a promoted version once the model server serves it, and re-embeds the catalog for it. */
  private async promote(version: string): Promise<void> {
    if (version === this.champion) return;
    const deadline = Date.now() + (this.options.promotionWaitMs ?? 600_000);
    while (!(await this.serves(version))) {
      if (this.stopped) return;
      if (Date.now() > deadline) throw new Error(`the model server does not serve promoted version ${version}`);
      await sleep(1_000);
    }
    const before = this.champion ?? (await this.describe(undefined)).version;
    this.champion = version;
    this.transitionFrom = before === version ? undefined : before;
    this.log.info({ version, previous: before }, 'new champion: re-embedding the catalog for it');
    this.startReembed(version);
  }

  private startReembed(version: string): void {
    this.background?.cancel();
    const task = new CatalogReembed(version, {
      kafka: this.deps.kafka,
      codec: this.deps.producer.codec,
      log: this.log,
      batchSize: Math.max(this.options.batchSize ?? 32, 64),
      filter: this.options.catalogFilter,
      embedBatch: (items, v) => this.embedAndEmit(items, v, new Set()),
    });
    this.background = task;
    void task.finished.then((status) => {
      if (status.state === 'done' && this.champion === version) this.transitionFrom = undefined;
    });
  }

  private async onProducts(batch: Array<Incoming<Message>>, heartbeat: () => Promise<void>): Promise<void> {
    const latest = new Map<number, CatalogItem>();
    for (const m of batch) {
      const product = m.value as ProductIngested;
      latest.set(product.id, { product, partition: m.partition, message: m.message });
    }
    const items = [...latest.values()];
    const deadLettered = new Set<number>();
    for (const version of await this.targets()) await this.embedAndEmit(items, version, deadLettered, heartbeat);
  }

  /** The versions new products are embedded for. */
  private async targets(): Promise<string[]> {
    const first = this.currentVersion() ?? (await this.describe(undefined)).version;
    return this.transitionFrom && this.transitionFrom !== first ? [first, this.transitionFrom] : [first];
  }

  /** Embeds what is not embedded yet for the version and emits it; dead-letters products without a usable image. */
  private async embedAndEmit(items: CatalogItem[], version: string, deadLettered: Set<number>, heartbeat?: () => Promise<void>): Promise<number> {
    let todo = items.filter((i) => !this.emitted.has(version, i.product.id, fingerprint(attributesOf(i.product))));
    if (todo.length > 0 && this.deps.known) {
      const known = await this.deps.known.lookup(version, todo.map((i) => i.product.id));
      todo = todo.filter((i) => {
        const have = known.get(i.product.id);
        return !have || fingerprint(have) !== fingerprint(attributesOf(i.product));
      });
    }
    this.stats.skipped += items.length - todo.length;
    if (todo.length === 0) return 0;
    const model = await this.describe(version);
    const { events, failures } = await embedProducts(todo.map((i) => i.product), model.version, model.dimension, this.deps, {
      batchSize: Math.max(1, Math.min(this.options.batchSize ?? 32, model.maxBatch || Number.MAX_SAFE_INTEGER)),
      concurrency: this.options.concurrency ?? 8,
      onProgress: heartbeat,
    });
    for (let i = 0; i < events.length; i += 100) {
      await this.deps.producer.send(topics.embeddings.name, events.slice(i, i + 100).map((e) => ({ key: `${e.modelVersion}/${e.productId}`, value: e })));
    }
    const failed = new Set(failures.map((f) => f.productId));
    for (const item of todo) if (!failed.has(item.product.id)) this.emitted.remember(version, item.product.id, fingerprint(attributesOf(item.product)));
    for (const failure of failures) {
      if (deadLettered.has(failure.productId)) continue;
      deadLettered.add(failure.productId);
      const item = todo.find((i) => i.product.id === failure.productId)!;
      this.log.warn({ productId: failure.productId, reason: failure.reason }, 'product image unusable: dead-lettered, embedded without an image');
      await sendToDeadLetter(this.deps.producer, { topic: topics.products.name, partition: item.partition, message: item.message }, new PoisonError(failure.reason), EMBEDDER, 1);
    }
    this.stats.embedded += events.length - failures.length;
    this.stats.failed += failures.length;
    return events.length;
  }

  /** The model server's description of a version (the default one when undefined), cached briefly. */
  private async describe(version: string | undefined): Promise<Described> {
    const key = version ?? '';
    const cached = this.described.get(key);
    if (cached && Date.now() - cached.at < 30_000) return cached;
    let info;
    try {
      info = await this.deps.encoder.describe(version);
    } catch (err) {
      throw asTransientIfNotFound(err);
    }
    const described = { version: info.version, dimension: info.dimension, maxBatch: info.maxBatch, at: Date.now() };
    this.described.set(key, described);
    return described;
  }

  private async serves(version: string): Promise<boolean> {
    try {
      return (await this.describe(version)).version === version;
    } catch (err) {
      this.log.debug({ version, err: String(err) }, 'model server does not serve the version (yet)');
      return false;
    }
  }
}

export function createEmbedder(deps: EmbedderDeps, options: EmbedderOptions = {}): Embedder {
  return new Embedder(deps, options);
}
