// `vitrina stack up | down | status | logs | env`
import fs from 'node:fs';
import type { Command } from 'commander';
import { loadConfig } from '../platform/config.ts';
import { down, logFileOf, stackEnv, status, up } from '../stack/manager.ts';
import { recordKafkaNodes } from '../stack/services/kafka.ts';
import { useTestStack } from '../stack/test-stack.ts';

const say = (line: string): void => {
  process.stdout.write(`${line}\n`);
};

function only(list: string | undefined): string[] | undefined {
  return list ? list.split(',').map((s) => s.trim()).filter(Boolean) : undefined;
}

function megabytes(bytes: number | null): string {
  return bytes === null ? '-' : `${(bytes / 1024 / 1024).toFixed(0)} MiB`;
}

export function registerStack(program: Command): void {
  const stack = program
    .command('stack')
    .description('install, start, check and stop the local stack (Kafka, schema registry, MinIO, PostgreSQL+pgvector)')
    .option('--test', "the test suite's own stack (its own state folder and ports) instead of the main one")
    .hook('preAction', (command) => {
      if ((command.opts() as { test?: boolean }).test) useTestStack();
    });

  stack
    .command('up')
    .description('install (once, into the cache) and start every service, waiting until each is healthy')
    .option('--only <services>', 'comma-separated service names')
    .option('--brokers <n>', 'Kafka brokers: 1 (default), or 3 for a KRaft cluster (replication factor 3, min.insync.replicas 2); recorded in the state folder, so later commands know it', Number)
    .action(async (opts: { only?: string; brokers?: number }) => {
      const began = Date.now();
      const config = opts.brokers === undefined ? loadConfig() : recordKafkaNodes(loadConfig(), opts.brokers);
      await up({ config, log: say, only: only(opts.only) });
      const flag = (stack.opts() as { test?: boolean }).test ? ' --test' : '';
      say(`stack is up (${((Date.now() - began) / 1000).toFixed(1)} s); run: eval "$(npx vitrina stack${flag} env)"`);
    });

  stack
    .command('down')
    .description('stop every service by its PID')
    .option('--only <services>', 'comma-separated service names')
    .action(async (opts: { only?: string }) => {
      const stopped = await down({ log: say, only: only(opts.only) });
      say(stopped.length > 0 ? `stopped ${stopped.join(', ')}` : 'nothing was running');
    });

  stack
    .command('status')
    .description("print each service's health, version, address, PID and memory")
    .option('--json', 'print JSON')
    .option('--only <services>', 'comma-separated service names')
    .action(async (opts: { json?: boolean; only?: string }) => {
      const rows = await status({ only: only(opts.only) });
      if (opts.json) {
        say(JSON.stringify(rows, null, 2));
      } else {
        for (const row of rows) {
          const state = row.running ? (row.health.ok ? 'healthy' : 'UNHEALTHY') : 'stopped';
          say(`${row.name.padEnd(10)} ${row.version.padEnd(34)} ${state.padEnd(9)} ${row.address.padEnd(34)} pid ${String(row.pid ?? '-').padEnd(8)} rss ${megabytes(row.rssBytes).padEnd(9)} ${row.health.detail}`);
        }
      }
      if (rows.some((r) => !r.health.ok)) process.exitCode = 3;
    });

  stack
    .command('logs <service>')
    .description("print the end of a service's log")
    .option('-n, --lines <n>', 'number of lines', '50')
    .action((service: string, opts: { lines: string }) => {
      const file = logFileOf(service);
      const text = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '';
      say(text.trimEnd().split('\n').slice(-Number(opts.lines)).join('\n'));
    });

  stack
    .command('env')
    .description('print export lines for every connection setting, for eval "$(npx vitrina stack env)"')
    .action(() => {
      for (const [name, value] of Object.entries(stackEnv())) say(`export ${name}='${value.replaceAll("'", "'\\''")}'`);
    });
}
