// Ingest benchmarks. Default: the whole dataset folder into the products projection, products per
// second, with the peak memory of the ingest process and of the projector process. --alone: ingest by
// itself (CSV -> MinIO -> Kafka, no projection, no embedding) on a namespace of its own (the rows under
// fresh ids in a private range, a fresh images bucket, removed afterwards), with the seconds per stage,
// a second run over the same rows (idempotence: nothing emitted, nothing stored), and, measured in the
// same run, how many small objects per second MinIO itself takes, the ceiling of one put per product.
import { spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type * as Minio from 'minio';
import { createRuntime } from '../runtime/runtime.ts';
import { LocalDataset } from '../processors/ingest/dataset.ts';
import { DEFAULT_CONCURRENCY, ingest } from '../processors/ingest/ingest.ts';
import { loadConfig } from '../platform/config.ts';
import { ensureBucket } from '../platform/s3.ts';
import { removeBucket } from './namespace.ts';
import { peakRssMiB, trackPeak, writeResult } from './report.ts';

const root = fileURLToPath(new URL('..', import.meta.url));

export interface IngestBenchOptions {
  dataset?: string;
  limit?: number;
  alone?: boolean;
  concurrency?: number;
}

export async function benchIngest(options: IngestBenchOptions): Promise<Record<string, unknown>> {
  const config = loadConfig();
  const rt = createRuntime('bench-ingest', config);
  const dataset = new LocalDataset(options.dataset ?? config.datasetDir);
  const group = `vitrina.bench.projector.${Date.now()}`;
  const countBefore = Number((await rt.db.query<{ n: string }>('SELECT count(*) AS n FROM products').catch(() => ({ rows: [{ n: '0' }] }))).rows[0]!.n);
  const projector = spawn(process.execPath, [path.join(root, 'bin', 'vitrina.js'), 'processor', 'projector.products', '--group', group], { cwd: root, env: process.env, stdio: 'ignore' });
  const projectorPeak = trackPeak(projector.pid!);
  const began = Date.now();
  const report = await ingest(dataset, rt, { limit: options.limit, concurrency: options.concurrency });
  const emittedAt = Date.now();
  // The projection is complete when every product of this dataset is in it with this snapshot.
  for (;;) {
    const { rows } = await rt.db.query<{ n: string }>('SELECT count(*) AS n FROM products WHERE dataset_snapshot = $1', [report.snapshot]);
    if (Number(rows[0]!.n) >= report.emitted + report.unchanged) break;
    await new Promise((r) => setTimeout(r, 250));
  }
  const doneAt = Date.now();
  const projectorMiB = projectorPeak.stop();
  const exited = new Promise((resolve) => projector.once('exit', resolve));
  projector.kill('SIGTERM');
  const killer = setTimeout(() => projector.kill('SIGKILL'), 30_000);
  await exited;
  clearTimeout(killer);
  await rt.close();
  const seconds = (doneAt - began) / 1000;
  const result = {
    dataset: dataset.dir,
    rows: report.lines,
    emitted: report.emitted,
    unchanged: report.unchanged,
    rejected: report.rejected,
    notes: report.notes,
    productsBefore: countBefore,
    secondsToEvents: (emittedAt - began) / 1000,
    secondsToProjection: seconds,
    productsPerSecond: report.emitted / seconds,
    peakRssMiB: { ingest: peakRssMiB(process.pid), projector: projectorMiB },
    loadAverage: os.loadavg(),
  };
  return result;
}

/** The first `limit` rows of the dataset under fresh ids (base + i), images linked, in a temporary folder. */
function freshIdsCopy(source: string, limit: number): { dir: string; rows: number } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vitrina-bench-ingest-'));
  fs.mkdirSync(path.join(dir, 'images'));
  const base = 1_900_000_000 + crypto.randomInt(0, 200_000) * 1000;
  const [header, ...lines] = fs.readFileSync(path.join(source, 'styles.csv'), 'utf8').split('\n');
  const out = [header];
  for (const line of lines) {
    if (out.length > limit) break;
    const id = line.slice(0, line.indexOf(','));
    const image = path.join(source, 'images', `${id}.jpg`);
    if (!/^\d+$/.test(id) || !fs.existsSync(image)) continue;
    const fresh = base + out.length - 1;
    out.push(`${fresh}${line.slice(id.length)}`);
    fs.symlinkSync(path.resolve(image), path.join(dir, 'images', `${fresh}.jpg`));
  }
  fs.writeFileSync(path.join(dir, 'styles.csv'), `${out.join('\n')}\n`);
  return { dir, rows: out.length - 1 };
}

