// `vitrina serve balancer`: the load balancer of the production layout, in front of two or more
// `vitrina serve gateway` instances (gateway/balancer/README.md), so a killed or frozen gateway
// costs no search.
import type { Command } from 'commander';
import { BALANCER_DEFAULTS, startBalancer } from '../gateway/balancer/server.ts';
import { stopOnSignals } from '../streams/shutdown.ts';
import { serveCommand } from './serve-model.ts';

function positive(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) throw new Error(`expected a positive integer, got "${value}"`);
  return n;
}

export function registerServeBalancer(program: Command): void {
  serveCommand(program)
    .command('balancer')
    .description('an HTTP load balancer in front of gateway instances: health checks, read-only requests retried once on another instance, 503 with Retry-After when none is healthy')
    .requiredOption('--upstreams <list>', 'comma-separated host:port of each gateway instance')
    .option('--port <n>', 'port (0 picks a free one)', (v) => Number(v), 8080)
    .option('--host <host>', 'interface to listen on', '127.0.0.1')
    .option('--health-path <path>', 'the liveness path checked on each instance', BALANCER_DEFAULTS.healthPath)
    .option('--health-interval-ms <n>', 'how often each instance is checked', positive, BALANCER_DEFAULTS.healthIntervalMs)
    .option('--health-timeout-ms <n>', 'how long a check waits', positive, BALANCER_DEFAULTS.healthTimeoutMs)
    .option('--attempt-timeout-ms <n>', 'how long a read-only request waits for an instance before it is sent to another', positive, BALANCER_DEFAULTS.attemptTimeoutMs)
    .option('--max-body-bytes <n>', 'largest request body', positive, BALANCER_DEFAULTS.maxBodyBytes)
    .action(async (opts: { upstreams: string; port: number; host: string; healthPath: string; healthIntervalMs: number; healthTimeoutMs: number; attemptTimeoutMs: number; maxBodyBytes: number }) => {
      if (!Number.isInteger(opts.port) || opts.port < 0 || opts.port > 65535) throw new Error(`--port must be a port number, got "${opts.port}"`);
      const upstreams = opts.upstreams.split(',').map((u) => u.trim()).filter(Boolean);
      if (upstreams.length < 2) process.stderr.write(`balancer: only ${upstreams.length} upstream; a frozen or killed gateway will not be covered\n`);
      const log = (line: string): void => void process.stdout.write(`${new Date().toISOString()} ${line}\n`);
      const balancer = await startBalancer({ ...opts, upstreams, log });
      stopOnSignals({ stop: () => balancer.close() });
      const healthy = balancer.upstreams.stats().filter((u) => u.healthy).length;
      process.stdout.write(`balancer listening on ${balancer.url} (${healthy} of ${upstreams.length} upstreams healthy)\n`);
    });
}
