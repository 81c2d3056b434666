// The servers the search benchmark measures, each a child process running the real command
// (`vitrina serve model`, `vitrina serve gateway`, `vitrina processor dispatcher`) against the
// configured stack, started on free loopback ports and stopped (SIGTERM, then SIGKILL) afterwards.
import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createEncoderClient } from '../proto/client.ts';
import { trackPeak } from './report.ts';

const root = fileURLToPath(new URL('..', import.meta.url));

export interface Child {
  name: string;
  process: ChildProcess;
  /** CPU seconds it has used so far (the last sample once it has exited). */
  cpuSeconds(): number;
  /** Stops it and returns its peak resident memory in MiB. */
  stop(): Promise<number>;
}

/** A TCP port on loopback that nothing listens on right now. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

export interface ChildOptions {
  /** Pipe its stdout (default: dropped). */
  stdout?: 'ignore' | 'pipe';
  /** Node's own flags (e.g. --cpu-prof, which NODE_OPTIONS does not take). */
  nodeArgs?: string[];
}

/** A `vitrina <args>` child process with `env` over this one's. */
export function startChild(name: string, args: string[], env: Record<string, string>, options: ChildOptions = {}): Child {
  const child = spawn(process.execPath, [...(options.nodeArgs ?? []), path.join(root, 'bin', 'vitrina.js'), ...args], {
    cwd: root,
    env: { ...process.env, VITRINA_LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', options.stdout ?? 'ignore', 'inherit'],
  });
  const peak = trackPeak(child.pid!);
  return {
    name,
    process: child,
    cpuSeconds: () => peak.cpuSeconds(),
    stop: async () => {
      const mib = peak.stop();
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
        await exited;
        clearTimeout(timer);
      }
      return Math.round(mib);
    },
  };
}

async function until(what: string, child: Child, probe: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  for (;;) {
    try {
      if (await probe()) return;
    } catch (err) {
      last = (err as Error).message;
    }
    if (child.process.exitCode !== null) throw new Error(`${what} exited with ${child.process.exitCode} before it was ready`);
    if (Date.now() > deadline) throw new Error(`${what} was not ready after ${timeoutMs / 1000} s${last ? `: ${last}` : ''}`);
    await new Promise((r) => setTimeout(r, 300));
  }
}

/** `vitrina serve model` on a free port (with `args` such as --model or --max-batch), ready when it describes its model. */
export async function startModelServerChild(threads: number, args: string[] = [], env: Record<string, string> = {}, options: ChildOptions = {}): Promise<Child & { address: string }> {
  const address = `127.0.0.1:${await freePort()}`;
  const child = startChild('model server', ['serve', 'model', '--address', address, '--threads', String(threads), ...args], env, options);
  const client = createEncoderClient(address, 5000);
  try {
    await until('the model server', child, async () => Boolean(await client.describe()), 180_000);
  } catch (err) {
    await child.stop();
    throw err;
  } finally {
    client.close();
  }
  return { ...child, address };
}

/** `vitrina serve gateway` on a free port (with `env` over this process's, e.g. a namespace's DATABASE_URL), ready when /api/v1/health answers 200. */
export async function startGatewayChild(modelServerAddress: string, env: Record<string, string> = {}): Promise<Child & { url: string }> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const child = startChild('gateway', ['serve', 'gateway', '--port', String(port), '--model-server', modelServerAddress], env);
  try {
    await until('the gateway', child, async () => (await fetch(`${url}/api/v1/health`)).status === 200, 120_000);
  } catch (err) {
    await child.stop();
    throw err;
  }
  return { ...child, url };
}

/** `vitrina processor dispatcher` (its own consumer group); readiness is the caller's warm-up upload. */
export function startDispatcherChild(modelServerAddress: string, group: string): Child {
  return startChild('dispatcher', ['processor', 'dispatcher', '--group', group], { MODEL_SERVER_ADDRESS: modelServerAddress });
}
