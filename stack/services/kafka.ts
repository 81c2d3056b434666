// Apache Kafka in KRaft mode from its jars on Maven Central (resolved by stack/kafka/pom.xml), run
// with `java`: one node acting as broker and controller, or (`stack up --brokers 3`) a cluster of
// three such nodes, each its own service (`kafka`, `kafka-2`, `kafka-3`) with its own ports, log
// folder, node id and PID, forming a three-voter controller quorum. Topic auto-creation is off: the
// project creates its topics (streams/topics.ts) once every broker is up, with replication factor 3
// and min.insync.replicas 2 on a cluster.
import crypto from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { KAFKA_CLUSTER_FILE, kafkaNodePorts, recordedKafkaNodes, type VitrinaConfig } from '../../platform/config.ts';
import { sleep } from '../../platform/sleep.ts';
import { withTimeout } from '../../platform/timeout.ts';
import { createKafka } from '../../streams/kafka.ts';
import { ensureTopics, minInsyncReplicas } from '../../streams/topics.ts';
import { markerValid, writeMarker } from '../marker.ts';
import { runChecked } from '../process.ts';
import { java, maven, requireTools } from '../tools.ts';
import { StackError, type Health, type Service, type StackContext } from '../types.ts';

const KAFKA_VERSION = '4.1.1';
const kafkaDir = fileURLToPath(new URL('../kafka/', import.meta.url));

/** What `stack up --brokers N` accepts: one broker, or a cluster of three. */
export const KAFKA_NODE_COUNTS = [1, 3];

interface ClusterRecord {
  nodes: number;
  clusterId: string;
}

/** A KRaft cluster id: 16 random bytes in base64url, drawn again when it starts with '-' (one in 64),
 * which kafka-storage's argument parser would read as an option (as Kafka's own ids avoid). */
export function newKafkaClusterId(): string {
  for (;;) {
    const id = crypto.randomBytes(16).toString('base64url');
    if (!id.startsWith('-')) return id;
  }
}

function recordFile(config: VitrinaConfig): string {
  return path.join(config.stateDir, KAFKA_CLUSTER_FILE);
}

function readRecord(config: VitrinaConfig): ClusterRecord | undefined {
  try {
    return JSON.parse(fs.readFileSync(recordFile(config), 'utf8')) as ClusterRecord;
  } catch {
    return undefined;
  }
}

/**
 * Chooses how many Kafka nodes the stack in config.stateDir runs and records it there (a cluster
 * only: no record means one broker, as before), so `status`, `env`, `down` and every client know;
 * returns the configuration with that count. A stack made with another count is refused: its
 * storage, topics and registry journal belong to that layout.
 */
export function recordKafkaNodes(config: VitrinaConfig, nodes: number): VitrinaConfig {
  if (!KAFKA_NODE_COUNTS.includes(nodes)) throw new StackError(`--brokers ${nodes} is not supported`, `use --brokers 1 (the default) or --brokers 3`);
  const recorded = recordedKafkaNodes(config.stateDir);
  const singleMade = fs.existsSync(path.join(config.stateDir, 'kafka', 'data', 'meta.properties'));
  if (recorded !== nodes && (recorded > 1 || singleMade)) {
    throw new StackError(
      `the stack in ${config.stateDir} was made with ${recorded} Kafka broker${recorded === 1 ? '' : 's'}, not ${nodes}`,
      `run 'npx vitrina stack down', remove ${config.stateDir} (a clean slate), then 'npx vitrina stack up --brokers ${nodes}'`,
    );
  }
  if (nodes > 1 && !readRecord(config)) {
    fs.mkdirSync(config.stateDir, { recursive: true });
    const record: ClusterRecord = { nodes, clusterId: newKafkaClusterId() };
    fs.writeFileSync(recordFile(config), `${JSON.stringify(record)}\n`);
  }
  const next: VitrinaConfig = { ...config, kafkaNodes: nodes };
  const usedDefaults = config.kafkaBrokers.join(',') === localKafkaBrokers(config).join(',');
  return usedDefaults ? { ...next, kafkaBrokers: localKafkaBrokers(next), kafkaReplicationFactor: Math.min(3, nodes) } : next;
}

/** The broker addresses of the local Kafka nodes (every node, whatever KAFKA_BROKERS says). */
export function localKafkaBrokers(config: VitrinaConfig): string[] {
  return Array.from({ length: config.kafkaNodes }, (_, i) => `127.0.0.1:${kafkaNodePorts(config.ports, i + 1).broker}`);
}

function libsDir(ctx: StackContext): string {
  return path.join(ctx.installDir, 'libs');
}

function classpath(ctx: StackContext): string {
  return `${libsDir(ctx)}/*`;
}