/** Small objects per second MinIO takes at a given concurrency (random 1.5 KB bodies, like the dataset's JPEGs). */
async function minioPutsPerSecond(s3: Minio.Client, bucket: string, count: number, concurrency: number, prefix: string): Promise<number> {
  let next = 0;
  const began = Date.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count) {
        const body = crypto.randomBytes(1500);
        await s3.putObject(bucket, `ceiling-${prefix}/${next++}`, body, body.length);
      }
    }),
  );
  return count / ((Date.now() - began) / 1000);
}

export async function benchIngestAlone(options: IngestBenchOptions): Promise<Record<string, unknown>> {
  const config = loadConfig();
  const limit = options.limit ?? 3000;
  const copy = freshIdsCopy(options.dataset ?? config.datasetDir, limit);
  const bucket = `vitrina-bench-ingest-${crypto.randomBytes(4).toString('hex')}`;
  const rt = createRuntime('bench-ingest-alone', config);
  try {
    const load = [os.loadavg()[0]];
    const concurrency = options.concurrency ?? DEFAULT_CONCURRENCY;
    const ceilingPuts = Math.min(2000, limit);
    // MinIO's own rate just before and just after the ingest (the machine is shared: both are kept).
    await ensureBucket(rt.s3, bucket);
    const before = await minioPutsPerSecond(rt.s3, bucket, ceilingPuts, concurrency, 'before');
    const cpu = process.cpuUsage();
    const first = await ingest(new LocalDataset(copy.dir), rt, { bucket, concurrency: options.concurrency });
    const used = process.cpuUsage(cpu);
    load.push(os.loadavg()[0]);
    const again = await ingest(new LocalDataset(copy.dir), rt, { bucket, concurrency: options.concurrency });
    load.push(os.loadavg()[0]);
    const after = await minioPutsPerSecond(rt.s3, bucket, ceilingPuts, concurrency, 'after');
    load.push(os.loadavg()[0]);
    const ceiling = (before + after) / 2;
    const productsPerSecond = first.emitted / first.seconds;
    return {
      dataset: options.dataset ?? config.datasetDir,
      rows: first.lines,
      emitted: first.emitted,
      objectsPut: first.objectsPut,
      rejected: first.rejected,
      seconds: first.seconds,
      productsPerSecond,
      /** Rows per second of the row phase alone (after the dependencies and the products topic). */
      rowsPerSecond: first.lines / first.stages.rowsSeconds,
      stages: first.stages,
      cpuSecondsPerProductMs: ((used.user + used.system) / 1000 / Math.max(1, first.emitted)),
      rerun: { emitted: again.emitted, unchanged: again.unchanged, objectsPut: again.objectsPut, seconds: again.seconds },
      concurrency,
      minioPutsPerSecond: { before, after },
      /** Products per second of the row phase over MinIO's small puts per second (one put per product). */
      rowsRatioToMinioPuts: first.lines / first.stages.rowsSeconds / ceiling,
      peakRssMiB: peakRssMiB(process.pid),
      loadAverage1m: load,
      cores: os.cpus().length,
    };
  } finally {
    await removeBucket(rt.s3, bucket).catch(() => undefined);
    fs.rmSync(copy.dir, { recursive: true, force: true });
    await rt.close();
  }
}

export async function runIngestBench(options: IngestBenchOptions): Promise<void> {
  const result = options.alone ? await benchIngestAlone(options) : await benchIngest(options);
  const file = writeResult('ingest', { mode: options.alone ? 'alone' : 'projection', ...result });
  process.stdout.write(`${JSON.stringify(result, null, 2)}\nwritten to ${file}\n`);
}
