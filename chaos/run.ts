// A chaos run: the system on a stack instance of its own, under continuous ingest and search load,
// and one fault at a time (SIGKILL, or SIGSTOP for a while, of one process), each followed by the
// wait for full recovery. Everything it starts it stops by PID at the end, also on failure.
import fs from 'node:fs';
import path from 'node:path';
import { freePort } from '../bench/services.ts';
import { writeManifest } from '../models/manifest.ts';
import { createPool } from '../projections/db.ts';
import { createEncoderClient } from '../proto/client.ts';
import { defaultCacheDir, type StackPorts } from '../platform/config.ts';
import { createKafka } from '../streams/kafka.ts';
import { portIsFree } from '../stack/process.ts';
import { sleep } from '../platform/sleep.ts';
import { startInstance, type ServiceName, type StackInstance } from './instance.ts';
import { IngestLoad, SearchLoad, searchOnce, type SearchCounts } from './load.ts';
import { busiestBroker, checkProjections, deadLetterCount, type ProjectionCheck } from './measure.ts';
import { ownedProcess, type OwnedProcess } from './processes.ts';

/** The chaos instance's ports: a third range, beside the main stack's and the test stack's. */
export const CHAOS_PORTS: StackPorts = { kafka: 39092, kafkaController: 39093, registry: 38081, minio: 39000, minioConsole: 39001, postgres: 35432 };

export const STACK_TARGETS: ServiceName[] = ['postgres', 'kafka', 'registry', 'minio'];
/** `gateway` is one of the two gateways behind the balancer, by its PID; the other keeps serving. */
export const PROCESS_TARGETS = ['model-server', 'projector.products', 'embedder', 'projector.embeddings', 'gateway'] as const;
/** With a Kafka cluster (--brokers 3): one broker, the one leading most vitrina.products partitions. */
export const BROKER_TARGET = 'kafka-broker';
export const ALL_FAULTS = [...STACK_TARGETS, ...PROCESS_TARGETS].flatMap((t) => [`${t}:kill`, `${t}:stop`]);
/** On a cluster the whole-Kafka faults become one-broker faults. */
export const CLUSTER_FAULTS = ALL_FAULTS.map((f) => f.replace(/^kafka:/, `${BROKER_TARGET}:`));
export const SHORT_FAULTS = ['postgres:stop', 'projector.products:kill'];

export interface ChaosOptions {
  faults: string[];
  /** How long a SIGSTOP lasts, in s. */
  stopSeconds: number;
  /** How long a killed process stays down before it is restarted, in s. */
  downSeconds: number;
  /** The longest wait for recovery after a fault, in s. */
  recoveryLimitSeconds: number;
  /** Kafka nodes of the instance: 1 (default), or 3 for a cluster (the kafka-broker faults). */
  kafkaNodes?: number;
  log?: (line: string) => void;
}

export interface FaultRow {
  fault: string;
  searches: SearchCounts;
  /** Seconds from the fault's end (continued, or restarted and healthy) to full recovery; null: not within the limit. */
  recoverySeconds: number | null;
  check: ProjectionCheck;
  deadLetters: number | null;
  ingestFailures: number;
}

export interface ChaosResult {
  startedAt: string;
  options: Omit<ChaosOptions, 'log'>;
  load: { searchIntervalMs: number; ingestBatch: number; ingestIntervalMs: number };
  rows: FaultRow[];
  final: ProjectionCheck | null;
  searches: number;
  ingestBatches: number;
  seconds: number;
}

interface Target {
  freeze(): void;
  thaw(): void;
  kill(): Promise<void>;
  restart(): Promise<void>;
}

export function parseFault(fault: string, kafkaNodes = 1): { target: string; kind: 'kill' | 'stop' } {
  const [target, kind] = fault.split(':');
  if (target === BROKER_TARGET && kafkaNodes < 3) throw new Error(`the fault "${fault}" needs a Kafka cluster: add --brokers 3`);
  const targets: string[] = [...STACK_TARGETS, ...PROCESS_TARGETS, BROKER_TARGET];
  if (!target || !targets.includes(target) || (kind !== 'kill' && kind !== 'stop')) {
    throw new Error(`unknown fault "${fault}": use <target>:kill or <target>:stop, targets ${targets.join(', ')}`);
  }
  return { target, kind };
}

const SEARCH_INTERVAL_MS = 250;
const INGEST_BATCH = 10;
const INGEST_INTERVAL_MS = 4000;