function serverProperties(ctx: StackContext, node: number): string {
  const nodes = ctx.config.kafkaNodes;
  const own = kafkaNodePorts(ctx.config.ports, node);
  const voters = Array.from({ length: nodes }, (_, i) => `${i + 1}@127.0.0.1:${kafkaNodePorts(ctx.config.ports, i + 1).controller}`);
  // Internal topics (consumer offsets, transactions) and topics clients create get the same copies.
  const replicas = Math.min(3, nodes);
  const insync = minInsyncReplicas(replicas);
  return [
    'process.roles=broker,controller',
    `node.id=${node}`,
    // One node: a dynamic quorum of itself (formatted --standalone). A cluster: a static quorum of all.
    nodes === 1 ? `controller.quorum.bootstrap.servers=127.0.0.1:${own.controller}` : `controller.quorum.voters=${voters.join(',')}`,
    // A cluster's first node has no quorum until a second one runs, and the nodes start one after
    // another: at load average 25 the next JVM took over a minute to start, longer than the 60 s a
    // broker waits by default to register before it shuts down (three cluster starts failed so).
    ...(nodes === 1 ? [] : ['initial.broker.registration.timeout.ms=300000']),
    `listeners=PLAINTEXT://127.0.0.1:${own.broker},CONTROLLER://127.0.0.1:${own.controller}`,
    `advertised.listeners=PLAINTEXT://127.0.0.1:${own.broker}`,
    'controller.listener.names=CONTROLLER',
    'listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT',
    'inter.broker.listener.name=PLAINTEXT',
    `log.dirs=${path.join(ctx.dataDir, 'data')}`,
    'auto.create.topics.enable=false',
    'num.partitions=1',
    `default.replication.factor=${replicas}`,
    `min.insync.replicas=${insync}`,
    `offsets.topic.replication.factor=${replicas}`,
    'offsets.topic.num.partitions=10',
    `transaction.state.log.replication.factor=${replicas}`,
    `transaction.state.log.min.isr=${insync}`,
    'transaction.state.log.num.partitions=4',
    `share.coordinator.state.topic.replication.factor=${replicas}`,
    `share.coordinator.state.topic.min.isr=${insync}`,
    'group.initial.rebalance.delay.ms=0',
    'log.cleaner.backoff.ms=5000',
    '',
  ].join('\n');
}

function javaOptions(ctx: StackContext): string[] {
  return [
    '-Xms128m',
    // Three JVMs share the machine in a cluster: each gets a smaller heap.
    ctx.config.kafkaNodes > 1 ? '-Xmx384m' : '-Xmx512m',
    '-XX:+UseG1GC',
    '-XX:MaxGCPauseMillis=20',
    '-Djava.awt.headless=true',
    `-Dlog4j2.configurationFile=${path.join(kafkaDir, 'log4j2.properties')}`,
    '-cp',
    classpath(ctx),
  ];
}

/**
 * The brokers the cluster lists as alive (registered and not fenced), through any of the given
 * nodes; bounded in time, since a starting broker accepts connections before it answers.
 */
async function aliveBrokers(brokers: string[], timeoutMs = 5_000): Promise<{ ids: number[]; controller: number | null }> {
  const admin = createKafka('vitrina-stack-health', brokers).admin({ retry: { retries: 0 } });
  const work = (async () => {
    await admin.connect();
    const cluster = await admin.describeCluster();
    return { ids: cluster.brokers.map((b) => b.nodeId).sort((a, b) => a - b), controller: cluster.controller };
  })();
  try {
    return await withTimeout(work, timeoutMs, `Kafka at ${brokers.join(',')}`);
  } finally {
    await admin.disconnect().catch(() => undefined);
    // A connect still in flight when the time ran out opens its sockets after that disconnect (a
    // starting node accepts before it answers): they kept `stack up --brokers 3` from ever exiting.
    void work.then(
      () => admin.disconnect(),
      () => admin.disconnect(),
    ).catch(() => undefined);
  }
}

function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    const done = (ok: boolean): void => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1000, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

