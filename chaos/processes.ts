// The system's own processes under chaos: each a child process running the real command
// (`vitrina serve model`, `vitrina processor <name>`, `vitrina serve gateway`) against the chaos
// stack instance, its output in a log file of its own. The chaos run owns them: it may freeze,
// continue, kill and restart each by PID, and stops every one of them at the end.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { descendants, isAlive } from '../stack/process.ts';
import { sleep } from '../platform/sleep.ts';

const root = fileURLToPath(new URL('..', import.meta.url));

export interface OwnedProcess {
  name: string;
  pid(): number | undefined;
  start(): Promise<void>;
  freeze(): void;
  thaw(): void;
  kill(): Promise<void>;
  /** SIGCONT, SIGTERM, then SIGKILL after graceMs; resolves when it is gone. */
  stop(graceMs?: number): Promise<void>;
}

export interface ProcessSpec {
  name: string;
  args: string[];
  env: Record<string, string>;
  logDir: string;
  /** Resolves when the process serves; rejects or times out otherwise. */
  ready?: () => Promise<boolean>;
  readyTimeoutMs?: number;
}

function signal(pids: number[], sig: NodeJS.Signals): void {
  for (const pid of pids) {
    try {
      process.kill(pid, sig);
    } catch {
      /* gone */
    }
  }
}

export function ownedProcess(spec: ProcessSpec): OwnedProcess {
  let child: ChildProcess | undefined;
  const alive = (): boolean => child !== undefined && child.exitCode === null && child.signalCode === null;
  const tree = (): number[] => (alive() && child?.pid !== undefined ? [child.pid, ...descendants(child.pid)] : []);
  const gone = async (timeoutMs: number): Promise<boolean> => {
    const deadline = Date.now() + timeoutMs;
    while (alive() && Date.now() < deadline) await sleep(50);
    return !alive();
  };
  const self: OwnedProcess = {
    name: spec.name,
    pid: () => (alive() ? child?.pid : undefined),
    async start() {
      if (alive()) return;
      const log = fs.openSync(path.join(spec.logDir, `${spec.name}.log`), 'a');
      child = spawn(process.execPath, [path.join(root, 'bin', 'vitrina.js'), ...spec.args], {
        cwd: root,
        env: { ...process.env, VITRINA_LOG_LEVEL: 'warn', ...spec.env },
        stdio: ['ignore', log, log],
      });
      fs.closeSync(log);
      if (!spec.ready) return;
      const deadline = Date.now() + (spec.readyTimeoutMs ?? 120_000);
      for (;;) {
        if (!alive()) throw new Error(`${spec.name} exited during start (see ${path.join(spec.logDir, `${spec.name}.log`)})`);
        if (await spec.ready().catch(() => false)) return;
        if (Date.now() > deadline) throw new Error(`${spec.name} was not ready after ${(spec.readyTimeoutMs ?? 120_000) / 1000} s`);
        await sleep(300);
      }
    },
    freeze() {
      signal(tree(), 'SIGSTOP');
    },
    thaw() {
      signal(tree().reverse(), 'SIGCONT');
    },
    async kill() {
      const pids = tree();
      signal(pids, 'SIGKILL');
      await gone(15_000);
      const deadline = Date.now() + 5000;
      while (pids.some(isAlive) && Date.now() < deadline) await sleep(50);
    },
    async stop(graceMs = 15_000) {
      if (!alive()) return;
      self.thaw();
      signal([child!.pid!], 'SIGTERM');
      if (!(await gone(graceMs))) await self.kill();
    },
  };
  return self;
}
