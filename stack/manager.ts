// The local stack manager: installs each pinned service once into the cache, starts it detached on
// loopback, waits for its health check, and stops it by PID. An `up` that fails stops whatever it
// started, so nothing is left half-running.
import fs from 'node:fs';
import path from 'node:path';
import { loadConfig, type VitrinaConfig } from '../platform/config.ts';
import { isAlive, portIsFree, readPid, residentBytes, startDetached, stopByPidFile, waitUntil } from './process.ts';
import { stackServicesFor } from './services/index.ts';
import { requireTools } from './tools.ts';
import { StackError, type Health, type Service, type StackContext } from './types.ts';

export interface ServiceStatus {
  name: string;
  version: string;
  address: string;
  pid: number | null;
  running: boolean;
  health: Health;
  rssBytes: number | null;
}

export interface StackOptions {
  config?: VitrinaConfig;
  log?: (line: string) => void;
  /** Names of the services to act on; all when empty. */
  only?: string[];
  /** The services to manage (default: the stack's). */
  services?: Service[];
}

export function contextFor(service: Service, config: VitrinaConfig, log: (line: string) => void): StackContext {
  const dataDir = path.join(config.stateDir, service.name);
  fs.mkdirSync(dataDir, { recursive: true });
  return {
    config,
    installDir: path.join(config.cacheDir, service.installName ?? service.name, service.version),
    dataDir,
    logFile: path.join(dataDir, `${service.name}.log`),
    log: (line) => log(`[${service.name}] ${line}`),
  };
}

function pidFile(ctx: StackContext, service: Service): string {
  return path.join(ctx.dataDir, `${service.name}.pid`);
}

function selected(config: VitrinaConfig, only: string[] | undefined, all: Service[] = stackServicesFor(config.kafkaNodes)): Service[] {
  if (!only || only.length === 0) return all;
  const unknown = only.filter((name) => !all.some((s) => s.name === name));
  if (unknown.length > 0) {
    throw new StackError(`unknown service ${unknown.join(', ')}`, `choose from ${all.map((s) => s.name).join(', ')}`);
  }
  return all.filter((s) => only.includes(s.name));
}

function logTail(file: string, lines = 5): string {
  try {
    return fs.readFileSync(file, 'utf8').trim().split('\n').slice(-lines).join(' | ');
  } catch {
    return '(no log)';
  }
}