/** Kafka node `node` (1-based) of a stack of `config.kafkaNodes`; node 1 is the service `kafka`. */
function kafkaNode(node: number): Service {
  const name = node === 1 ? 'kafka' : `kafka-${node}`;
  const last = (ctx: StackContext): boolean => node === ctx.config.kafkaNodes;

  const health = async (ctx: StackContext): Promise<Health> => {
    try {
      const { ids, controller } = await aliveBrokers(localKafkaBrokers(ctx.config));
      if (ctx.config.kafkaNodes === 1) return { ok: ids.length > 0, detail: `controller ${controller}, ${ids.length} broker(s)` };
      return { ok: ids.includes(node), detail: `node ${node} of ${ctx.config.kafkaNodes}; alive brokers ${ids.join(', ') || 'none'}, controller ${controller}` };
    } catch (err) {
      return { ok: false, detail: (err as Error).message };
    }
  };

  return {
    name,
    installName: 'kafka',
    version: KAFKA_VERSION,
    tools: [java, maven],
    // A node restarted after a SIGKILL recovers its logs and catches up before it is unfenced: on the
    // loaded 2-core machine that took about 60 s.
    startTimeoutMs: 120_000,

    ports: (ctx) => {
      const own = kafkaNodePorts(ctx.config.ports, node);
      return [own.broker, own.controller];
    },

    isInstalled: (ctx) => markerValid(ctx.installDir, KAFKA_VERSION),

    async install(ctx) {
      requireTools('kafka', [java, maven]);
      ctx.log(`resolving Apache Kafka ${KAFKA_VERSION} jars from Maven Central`);
      fs.rmSync(libsDir(ctx), { recursive: true, force: true });
      fs.mkdirSync(libsDir(ctx), { recursive: true });
      runChecked('mvn', ['-q', '-B', '-f', path.join(kafkaDir, 'pom.xml'), 'dependency:copy-dependencies', `-DoutputDirectory=${libsDir(ctx)}`, '-DincludeScope=runtime', `-Dkafka.version=${KAFKA_VERSION}`], {
        what: 'resolving the Kafka jars with Maven',
        fix: 'check that Maven Central is reachable (mvn needs network once) and that ~/.m2 is writable',
      });
      const jars = fs.readdirSync(libsDir(ctx)).filter((f) => f.endsWith('.jar'));
      writeMarker(ctx.installDir, KAFKA_VERSION, jars.map((jar) => path.join('libs', jar)));
    },

    async command(ctx) {
      const properties = path.join(ctx.dataDir, 'server.properties');
      fs.writeFileSync(properties, serverProperties(ctx, node));
      if (!fs.existsSync(path.join(ctx.dataDir, 'data', 'meta.properties'))) {
        ctx.log('formatting the KRaft storage (first start)');
        const cluster = ctx.config.kafkaNodes > 1 ? readRecord(ctx.config) : undefined;
        if (ctx.config.kafkaNodes > 1 && !cluster) throw new StackError(`the Kafka cluster record ${recordFile(ctx.config)} is missing`, `run 'npx vitrina stack up --brokers ${ctx.config.kafkaNodes}'`);
        const clusterId = cluster?.clusterId ?? newKafkaClusterId();
        const quorum = ctx.config.kafkaNodes === 1 ? ['--standalone'] : [];
        runChecked('java', [...javaOptions(ctx), 'kafka.tools.StorageTool', 'format', ...quorum, `--cluster-id=${clusterId}`, '-c', properties], {
          what: 'formatting the Kafka storage',
          fix: `remove ${ctx.dataDir} and run 'npx vitrina stack up' again`,
        });
      }
      return { command: 'java', args: [...javaOptions(ctx), 'kafka.Kafka', properties] };
    },

    health,

    // A cluster node cannot be healthy before a quorum of nodes runs, and the nodes start one after
    // another: while no broker of the cluster answers yet, a node that listens on its controller port
    // has started far enough for the next one; once one answers, the node must be listed alive.
    async launched(ctx) {
      if (last(ctx)) {
        const alive = await aliveBrokers(localKafkaBrokers(ctx.config)).catch((err: Error) => ({ ids: [] as number[], error: err.message }));
        return { ok: alive.ids.length === ctx.config.kafkaNodes, detail: `alive brokers ${alive.ids.join(', ') || 'none'}` };
      }
      const others = localKafkaBrokers(ctx.config).filter((_, i) => i + 1 !== node);
      const formed = await aliveBrokers(others, 3_000).then((b) => b.ids.length > 0).catch(() => false);
      if (formed) return health(ctx);
      const up = await listening(kafkaNodePorts(ctx.config.ports, node).controller);
      return { ok: up, detail: up ? 'controller listening, waiting for the other nodes' : 'controller not listening yet' };
    },

    async afterStart(ctx) {
      // Topics are made once every node runs (replication factor 3 needs three brokers).
      if (!last(ctx)) return;
      const admin = createKafka('vitrina-stack', localKafkaBrokers(ctx.config)).admin();
      await admin.connect();
      try {
        // A cluster that has just formed may not yet know every partition's leader: a few tries.
        for (let attempt = 1; ; attempt += 1) {
          try {
            const created = await ensureTopics(admin, undefined, ctx.config.kafkaReplicationFactor);
            if (created.length > 0) ctx.log(`created topics: ${created.join(', ')}`);
            return;
          } catch (err) {
            if (attempt >= 10) throw err;
            ctx.log(`creating topics: ${(err as Error).message}; trying again`);
            await sleep(1000);
          }
        }
      } finally {
        await admin.disconnect();
      }
    },

    env: (ctx) => ({ KAFKA_BROKERS: localKafkaBrokers(ctx.config).join(',') }),
  };
}

/** The Kafka services of a stack of `nodes` nodes: `kafka`, and `kafka-2`, `kafka-3` for a cluster. */
export function kafkaServices(nodes: number): Service[] {
  return Array.from({ length: nodes }, (_, i) => kafkaNode(i + 1));
}

/** Node 1: the whole of a single-broker stack. */
export const kafkaService: Service = kafkaNode(1);
