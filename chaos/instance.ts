// A stack instance of its own (state folder and ports chosen by the caller), started with the
// stack manager from the installed cache, whose services can be frozen (SIGSTOP), continued
// (SIGCONT), killed (SIGKILL) and restarted by PID. Only the processes recorded in this instance's
// own PID files (and the processes below them) are ever signalled, so the main stack and the test
// stack are never touched.
import fs from 'node:fs';
import { contextFor, down, stackEnv, up } from '../stack/manager.ts';
import { descendants, isAlive, readPid } from '../stack/process.ts';
import { recordKafkaNodes } from '../stack/services/kafka.ts';
import { stackServicesFor } from '../stack/services/index.ts';
import type { Service } from '../stack/types.ts';
import { loadConfig, type StackPorts, type VitrinaConfig } from '../platform/config.ts';
import { sleep } from '../platform/sleep.ts';

/** The variables that point a process at a stack; an instance sets its own and drops the caller's. */
const PORT_VARIABLES: Record<keyof StackPorts, string> = {
  kafka: 'VITRINA_KAFKA_PORT',
  kafkaController: 'VITRINA_KAFKA_CONTROLLER_PORT',
  registry: 'VITRINA_REGISTRY_PORT',
  minio: 'VITRINA_MINIO_PORT',
  minioConsole: 'VITRINA_MINIO_CONSOLE_PORT',
  postgres: 'VITRINA_POSTGRES_PORT',
};
const ADDRESS_VARIABLES = ['KAFKA_BROKERS', 'SCHEMA_REGISTRY_URL', 'S3_ENDPOINT', 'DATABASE_URL', 'VITRINA_STATE_DIR'];

/** A service of the instance; `kafka-2`, `kafka-3`: the other nodes of a Kafka cluster. */
export type ServiceName = 'postgres' | 'kafka' | `kafka-${number}` | 'registry' | 'minio';

export interface InstanceOptions {
  stateDir: string;
  ports: StackPorts;
  /** The services to run (default all of the stack's), started in the stack's order. */
  services?: ServiceName[];
  /** Kafka nodes: 1 (default), or 3 for a cluster (services kafka, kafka-2, kafka-3). */
  kafkaNodes?: number;
  log?: (line: string) => void;
}

export interface StackInstance {
  config: VitrinaConfig;
  /** The variables a child process needs to use this instance (stack env plus state dir and ports). */
  env: Record<string, string>;
  /** The service's leader process and every process below it. */
  pids(service: ServiceName): number[];
  /** SIGSTOP to every process of the service (the leader first, so it forks no new ones). */
  freeze(service: ServiceName): number[];
  /** SIGCONT to every process of the service. */
  thaw(service: ServiceName): void;
  /** SIGKILL to every process of the service; resolves when they are gone. */
  kill(service: ServiceName): Promise<void>;
  /** Starts the service again (after kill) and waits for its health check. */
  restart(service: ServiceName): Promise<void>;
  /** Continues anything frozen and stops every service of the instance. */
  stop(): Promise<void>;
}

/** The configuration of an instance: the caller's environment with its stack addresses replaced. */
export function instanceConfig(stateDir: string, ports: StackPorts, env: NodeJS.ProcessEnv = process.env, kafkaNodes = 1): { config: VitrinaConfig; env: Record<string, string> } {
  const own: Record<string, string> = { VITRINA_STATE_DIR: stateDir };
  for (const [key, name] of Object.entries(PORT_VARIABLES)) own[name] = String(ports[key as keyof StackPorts]);
  const base = Object.fromEntries(Object.entries(env).filter(([name]) => !ADDRESS_VARIABLES.includes(name) && !Object.values(PORT_VARIABLES).includes(name) && name !== 'KAFKA_REPLICATION_FACTOR'));
  const config = recordKafkaNodes(loadConfig({ ...base, ...own }), kafkaNodes);
  return { config, env: { ...own, ...stackEnv({ config }) } };
}

function serviceOf(name: ServiceName, config: VitrinaConfig): Service {
  const service = stackServicesFor(config.kafkaNodes).find((s) => s.name === name);
  if (!service) throw new Error(`no stack service ${name}`);
  return service;
}

function signalAll(pids: number[], signal: NodeJS.Signals): void {
  for (const pid of pids) {
    try {
      process.kill(pid, signal);
    } catch {
      /* gone meanwhile */
    }
  }
}

export async function startInstance(options: InstanceOptions): Promise<StackInstance> {
  const log = options.log ?? (() => undefined);
  fs.mkdirSync(options.stateDir, { recursive: true });
  const { config, env } = instanceConfig(options.stateDir, options.ports, process.env, options.kafkaNodes);
  const names: ServiceName[] = options.services ?? stackServicesFor(config.kafkaNodes).map((s) => s.name as ServiceName);
  const frozen = new Set<ServiceName>();
  const leader = (name: ServiceName): number | undefined => {
    const service = serviceOf(name, config);
    const pid = readPid(`${contextFor(service, config, log).dataDir}/${service.name}.pid`);
    return pid !== undefined && isAlive(pid) ? pid : undefined;
  };
  const pids = (name: ServiceName): number[] => {
    const pid = leader(name);
    return pid === undefined ? [] : [pid, ...descendants(pid)];
  };
  const instance: StackInstance = {
    config,
    env,
    pids,
    freeze(name) {
      const pid = leader(name);
      if (pid === undefined) throw new Error(`${name} of the instance is not running`);
      signalAll([pid], 'SIGSTOP');
      const all = [pid, ...descendants(pid)];
      signalAll(all, 'SIGSTOP');
      frozen.add(name);
      return all;
    },
    thaw(name) {
      signalAll(pids(name).reverse(), 'SIGCONT');
      frozen.delete(name);
    },
    async kill(name) {
      const all = pids(name);
      signalAll(all, 'SIGKILL');
      frozen.delete(name);
      const deadline = Date.now() + 15_000;
      while (all.some(isAlive) && Date.now() < deadline) await sleep(50);
    },
    async restart(name) {
      await up({ config, only: [name], log });
    },
    async stop() {
      for (const name of frozen) instance.thaw(name);
      await down({ config, only: names, log });
    },
  };
  try {
    await up({ config, only: names, log });
  } catch (err) {
    await down({ config, only: names, log }).catch(() => undefined);
    throw err;
  }
  return instance;
}
