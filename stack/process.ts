// Starting services as detached process groups, recording their PIDs, and stopping them by PID.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import { sleep } from '../platform/sleep.ts';
import { StackError, type LaunchSpec } from './types.ts';

export function startDetached(spec: LaunchSpec, logFile: string, pidFile: string): number {
  const out = fs.openSync(logFile, 'a');
  const child = spawn(spec.command, spec.args, {
    cwd: spec.cwd,
    env: { ...process.env, ...spec.env },
    detached: true,
    stdio: ['ignore', out, out],
  });
  fs.closeSync(out);
  if (child.pid === undefined) throw new StackError(`could not start ${spec.command}`, `check ${logFile}`);
  child.unref();
  fs.writeFileSync(pidFile, `${child.pid}\n`);
  return child.pid;
}

export function readPid(pidFile: string): number | undefined {
  try {
    const pid = Number(fs.readFileSync(pidFile, 'utf8').trim());
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    try {
      process.kill(pid, signal);
    } catch {
      /* already gone */
    }
  }
}

/** Stops the process group led by the PID in pidFile: the stop signal, then SIGKILL after graceMs. */
export async function stopByPidFile(pidFile: string, graceMs = 15_000, signal: NodeJS.Signals = 'SIGTERM'): Promise<boolean> {
  const pid = readPid(pidFile);
  if (pid === undefined) return false;
  if (isAlive(pid)) {
    signalGroup(pid, signal);
    const deadline = Date.now() + graceMs;
    while (isAlive(pid) && Date.now() < deadline) await sleep(100);
    if (isAlive(pid)) {
      signalGroup(pid, 'SIGKILL');
      while (isAlive(pid)) await sleep(50);
    }
  }
  fs.rmSync(pidFile, { force: true });
  return true;
}

/** Resident memory of a process and its children, in bytes, read from /proc (Linux). */
export function residentBytes(pid: number): number | undefined {
  const pids = [pid, ...descendants(pid)];
  let total = 0;
  let found = false;
  for (const p of pids) {
    try {
      const status = fs.readFileSync(`/proc/${p}/status`, 'utf8');
      const match = /VmRSS:\s+(\d+) kB/.exec(status);
      if (match?.[1]) {
        total += Number(match[1]) * 1024;
        found = true;
      }
    } catch {
      /* process gone */
    }
  }
  return found ? total : undefined;
}

/** Every process below pid (children, their children, ...), from ps. */
export function descendants(pid: number): number[] {
  const result = spawnSync('ps', ['-o', 'pid=', '--ppid', String(pid)], { encoding: 'utf8' });
  const children = (result.stdout ?? '').split('\n').map((s) => Number(s.trim())).filter((n) => n > 0);
  return children.flatMap((child) => [child, ...descendants(child)]);
}

export function portIsFree(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen({ port, host, exclusive: true }, () => server.close(() => resolve(true)));
  });
}

/** Polls check() until it returns true or the timeout passes. */
export async function waitUntil(check: () => Promise<boolean>, timeoutMs: number, intervalMs = 250): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check().catch(() => false)) return true;
    if (Date.now() >= deadline) return false;
    await sleep(intervalMs);
  }
}

/** Runs a command to completion, throwing a StackError with the tail of its output on failure. */
export function runChecked(command: string, args: string[], opts: { cwd?: string; env?: Record<string, string>; what: string; fix: string }): string {
  const result = spawnSync(command, args, {
    cwd: opts.cwd,
    env: { ...process.env, ...opts.env },
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  if (result.error) throw new StackError(`${opts.what} failed: ${result.error.message}`, opts.fix);
  if (result.status !== 0) {
    const tail = `${result.stdout ?? ''}${result.stderr ?? ''}`.trim().split('\n').slice(-5).join(' | ');
    throw new StackError(`${opts.what} failed (exit ${result.status}): ${tail}`, opts.fix);
  }
  return result.stdout ?? '';
}
