// Ingest benchmark: the whole dataset folder into the products projection, products per second,
// with the peak memory of the ingest process and of the projector process.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRuntime } from '../cli/runtime.ts';
import { LocalDataset } from '../processors/ingest/dataset.ts';
import { ingest } from '../processors/ingest/ingest.ts';
import { loadConfig } from '../streams/config.ts';
import { peakRssMiB, trackPeak, writeResult } from './report.ts';

const root = fileURLToPath(new URL('..', import.meta.url));

export async function benchIngest(options: { dataset?: string; limit?: number }): Promise<Record<string, unknown>> {
  const config = loadConfig();
  const rt = createRuntime('bench-ingest', config);
  const dataset = new LocalDataset(options.dataset ?? config.datasetDir);
  const group = `vitrina.bench.projector.${Date.now()}`;
  const countBefore = Number((await rt.db.query<{ n: string }>('SELECT count(*) AS n FROM products').catch(() => ({ rows: [{ n: '0' }] }))).rows[0]!.n);
  const projector = spawn(process.execPath, [path.join(root, 'bin', 'vitrina.js'), 'processor', 'projector.products', '--group', group], { cwd: root, env: process.env, stdio: 'ignore' });
  const projectorPeak = trackPeak(projector.pid!);
  const began = Date.now();
  const report = await ingest(dataset, rt, { limit: options.limit });
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
  };
  return result;
}

export async function runIngestBench(options: { dataset?: string; limit?: number }): Promise<void> {
  const result = await benchIngest(options);
  const file = writeResult('ingest', result);
  process.stdout.write(`${JSON.stringify(result, null, 2)}\nwritten to ${file}\n`);
}
