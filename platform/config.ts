// Every connection setting Vitrina reads, from the environment, with defaults that point at the
// local stack (`npx vitrina stack up`). `npx vitrina stack env` prints the same names as exports.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

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
}

type Env = Record<string, string | undefined>;

/** A positive integer from the environment variable `name`, or `fallback` when it is unset or empty. */
export function intFrom(env: Env, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value <= 0) throw new Error(`${name} must be a positive integer, got "${raw}"`);
  return value;
}

export function defaultCacheDir(env: Env = process.env): string {
  if (env.VITRINA_CACHE_DIR) return path.resolve(env.VITRINA_CACHE_DIR);
  const base = env.XDG_CACHE_HOME ? env.XDG_CACHE_HOME : path.join(os.homedir(), '.cache');
  return path.join(base, 'vitrina');
}

export function loadPorts(env: Env = process.env): StackPorts {
  return {
    kafka: intFrom(env, 'VITRINA_KAFKA_PORT', 19092),
    kafkaController: intFrom(env, 'VITRINA_KAFKA_CONTROLLER_PORT', 19093),
    registry: intFrom(env, 'VITRINA_REGISTRY_PORT', 18081),
    minio: intFrom(env, 'VITRINA_MINIO_PORT', 19000),
    minioConsole: intFrom(env, 'VITRINA_MINIO_CONSOLE_PORT', 19001),
    postgres: intFrom(env, 'VITRINA_POSTGRES_PORT', 15432),
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
  const cacheDir = defaultCacheDir(env);
  const ports = loadPorts(env);
  const stateDir = env.VITRINA_STATE_DIR ? path.resolve(env.VITRINA_STATE_DIR) : path.join(cacheDir, 'state');
  const kafkaNodes = recordedKafkaNodes(stateDir);
  const localBrokers = Array.from({ length: kafkaNodes }, (_, i) => `127.0.0.1:${kafkaNodePorts(ports, i + 1).broker}`);
  const s3Url = new URL(env.S3_ENDPOINT ?? `http://127.0.0.1:${ports.minio}`);
  return {
    cacheDir,
    stateDir,
    ports,
    kafkaNodes,
    kafkaBrokers: (env.KAFKA_BROKERS ?? localBrokers.join(',')).split(',').map((b) => b.trim()).filter(Boolean),
    // A cluster's topics live on three brokers (or as many as it has); one broker can only hold one copy.
    kafkaReplicationFactor: intFrom(env, 'KAFKA_REPLICATION_FACTOR', Math.min(3, kafkaNodes)),
    schemaRegistryUrl: env.SCHEMA_REGISTRY_URL ?? `http://127.0.0.1:${ports.registry}/apis/ccompat/v7`,
    s3: {
      endPoint: s3Url.hostname,
      port: Number(s3Url.port || (s3Url.protocol === 'https:' ? 443 : 80)),
      useSSL: s3Url.protocol === 'https:',
      accessKey: env.S3_ACCESS_KEY ?? 'vitrina',
      secretKey: env.S3_SECRET_KEY ?? 'vitrina-secret-key',
      region: env.S3_REGION ?? 'us-east-1',
    },
    databaseUrl: env.DATABASE_URL ?? `postgres://vitrina:vitrina@127.0.0.1:${ports.postgres}/vitrina`,
    datasetDir: path.resolve(env.VITRINA_DATASET_DIR ?? path.join('..', 'shared', 'data', 'fashion-small')),
    modelServerAddress: env.MODEL_SERVER_ADDRESS ?? '127.0.0.1:50051',
    gatewayPort: intFrom(env, 'VITRINA_GATEWAY_PORT', 8080),
  };
}