async function ensureInstalled(service: Service, ctx: StackContext): Promise<void> {
  if (service.isInstalled(ctx)) return;
  requireTools(service.name, service.tools);
  const started = Date.now();
  ctx.log(`installing ${service.name} ${service.version} into ${ctx.installDir}`);
  fs.rmSync(ctx.installDir, { recursive: true, force: true });
  fs.mkdirSync(ctx.installDir, { recursive: true });
  await service.install(ctx);
  if (!service.isInstalled(ctx)) {
    throw new StackError(`${service.name} install finished but its files are incomplete`, `remove ${ctx.installDir} and run 'npx vitrina stack up' again`);
  }
  ctx.log(`installed in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

async function startOne(service: Service, ctx: StackContext): Promise<'started' | 'running'> {
  const launched = async (): Promise<Health> => (service.launched ? service.launched(ctx) : service.health(ctx));
  const pids = pidFile(ctx, service);
  const pid = readPid(pids);
  if (pid !== undefined && isAlive(pid)) {
    const healthy = await waitUntil(async () => (await launched()).ok, service.startTimeoutMs);
    if (!healthy) throw new StackError(`${service.name} (pid ${pid}) is running but not healthy`, `see ${ctx.logFile}, or run 'npx vitrina stack down' and 'up' again`);
    await service.afterStart?.(ctx);
    return 'running';
  }
  fs.rmSync(pids, { force: true });
  await ensureInstalled(service, ctx);
  for (const port of service.ports(ctx)) {
    if (!(await portIsFree(port))) {
      throw new StackError(`port ${port} for ${service.name} is already in use by another process`, `stop that process, or choose another port with the VITRINA_${(service.installName ?? service.name).toUpperCase()}_PORT variables (see 'npx vitrina stack env')`);
    }
  }
  const spec = await service.command(ctx);
  const started = startDetached(spec, ctx.logFile, pids);
  let exited = false;
  const healthy = await waitUntil(async () => {
    if (!isAlive(started)) {
      exited = true;
      return true;
    }
    return (await launched()).ok;
  }, service.startTimeoutMs);
  if (exited) {
    fs.rmSync(pids, { force: true });
    throw new StackError(`${service.name} exited during start: ${logTail(ctx.logFile)}`, `see ${ctx.logFile}`);
  }
  if (!healthy) {
    await stopByPidFile(pids, 15_000, service.stopSignal);
    throw new StackError(`${service.name} did not become healthy within ${service.startTimeoutMs / 1000} s: ${logTail(ctx.logFile)}`, `see ${ctx.logFile}; a slow machine may need another try`);
  }
  try {
    await service.afterStart?.(ctx);
  } catch (err) {
    await stopByPidFile(pids, 15_000, service.stopSignal);
    throw err;
  }
  return 'started';
}

export async function up(options: StackOptions = {}): Promise<void> {
  const config = options.config ?? loadConfig();
  const log = options.log ?? (() => undefined);
  const startedNow: Array<{ service: Service; ctx: StackContext }> = [];
  try {
    for (const service of selected(config, options.only, options.services)) {
      const ctx = contextFor(service, config, log);
      const began = Date.now();
      const outcome = await startOne(service, ctx);
      if (outcome === 'started') startedNow.push({ service, ctx });
      ctx.log(outcome === 'started' ? `healthy after ${((Date.now() - began) / 1000).toFixed(1)} s` : 'already running');
    }
  } catch (err) {
    for (const { service, ctx } of startedNow.reverse()) await stopByPidFile(pidFile(ctx, service), 15_000, service.stopSignal);
    throw err;
  }
}

export async function down(options: StackOptions = {}): Promise<string[]> {
  const config = options.config ?? loadConfig();
  const log = options.log ?? (() => undefined);
  const stopped: string[] = [];
  // The nodes of one installation (a Kafka cluster) stop together: stopped one after another, the
  // last ones would wait for a controller quorum that is already gone.
  const groups: Service[][] = [];
  for (const service of [...selected(config, options.only, options.services)].reverse()) {
    const previous = groups.at(-1);
    if (previous && service.installName !== undefined && previous[0]!.installName === service.installName) previous.push(service);
    else groups.push([service]);
  }
  for (const group of groups) {
    await Promise.all(
      group.map(async (service) => {
        const ctx = contextFor(service, config, log);
        if (await stopByPidFile(pidFile(ctx, service), 15_000, service.stopSignal)) {
          stopped.push(service.name);
          ctx.log('stopped');
        }
      }),
    );
  }
  return stopped;
}

export async function status(options: StackOptions = {}): Promise<ServiceStatus[]> {
  const config = options.config ?? loadConfig();
  const log = options.log ?? (() => undefined);
  const result: ServiceStatus[] = [];
  for (const service of selected(config, options.only, options.services)) {
    const ctx = contextFor(service, config, log);
    const pid = readPid(pidFile(ctx, service)) ?? null;
    const running = pid !== null && isAlive(pid);
    const health = running ? await service.health(ctx) : { ok: false, detail: 'not running' };
    result.push({
      name: service.name,
      version: service.version,
      address: service.ports(ctx).map((p) => `127.0.0.1:${p}`).join(', '),
      pid: running ? pid : null,
      running,
      health,
      rssBytes: running && pid !== null ? (residentBytes(pid) ?? null) : null,
    });
  }
  return result;
}

/** Every connection variable the project reads, as the running local stack sets them. */
export function stackEnv(options: StackOptions = {}): Record<string, string> {
  const config = options.config ?? loadConfig();
  const env: Record<string, string> = {
    VITRINA_CACHE_DIR: config.cacheDir,
    VITRINA_STATE_DIR: config.stateDir,
    VITRINA_DATASET_DIR: config.datasetDir,
    KAFKA_REPLICATION_FACTOR: String(config.kafkaReplicationFactor),
    VITRINA_KAFKA_PORT: String(config.ports.kafka),
    VITRINA_KAFKA_CONTROLLER_PORT: String(config.ports.kafkaController),
    VITRINA_REGISTRY_PORT: String(config.ports.registry),
    VITRINA_MINIO_PORT: String(config.ports.minio),
    VITRINA_MINIO_CONSOLE_PORT: String(config.ports.minioConsole),
    VITRINA_POSTGRES_PORT: String(config.ports.postgres),
  };
  for (const service of selected(config, options.only, options.services)) Object.assign(env, service.env(contextFor(service, config, () => undefined)));
  return env;
}

export function logFileOf(name: string, config: VitrinaConfig = loadConfig()): string {
  const [service] = selected(config, [name]);
  return contextFor(service!, config, () => undefined).logFile;
}
