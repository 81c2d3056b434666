// Dynamic batching: requests that arrive close together are embedded in one ONNX run. A request's
// items stay together; a batch starts when it holds maxBatch items or its oldest request has
// waited maxWaitMs (with 0, at the end of the event-loop turn, so requests that arrived together
// still share it), and one batch runs at a time per encoder (onnxruntime already uses every core
// for one run), so requests arriving during a run form the next batch.
export interface BatchStats {
  batches: number;
  items: number;
  requests: number;
  largest: number;
}

export interface BatcherOptions {
  maxBatch: number;
  maxWaitMs: number;
  onBatch?: (items: number, requests: number) => void;
}

interface Pending<P> {
  items: P[];
  since: number;
  resolve: (vectors: Float32Array[]) => void;
  reject: (err: unknown) => void;
}

export class Batcher<P> {
  readonly stats: BatchStats = { batches: 0, items: 0, requests: 0, largest: 0 };
  private readonly queue: Array<Pending<P>> = [];
  private queuedItems = 0;
  private running = false;
  private timer: NodeJS.Timeout | undefined;
  private immediate: NodeJS.Immediate | undefined;
  private idleWaiters: Array<() => void> = [];

  constructor(
    private readonly run: (items: P[]) => Promise<Float32Array[]>,
    private readonly options: BatcherOptions,
  ) {}

  /** Embeds one request's items (1..maxBatch) together with whatever else is queued. */
  submit(items: P[]): Promise<Float32Array[]> {
    if (items.length === 0) return Promise.resolve([]);
    if (items.length > this.options.maxBatch) return Promise.reject(new Error(`a request of ${items.length} items exceeds the batch limit ${this.options.maxBatch}`));
    return new Promise((resolve, reject) => {
      this.queue.push({ items, since: Date.now(), resolve, reject });
      this.queuedItems += items.length;
      this.schedule();
    });
  }

  /** Resolves when nothing is queued or running. */
  idle(): Promise<void> {
    if (!this.running && this.queue.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private schedule(): void {
    if (this.running || this.queue.length === 0) {
      if (!this.running && this.queue.length === 0) this.notifyIdle();
      return;
    }
    const waited = Date.now() - this.queue[0]!.since;
    if (this.queuedItems >= this.options.maxBatch) {
      this.cancelWaits();
      void this.runNext();
    } else if (waited >= this.options.maxWaitMs) {
      // Let the requests already read in this turn of the event loop join first.
      this.immediate ??= setImmediate(() => {
        this.immediate = undefined;
        if (!this.running && this.queue.length > 0) {
          this.cancelWaits();
          void this.runNext();
        }
      });
    } else if (!this.timer) {
      this.timer = setTimeout(() => {
        this.timer = undefined;
        this.schedule();
      }, this.options.maxWaitMs - waited);
    }
  }

  private cancelWaits(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    clearImmediate(this.immediate);
    this.immediate = undefined;
  }

  private async runNext(): Promise<void> {
    const batch: Array<Pending<P>> = [];
    let size = 0;
    while (this.queue.length > 0 && size + this.queue[0]!.items.length <= this.options.maxBatch) {
      const next = this.queue.shift()!;
      size += next.items.length;
      batch.push(next);
    }
    this.queuedItems -= size;
    this.running = true;
    this.stats.batches += 1;
    this.stats.items += size;
    this.stats.requests += batch.length;
    this.stats.largest = Math.max(this.stats.largest, size);
    this.options.onBatch?.(size, batch.length);
    try {
      const vectors = await this.run(batch.flatMap((p) => p.items));
      if (vectors.length !== size) throw new Error(`the encoder returned ${vectors.length} vectors for ${size} inputs`);
      let at = 0;
      for (const pending of batch) {
        pending.resolve(vectors.slice(at, at + pending.items.length));
        at += pending.items.length;
      }
    } catch (err) {
      for (const pending of batch) pending.reject(err);
    } finally {
      this.running = false;
      this.schedule();
    }
  }

  private notifyIdle(): void {
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const resolve of waiters) resolve();
  }
}
