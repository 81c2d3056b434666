// The load a chaos run puts on the system: searches one after another through the gateway, each
// classified as 200, 503 (with Retry-After), other (another status, or a refused connection) or
// hung (no answer within 5 s); and batches of new products ingested by `vitrina ingest` child
// processes, each batch retried until its ingest succeeds. Both are bounded in count and time.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { STYLE_COLUMNS } from '../processors/ingest/styles.ts';
import { sleep } from '../platform/sleep.ts';

const root = fileURLToPath(new URL('..', import.meta.url));
export const HUNG_AFTER_MS = 5000;

export interface SearchCounts {
  ok: number;
  unavailable: number;
  other: number;
  hung: number;
  slowestMs: number;
}

const zero = (): SearchCounts => ({ ok: 0, unavailable: 0, other: 0, hung: 0, slowestMs: 0 });

export type SearchOutcome = 'ok' | 'unavailable' | 'other' | 'hung';

/** One search through the gateway, classified. */
export async function searchOnce(gatewayUrl: string, q: string): Promise<{ outcome: SearchOutcome; ms: number }> {
  const began = Date.now();
  try {
    const res = await fetch(`${gatewayUrl}/api/v1/search?q=${encodeURIComponent(q)}&k=5`, { signal: AbortSignal.timeout(HUNG_AFTER_MS) });
    await res.arrayBuffer();
    const ms = Date.now() - began;
    if (res.status === 200) return { outcome: 'ok', ms };
    if (res.status === 503 && res.headers.get('retry-after') !== null) return { outcome: 'unavailable', ms };
    return { outcome: 'other', ms };
  } catch (err) {
    const ms = Date.now() - began;
    return { outcome: (err as Error).name === 'TimeoutError' ? 'hung' : 'other', ms };
  }
}

const QUERIES = ['blue shirt', 'red jeans for women', 'black watch', 'white tshirt men', 'green handbag'];

export class SearchLoad {
  private counts = zero();
  private running = false;
  private loop: Promise<void> | undefined;
  total = 0;

  constructor(
    private readonly gatewayUrl: string,
    private readonly intervalMs: number,
    private readonly maxSearches: number,
  ) {}

  start(): void {
    this.running = true;
    this.loop = (async () => {
      while (this.running && this.total < this.maxSearches) {
        const { outcome, ms } = await searchOnce(this.gatewayUrl, QUERIES[this.total % QUERIES.length]!);
        this.total += 1;
        this.counts[outcome] += 1;
        this.counts.slowestMs = Math.max(this.counts.slowestMs, ms);
        await sleep(this.intervalMs);
      }
    })();
  }

  /** The counts since the last call, and a fresh window. */
  window(): SearchCounts {
    const counts = this.counts;
    this.counts = zero();
    return counts;
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.loop;
  }
}

export interface IngestedProduct {
  id: number;
  name: string;
}

const TYPES = ['Shirts', 'Tshirts', 'Jeans', 'Watches', 'Handbags'];
const COLOURS: Array<[string, string]> = [['Blue', '#2040c0'], ['Red', '#c02020'], ['Black', '#151515'], ['White', '#eeeeee'], ['Green', '#20a040']];

/** A dataset folder of `count` new products, ids from `firstId`. */
async function writeBatch(dir: string, firstId: number, count: number): Promise<IngestedProduct[]> {
  fs.mkdirSync(path.join(dir, 'images'), { recursive: true });
  const lines = [STYLE_COLUMNS.join(',')];
  const products: IngestedProduct[] = [];
  for (let i = 0; i < count; i += 1) {
    const id = firstId + i;
    const [colour, hex] = COLOURS[id % COLOURS.length]!;
    const type = TYPES[Math.floor(id / COLOURS.length) % TYPES.length]!;
    const gender = id % 2 === 0 ? 'Men' : 'Women';
    const name = `Chaos ${gender} ${colour} ${type} ${id}`;
    lines.push(`${id},${gender},Apparel,Topwear,${type},${colour},Summer,2015,Casual,${name}`);
    const image = await sharp({ create: { width: 60, height: 80, channels: 3, background: hex } })
      .composite([{ input: { create: { width: 10, height: 10, channels: 3, background: { r: id % 256, g: (id >> 8) % 256, b: 99 } } }, top: 5, left: 5 }])
      .jpeg()
      .toBuffer();
    fs.writeFileSync(path.join(dir, 'images', `${id}.jpg`), image);
    products.push({ id, name });
  }
  fs.writeFileSync(path.join(dir, 'styles.csv'), `${lines.join('\n')}\n`);
  return products;
}

/** Runs `vitrina ingest --dataset dir`, killed after timeoutMs; true when it exits 0. */
function runIngest(dir: string, env: Record<string, string>, logFile: string, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const log = fs.openSync(logFile, 'a');
    const child = spawn(process.execPath, [path.join(root, 'bin', 'vitrina.js'), 'ingest', '--dataset', dir, '--connect-timeout', String(Math.ceil(timeoutMs / 2000))], {
      cwd: root,
      env: { ...process.env, VITRINA_LOG_LEVEL: 'warn', ...env },
      stdio: ['ignore', log, log],
    });
    fs.closeSync(log);
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve(code === 0);
    });
    child.once('error', () => {
      clearTimeout(timer);
      resolve(false);
    });
  });
}

export interface IngestLoadOptions {
  env: Record<string, string>;
  workDir: string;
  firstId: number;
  batchSize: number;
  intervalMs: number;
  maxBatches: number;
  timeoutMs: number;
}

/**
 * Batches of new products, one ingest at a time. A batch whose ingest fails is ingested again
 * (the same ids and images) before the next one; its products are marked `retried`, since a
 * retry may rightly emit some of them twice.
 */
export class IngestLoad {
  readonly ingested = new Map<number, IngestedProduct>();
  readonly retried = new Set<number>();
  readonly pending: IngestedProduct[] = [];
  batches = 0;
  failures = 0;
  private running = false;
  private stopping = false;
  private loop: Promise<void> | undefined;
  private nextId: number;

  constructor(private readonly o: IngestLoadOptions) {
    this.nextId = o.firstId;
  }

  /** Ingests one batch until it succeeds (at most `attempts` times); false when it never did. */
  async ingestBatch(attempts = 5): Promise<boolean> {
    const dir = path.join(this.o.workDir, `batch-${this.batches}`);
    const products = await writeBatch(dir, this.nextId, this.o.batchSize);
    this.nextId += this.o.batchSize;
    this.batches += 1;
    this.pending.push(...products);
    for (let attempt = 1; attempt <= attempts; attempt += 1) {
      if (attempt > 1 && this.stopping) break;
      if (attempt > 1) for (const p of products) this.retried.add(p.id);
      if (await runIngest(dir, this.o.env, path.join(this.o.workDir, 'ingest.log'), this.o.timeoutMs)) {
        for (const p of products) this.ingested.set(p.id, p);
        this.pending.splice(0, this.pending.length, ...this.pending.filter((p) => !this.ingested.has(p.id)));
        fs.rmSync(dir, { recursive: true, force: true });
        return true;
      }
      this.failures += 1;
      await sleep(1000);
    }
    return false;
  }

  start(): void {
    this.running = true;
    this.loop = (async () => {
      while (this.running && this.batches < this.o.maxBatches) {
        const began = Date.now();
        await this.ingestBatch(30);
        await sleep(Math.max(0, this.o.intervalMs - (Date.now() - began)));
      }
    })();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.stopping = true;
    await this.loop;
  }
}
