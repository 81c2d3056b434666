// `vitrina bench <name>`: benchmarks that print their figures and write JSON under bench/results/.
import type { Command } from 'commander';
import { runIngestBench } from '../bench/ingest.ts';
import { runReplayBench } from '../bench/replay.ts';

export function registerBench(program: Command): void {
  const bench = program.command('bench').description('benchmarks (print figures, write bench/results/<name>.json)');
  bench
    .command('ingest')
    .description('the dataset folder into the products projection: products/s and peak memory per process')
    .option('--dataset <dir>', 'dataset folder')
    .option('--limit <n>', 'only the first N rows', (v) => Number(v))
    .action((opts: { dataset?: string; limit?: number }) => runIngestBench(opts));
  bench
    .command('replay')
    .description('rebuild the products projection: events/s next to kafka-consumer-perf-test on the same topic')
    .action(() => runReplayBench());
}
