// Every connection setting Vitrina reads, from the environment, with defaults that point at the
// local stack (`npx vitrina stack up`). `npx vitrina stack env` prints the same names as exports.
// loadConfig is what an entry point (a CLI command, a test, a benchmark) calls once: it parses the
// environment by the table of platform/env-table.ts (the defaults are written there, once) and
// derives the addresses; the typed settings ride along (config.settings) to the modules below.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadSettings, type Settings } from './env-table.ts';

export interface StackPorts {
  kafka: number;
  kafkaController: number;
  registry: number;
  minio: number;
  minioConsole: number;
  postgres: number;
}

export interface VitrinaConfig {
  cacheDir: string;
  stateDir: string;
  ports: StackPorts;
  /** How many Kafka nodes the local stack runs (1, or 3 after `stack up --brokers 3`). */
  kafkaNodes: number;
  kafkaBrokers: string[];
  kafkaReplicationFactor: number;
  schemaRegistryUrl: string;
  s3: { endPoint: string; port: number; useSSL: boolean; accessKey: string; secretKey: string; region: string };
  databaseUrl: string;
  datasetDir: string;
  /** host:port of the gRPC model server. */
  modelServerAddress: string;
  gatewayPort: number;
  /** Every variable of the table, parsed by its type (platform/env-table.ts). */
  settings: Settings;
}

type Env = Record<string, string | undefined>;

export function defaultCacheDir(env: Env = process.env): string {
  if (env.VITRINA_CACHE_DIR) return path.resolve(env.VITRINA_CACHE_DIR);
  const base = env.XDG_CACHE_HOME ? env.XDG_CACHE_HOME : path.join(os.homedir(), '.cache');
  return path.join(base, 'vitrina');
}

export function loadPorts(env: Env = process.env): StackPorts {
  return portsOf(loadSettings(env));
}

function portsOf(settings: Settings): StackPorts {
  return {
    kafka: settings.VITRINA_KAFKA_PORT,
    kafkaController: settings.VITRINA_KAFKA_CONTROLLER_PORT,
    registry: settings.VITRINA_REGISTRY_PORT,
    minio: settings.VITRINA_MINIO_PORT,
    minioConsole: settings.VITRINA_MINIO_CONSOLE_PORT,
    postgres: settings.VITRINA_POSTGRES_PORT,
  };
}

/** The file in the state folder where `stack up --brokers N` records N, so later commands know the cluster. */
export const KAFKA_CLUSTER_FILE = 'kafka-cluster.json';

/** The Kafka node count recorded in the state folder; 1 when there is no record. */
export function recordedKafkaNodes(stateDir: string): number {
  try {
    const nodes = (JSON.parse(fs.readFileSync(path.join(stateDir, KAFKA_CLUSTER_FILE), 'utf8')) as { nodes?: unknown }).nodes;
    return Number.isInteger(nodes) && (nodes as number) > 0 ? (nodes as number) : 1;
  } catch {
    return 1;
  }
}

/** Broker and controller ports of Kafka node `node` (1-based): node 1 on the configured ports, each next one 10 above. */
export function kafkaNodePorts(ports: StackPorts, node: number): { broker: number; controller: number } {
  return { broker: ports.kafka + 10 * (node - 1), controller: ports.kafkaController + 10 * (node - 1) };
}

export function loadConfig(env: Env = process.env): VitrinaConfig {
  const settings = loadSettings(env);
  const cacheDir = defaultCacheDir(env);
  const ports = portsOf(settings);
  const stateDir = settings.VITRINA_STATE_DIR ? path.resolve(settings.VITRINA_STATE_DIR) : path.join(cacheDir, 'state');
  const kafkaNodes = recordedKafkaNodes(stateDir);
  const localBrokers = Array.from({ length: kafkaNodes }, (_, i) => `127.0.0.1:${kafkaNodePorts(ports, i + 1).broker}`);
  const s3Url = new URL(settings.S3_ENDPOINT ?? `http://127.0.0.1:${ports.minio}`);
  return {
    cacheDir,
    stateDir,
    ports,
    kafkaNodes,
    kafkaBrokers: (settings.KAFKA_BROKERS ?? localBrokers.join(',')).split(',').map((b) => b.trim()).filter(Boolean),
    // A cluster's topics live on three brokers (or as many as it has); one broker can only hold one copy.
    kafkaReplicationFactor: settings.KAFKA_REPLICATION_FACTOR ?? Math.min(3, kafkaNodes),
    schemaRegistryUrl: settings.SCHEMA_REGISTRY_URL ?? `http://127.0.0.1:${ports.registry}/apis/ccompat/v7`,
    s3: {
      endPoint: s3Url.hostname,
      port: Number(s3Url.port || (s3Url.protocol === 'https:' ? 443 : 80)),
      useSSL: s3Url.protocol === 'https:',
      accessKey: settings.S3_ACCESS_KEY,
      secretKey: settings.S3_SECRET_KEY,
      region: settings.S3_REGION,
    },
    databaseUrl: settings.DATABASE_URL ?? `postgres://vitrina:vitrina@127.0.0.1:${ports.postgres}/vitrina`,
    datasetDir: path.resolve(settings.VITRINA_DATASET_DIR),
    modelServerAddress: settings.MODEL_SERVER_ADDRESS,
    gatewayPort: settings.VITRINA_GATEWAY_PORT,
    settings,
  };
}

let processOnce: VitrinaConfig | undefined;

/** This process's configuration, its environment read once on first use: what a module falls back to when handed none. */
export function processConfig(): VitrinaConfig {
  processOnce ??= loadConfig();
  return processOnce;
}
