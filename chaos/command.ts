// `vitrina chaos`: the chaos suite (chaos/README.md), printing one table row per fault and writing
// bench/results/chaos.json.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import { ALL_FAULTS, CLUSTER_FAULTS, formatRow, runChaos, SHORT_FAULTS, TABLE_HEADER } from './run.ts';

const resultsDir = fileURLToPath(new URL('../bench/results', import.meta.url));

const seconds = (v: string): number => {
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0 || n > 600) throw new Error(`expected seconds between 0 and 600, got "${v}"`);
  return n;
};

export function registerChaos(program: Command): void {
  program
    .command('chaos')
    .description('kill and freeze each service and process, one at a time, under ingest and search load, on a stack instance of its own; prints a row per fault, writes bench/results/chaos.json')
    .option('--short', `a short run: ${SHORT_FAULTS.join(', ')} with 10 s stops`)
    .option('--faults <list>', `comma-separated faults (<target>:kill or <target>:stop); default all ${ALL_FAULTS.length}`)
    .option('--duration <s>', 'how long each SIGSTOP lasts (default 30, --short 10)', seconds)
    .option('--recovery-limit <s>', 'longest wait for recovery after each fault', seconds, 120)
    .option('--brokers <n>', 'Kafka brokers of the instance: 1 (default), or 3: a cluster, whose Kafka faults take one broker (kafka-broker:kill, kafka-broker:stop)', Number, 1)
    .option('--out <file>', 'where the JSON goes', path.join(resultsDir, 'chaos.json'))
    .action(async (opts: { short?: boolean; faults?: string; duration?: number; recoveryLimit: number; brokers: number; out: string }) => {
      const faults = opts.faults ? opts.faults.split(',').map((f) => f.trim()).filter(Boolean) : opts.short ? SHORT_FAULTS : opts.brokers > 1 ? CLUSTER_FAULTS : ALL_FAULTS;
      const stopSeconds = opts.duration ?? (opts.short ? 10 : 30);
      const write = (line: string): void => void process.stdout.write(`${line}\n`);
      const result = await runChaos({ faults, stopSeconds, downSeconds: 2, recoveryLimitSeconds: opts.recoveryLimit, kafkaNodes: opts.brokers, log: write });
      write('');
      write(TABLE_HEADER);
      write('| --- | --- | --- | --- | --- | --- | --- |');
      for (const row of result.rows) write(formatRow(row));
      const f = result.final;
      if (f) write(`final: ${f.expected} products ingested; lost ${f.productsLost}, duplicated ${f.productsDuplicated}, embeddings lost ${f.embeddingsLost}, duplicated ${f.embeddingsDuplicated}; ${result.searches} searches, ${result.ingestBatches} ingest batches, ${result.seconds} s`);
      fs.mkdirSync(path.dirname(opts.out), { recursive: true });
      fs.writeFileSync(opts.out, `${JSON.stringify(result, null, 2)}\n`);
      write(`wrote ${opts.out}`);
    });
}
