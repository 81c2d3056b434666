// `vitrina ingest --dataset <dir> [--limit N]` (or --hf for the Hugging Face copy)
import cliProgress from 'cli-progress';
import type { Command } from 'commander';
import { LocalDataset, type DatasetSource } from '../processors/ingest/dataset.ts';
import { HuggingFaceDataset } from '../processors/ingest/huggingface.ts';
import { DEFAULT_CONCURRENCY, DEFAULT_CONNECT_TIMEOUT_MS, ingest, type IngestProgress, type IngestReport } from '../processors/ingest/ingest.ts';
import { DependencyUnavailableError } from '../processors/ingest/ready.ts';
import { loadConfig } from '../platform/config.ts';
import { createRuntime } from '../runtime/runtime.ts';

/** sysexits' EX_UNAVAILABLE: a service ingest needs did not answer in time. */
const EXIT_UNAVAILABLE = 69;

function progressReporter(): { update: (p: IngestProgress) => void; stop: () => void } {
  if (process.stdout.isTTY) {
    const bar = new cliProgress.SingleBar({ format: 'ingest [{bar}] {percentage}% | {value}/{total} rows | {rate} rows/s | ETA {eta_formatted} | emitted {emitted}', etaBuffer: 500 }, cliProgress.Presets.shades_classic);
    let startedAt = 0;
    return {
      update: (p) => {
        if (startedAt === 0) {
          startedAt = Date.now();
          bar.start(p.total, 0, { rate: '0', emitted: 0 });
        }
        bar.update(p.done, { rate: (p.done / Math.max((Date.now() - startedAt) / 1000, 0.001)).toFixed(0), emitted: p.emitted });
      },
      stop: () => bar.stop(),
    };
  }
  let last = 0;
  const began = Date.now();
  return {
    update: (p) => {
      const now = Date.now();
      if (now - last < 2000 && p.done < p.total) return;
      last = now;
      const rate = p.done / Math.max((now - began) / 1000, 0.001);
      const eta = rate > 0 ? (p.total - p.done) / rate : 0;
      process.stdout.write(`ingest ${p.done}/${p.total} rows, ${rate.toFixed(0)} rows/s, ETA ${eta.toFixed(0)} s, emitted ${p.emitted}\n`);
    },
    stop: () => undefined,
  };
}

export function printIngestReport(report: IngestReport): void {
  const out = (line: string): void => void process.stdout.write(`${line}\n`);
  out(`dataset snapshot ${report.snapshot}: ${report.lines} rows read in ${report.seconds.toFixed(1)} s`);
  out(`  emitted ${report.emitted} ProductIngested events, ${report.unchanged} unchanged since the last ingest`);
  for (const [reason, n] of Object.entries(report.rejected)) {
    const first = report.rejections.find((r) => r.reason === reason);
    out(`  rejected ${n}: ${reason}${first ? ` (first: ${first.detail})` : ''}`);
  }
  for (const [note, n] of Object.entries(report.notes)) out(`  ingested with a note ${n}: ${note}`);
}

export function registerIngest(program: Command): void {
  program
    .command('ingest')
    .description('load a dataset (styles.csv + images/) into MinIO and emit ProductIngested events')
    .option('--dataset <dir>', 'dataset folder in the Fashion Product Images (Small) layout (default: VITRINA_DATASET_DIR or ../shared/data/fashion-small)')
    .option('--hf', 'read the Hugging Face copy of the dataset instead (needs internet)')
    .option('--limit <n>', 'only the first N rows', (v) => Number(v))
    .option('--concurrency <n>', 'rows in work at once (reading, normalising and storing images)', (v) => Number(v), DEFAULT_CONCURRENCY)
    .option('--connect-timeout <s>', 'seconds Kafka, the schema registry and MinIO may take to answer before ingest gives up (exit code 69)', (v) => Number(v), DEFAULT_CONNECT_TIMEOUT_MS / 1000)
    .option('--json', 'print the report as JSON')
    .action(async (opts: { dataset?: string; hf?: boolean; limit?: number; concurrency: number; connectTimeout: number; json?: boolean }) => {
      if (!(opts.connectTimeout > 0)) throw new Error(`--connect-timeout must be a positive number of seconds, got ${opts.connectTimeout}`);
      const source: DatasetSource = opts.hf ? new HuggingFaceDataset() : new LocalDataset(opts.dataset ?? loadConfig().datasetDir);
      const runtime = createRuntime('vitrina-ingest');
      const progress = progressReporter();
      try {
        const report = await ingest(source, runtime, { limit: opts.limit, concurrency: opts.concurrency, connectTimeoutMs: opts.connectTimeout * 1000, onProgress: progress.update });
        progress.stop();
        if (opts.json) process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
        else printIngestReport(report);
      } catch (err) {
        if (!(err instanceof DependencyUnavailableError)) throw err;
        // A probe that never got an answer may still hold a socket: say why and leave at once.
        progress.stop();
        process.stderr.write(`vitrina: ${err.message}\n  fix: start the stack (npx vitrina stack up) or point the settings at running services (npx vitrina stack env)\n`);
        process.exit(EXIT_UNAVAILABLE);
      } finally {
        progress.stop();
        await runtime.close();
      }
    });
}
