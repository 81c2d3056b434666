// The model versions a server holds in memory: the champion (what requests without a version
// get) plus versions asked for by name, least recently used first out beyond the capacity. Every
// request holds a lease on the version it uses; a version that is swapped out or evicted is closed
// only when its last lease is released, so a hot swap never fails a request in flight.
import { Batcher, type BatchStats } from './batcher.ts';
import type { LoadedModel } from './model.ts';

export class NoChampionError extends Error {
  override name = 'NoChampionError';
}

export interface ServingVersion {
  version: string;
  model: LoadedModel;
  texts: Batcher<number[]>;
  images: Batcher<Float32Array>;
  leases: number;
  retired: boolean;
}

export interface Lease {
  serving: ServingVersion;
  release(): void;
}

export interface LoadedVersionsOptions {
  open: (version: string) => Promise<LoadedModel>;
  /** Versions kept loaded, champion included (at least 1). */
  capacity: number;
  maxBatch: number;
  maxWaitMs: number;
  log?: (message: string, extra?: Record<string, unknown>) => void;
}

const emptyStats = (): BatchStats => ({ batches: 0, items: 0, requests: 0, largest: 0 });

export class LoadedVersions {
  /** Batches run so far, over every version. */
  readonly totals = { texts: emptyStats(), images: emptyStats() };
  private readonly entries = new Map<string, ServingVersion>();
  private readonly loading = new Map<string, Promise<ServingVersion>>();
  private champion: ServingVersion | undefined;
  private promotions: Promise<unknown> = Promise.resolve();
  private readonly closing = new Set<Promise<void>>();

  constructor(private readonly options: LoadedVersionsOptions) {}

  championVersion(): string | undefined {
    return this.champion?.version;
  }

  loadedVersions(): string[] {
    return [...this.entries.keys()];
  }

  /** Loads the version (if needed), then makes it the champion; the old champion closes when idle. */
  promote(version: string): Promise<{ previous: string | undefined }> {
    const next = this.promotions.then(async () => {
      const entry = await this.ensure(version);
      const previous = this.champion;
      if (previous === entry) return { previous: previous.version };
      this.champion = entry;
      if (previous) this.retire(previous);
      this.options.log?.('champion model version', { version, previous: previous?.version });
      return { previous: previous?.version };
    });
    this.promotions = next.catch(() => undefined);
    return next;
  }

  /** A lease on the named version (loading it on demand) or on the champion. */
  async acquire(version?: string): Promise<Lease> {
    let entry = version ? await this.ensure(version) : this.champion;
    while (entry?.retired && version) entry = await this.ensure(version);
    if (!entry) throw new NoChampionError('no model version is loaded yet');
    entry.leases += 1;
    if (this.entries.get(entry.version) === entry) {
      // Most recently used goes last.
      this.entries.delete(entry.version);
      this.entries.set(entry.version, entry);
    }
    let released = false;
    return {
      serving: entry,
      release: () => {
        if (released) return;
        released = true;
        entry.leases -= 1;
        if (entry.retired && entry.leases === 0) this.closeEntry(entry);
      },
    };
  }

  private ensure(version: string): Promise<ServingVersion> {
    const existing = this.entries.get(version);
    if (existing) return Promise.resolve(existing);
    let pending = this.loading.get(version);
    if (!pending) {
      pending = this.options
        .open(version)
        .then((model) => {
          const batching = { maxBatch: this.options.maxBatch, maxWaitMs: this.options.maxWaitMs };
          const entry: ServingVersion = {
            version,
            model,
            texts: new Batcher((items) => model.text.run(items), { ...batching, onBatch: (n, r) => count(this.totals.texts, n, r) }),
            images: new Batcher((items) => model.image.run(items), { ...batching, onBatch: (n, r) => count(this.totals.images, n, r) }),
            leases: 0,
            retired: false,
          };
          this.entries.set(version, entry);
          this.evict();
          this.options.log?.('loaded model version', { version, source: model.info.source, dimension: model.info.dimension });
          return entry;
        })
        .finally(() => this.loading.delete(version));
      this.loading.set(version, pending);
    }
    return pending;
  }

  private evict(): void {
    const capacity = Math.max(1, this.options.capacity);
    for (const entry of this.entries.values()) {
      if (this.entries.size <= capacity) break;
      if (entry !== this.champion) this.retire(entry);
    }
  }

  private retire(entry: ServingVersion): void {
    if (this.entries.get(entry.version) === entry) this.entries.delete(entry.version);
    entry.retired = true;
    if (entry.leases === 0) this.closeEntry(entry);
  }

  private closeEntry(entry: ServingVersion): void {
    const done = Promise.all([entry.texts.idle(), entry.images.idle()])
      .then(() => entry.model.close())
      .then(() => this.options.log?.('closed model version', { version: entry.version }))
      .catch((err: unknown) => this.options.log?.('closing a model version failed', { version: entry.version, err: String(err) }))
      .finally(() => this.closing.delete(done));
    this.closing.add(done);
  }

  /** Closes every version once its requests are done. */
  async close(): Promise<void> {
    await this.promotions;
    await Promise.allSettled(this.loading.values());
    const all = [...this.entries.values()];
    this.champion = undefined;
    for (const entry of all) this.retire(entry);
    while (this.closing.size > 0) await Promise.allSettled([...this.closing]);
  }
}

function count(stats: BatchStats, items: number, requests: number): void {
  stats.batches += 1;
  stats.items += items;
  stats.requests += requests;
  stats.largest = Math.max(stats.largest, items);
}