export async function runChaos(options: ChaosOptions): Promise<ChaosResult> {
  const kafkaNodes = options.kafkaNodes ?? 1;
  for (const f of options.faults) parseFault(f, kafkaNodes);
  const log = options.log ?? (() => undefined);
  const began = Date.now();
  const stateDir = path.join(defaultCacheDir(), 'chaos-state');
  // A run in progress holds these ports; its state folder must not be wiped under it.
  for (const port of [...Object.values(CHAOS_PORTS), ...Array.from({ length: kafkaNodes - 1 }, (_, i) => [CHAOS_PORTS.kafka + 10 * (i + 1), CHAOS_PORTS.kafkaController + 10 * (i + 1)]).flat()]) {
    if (!(await portIsFree(port))) throw new Error(`port ${port} of the chaos stack instance is in use: is another chaos run going on? (its state is in ${stateDir})`);
  }
  fs.rmSync(stateDir, { recursive: true, force: true });
  const logDir = path.join(stateDir, 'logs');
  fs.mkdirSync(logDir, { recursive: true });
  const cleanups: Array<() => Promise<void>> = [];
  const result: ChaosResult = {
    startedAt: new Date(began).toISOString(),
    options: { faults: options.faults, stopSeconds: options.stopSeconds, downSeconds: options.downSeconds, recoveryLimitSeconds: options.recoveryLimitSeconds, kafkaNodes },
    load: { searchIntervalMs: SEARCH_INTERVAL_MS, ingestBatch: INGEST_BATCH, ingestIntervalMs: INGEST_INTERVAL_MS },
    rows: [],
    final: null,
    searches: 0,
    ingestBatches: 0,
    seconds: 0,
  };
  try {
    log(`starting the chaos stack instance in ${stateDir} (Kafka ${CHAOS_PORTS.kafka}, registry ${CHAOS_PORTS.registry}, MinIO ${CHAOS_PORTS.minio}, PostgreSQL ${CHAOS_PORTS.postgres})`);
    let instance: StackInstance | undefined;
    cleanups.push(async () => instance?.stop());
    instance = await startInstance({ stateDir, ports: CHAOS_PORTS, kafkaNodes, log: (line) => log(`  ${line}`) });

    const version = `tiny-${20_000 + Math.floor(Math.random() * 1000)}`;
    const modelDir = path.join(stateDir, 'models', version);
    writeManifest(modelDir, { source: 'tiny', seed: 5, version });
    const modelAddress = `127.0.0.1:${await freePort()}`;
    const env = { ...instance.env, MODEL_SERVER_ADDRESS: modelAddress };
    // Two gateways behind the balancer, as in the production layout; the load searches through the balancer.
    const gatewayPorts = [await freePort(), await freePort()];
    const balancerPort = await freePort();
    const gatewayUrl = `http://127.0.0.1:${balancerPort}`;
    const answers = (port: number, path: string) => async (): Promise<boolean> => (await fetch(`http://127.0.0.1:${port}${path}`, { signal: AbortSignal.timeout(2000) })).status === 200;
    const gateway = (name: string, port: number): [string, OwnedProcess] => [name, ownedProcess({ name, args: ['serve', 'gateway', '--port', String(port), '--model-server', modelAddress], env, logDir, ready: answers(port, '/api/v1/health/live') })];
    const encoder = createEncoderClient(modelAddress, 3000);
    cleanups.push(async () => encoder.close());
    const procs = new Map<string, OwnedProcess>([
      ['model-server', ownedProcess({ name: 'model-server', args: ['serve', 'model', '--model', modelDir, '--address', modelAddress, '--threads', '1'], env, logDir, ready: async () => Boolean(await encoder.describe()) })],
      ['projector.products', ownedProcess({ name: 'projector.products', args: ['processor', 'projector.products'], env, logDir })],
      ['embedder', ownedProcess({ name: 'embedder', args: ['processor', 'embedder', '--model-version', version], env, logDir })],
      ['projector.embeddings', ownedProcess({ name: 'projector.embeddings', args: ['processor', 'projector.embeddings'], env, logDir })],
      gateway('gateway', gatewayPorts[0]!),
      gateway('gateway-2', gatewayPorts[1]!),
      ['balancer', ownedProcess({ name: 'balancer', args: ['serve', 'balancer', '--port', String(balancerPort), '--upstreams', gatewayPorts.map((p) => `127.0.0.1:${p}`).join(',')], env, logDir, ready: answers(balancerPort, '/api/v1/health/live') })],
    ]);
    cleanups.push(async () => void (await Promise.allSettled([...procs.values()].reverse().map((p) => p.stop()))));
    for (const p of procs.values()) {
      log(`starting ${p.name}`);
      await p.start();
    }
    const db = createPool(instance.config.databaseUrl, 2, { connectTimeoutMs: 3000, queryTimeoutMs: 10_000 });
    cleanups.push(() => db.end());
    const kafka = createKafka('vitrina-chaos', instance.config.kafkaBrokers);
    const ingest = new IngestLoad({ env, workDir: path.join(stateDir, 'datasets'), firstId: 900_000_000, batchSize: INGEST_BATCH, intervalMs: INGEST_INTERVAL_MS, maxBatches: 2000, timeoutMs: 60_000 });

    /** Seconds until search answers 200 and every product ingested so far is projected and embedded. */
    const recovered = async (limitSeconds: number): Promise<number | null> => {
      const from = Date.now();
      const expected = [...ingest.ingested.values()];
      while (Date.now() - from < limitSeconds * 1000) {
        const search = await searchOnce(gatewayUrl, 'blue shirt');
        if (search.outcome === 'ok') {
          const check = await checkProjections(db, expected, ingest.retried).catch(() => undefined);
          if (check && check.productsLost === 0 && check.embeddingsLost === 0) return (Date.now() - from) / 1000;
        }
        await sleep(500);
      }
      return null;
    };

    log('seeding: one batch ingested, projected, embedded and searchable');
    if (!(await ingest.ingestBatch(3))) throw new Error(`the seed batch could not be ingested (see ${path.join(stateDir, 'datasets', 'ingest.log')})`);
    if ((await recovered(240)) === null) throw new Error(`the seed batch was not projected, embedded and searchable within 240 s (logs in ${logDir})`);

    const search = new SearchLoad(gatewayUrl, SEARCH_INTERVAL_MS, 100_000);
    search.start();
    ingest.start();
    cleanups.push(async () => {
      await search.stop();
      await ingest.stop();
    });
    const targets = async (name: string): Promise<Target> => {
      const proc = procs.get(name);
      if (proc) return { freeze: () => proc.freeze(), thaw: () => proc.thaw(), kill: () => proc.kill(), restart: () => proc.start() };
      const service: ServiceName = name === BROKER_TARGET ? (['kafka', 'kafka-2', 'kafka-3'] as const)[(await busiestBroker(kafka)) - 1]! : (name as ServiceName);
      if (name === BROKER_TARGET) log(`  the broker leading most vitrina.products partitions: ${service}`);
      return { freeze: () => void instance!.freeze(service), thaw: () => instance!.thaw(service), kill: () => instance!.kill(service), restart: () => instance!.restart(service) };
    };
    await sleep(3000);
    for (const fault of options.faults) {
      const { target, kind } = parseFault(fault, kafkaNodes);
      const t = await targets(target);
      const deadBefore = await deadLetterCount(kafka).catch(() => null);
      const failuresBefore = ingest.failures;
      search.window();
      log(`fault ${fault}`);
      if (kind === 'stop') {
        t.freeze();
        await sleep(options.stopSeconds * 1000);
        t.thaw();
      } else {
        await t.kill();
        await sleep(options.downSeconds * 1000);
        await t.restart();
      }
      // Products ingested by the fault's end: what must have come through it (later ones may still be in flight).
      const ingestedByEnd = [...ingest.ingested.values()];
      const recoverySeconds = await recovered(options.recoveryLimitSeconds);
      const searches = search.window();
      const check = await checkProjections(db, ingestedByEnd, ingest.retried);
      const deadAfter = await deadLetterCount(kafka).catch(() => null);
      const row: FaultRow = { fault, searches, recoverySeconds, check, deadLetters: deadBefore === null || deadAfter === null ? null : deadAfter - deadBefore, ingestFailures: ingest.failures - failuresBefore };
      result.rows.push(row);
      log(formatRow(row));
    }
    await search.stop();
    await ingest.stop();
    log('load stopped; waiting for the last batches to be projected and embedded');
    await recovered(options.recoveryLimitSeconds);
    result.final = await checkProjections(db, [...ingest.ingested.values()], ingest.retried);
    result.searches = search.total;
    result.ingestBatches = ingest.batches;
  } finally {
    for (const cleanup of cleanups.reverse()) await cleanup().catch((err: Error) => log(`cleanup: ${err.message}`));
    result.seconds = Math.round((Date.now() - began) / 1000);
  }
  return result;
}

export const TABLE_HEADER = '| fault | searches 200 / 503 / other / hung (slowest) | recovery s | products lost / dup (checksum) | embeddings lost / dup (checksum) | dead letters | failed ingests |';

export function formatRow(row: FaultRow): string {
  const s = row.searches;
  const c = row.check;
  const ok = (b: boolean): string => (b ? 'ok' : 'DIFFERS');
  return `| ${row.fault} | ${s.ok} / ${s.unavailable} / ${s.other} / ${s.hung} (${(s.slowestMs / 1000).toFixed(1)} s) | ${row.recoverySeconds === null ? 'not recovered' : row.recoverySeconds.toFixed(1)} | ${c.productsLost} / ${c.productsDuplicated} (${ok(c.productsChecksumOk)}) of ${c.expected} | ${c.embeddingsLost} / ${c.embeddingsDuplicated} (${ok(c.embeddingsChecksumOk)}) | ${row.deadLetters ?? '?'} | ${row.ingestFailures} |`;
}
