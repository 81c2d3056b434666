// Apache Kafka in KRaft mode, one node acting as broker and controller, from its jars on Maven
// Central (resolved by stack/kafka/pom.xml), run with `java`. Topic auto-creation is off: the
// project creates its topics (streams/topics.ts) once the broker is healthy.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createKafka } from '../../streams/kafka.ts';
import { ensureTopics } from '../../streams/topics.ts';
import { markerValid, writeMarker } from '../marker.ts';
import { runChecked } from '../process.ts';
import { java, maven, requireTools } from '../tools.ts';
import type { Service, StackContext } from '../types.ts';

const KAFKA_VERSION = '4.1.1';
const kafkaDir = fileURLToPath(new URL('../kafka/', import.meta.url));

function localBrokers(ctx: StackContext): string[] {
  return [`127.0.0.1:${ctx.config.ports.kafka}`];
}

function libsDir(ctx: StackContext): string {
  return path.join(ctx.installDir, 'libs');
}

function classpath(ctx: StackContext): string {
  return `${libsDir(ctx)}/*`;
}

function serverProperties(ctx: StackContext): string {
  const { kafka, kafkaController } = ctx.config.ports;
  return [
    'process.roles=broker,controller',
    'node.id=1',
    `controller.quorum.bootstrap.servers=127.0.0.1:${kafkaController}`,
    `listeners=PLAINTEXT://127.0.0.1:${kafka},CONTROLLER://127.0.0.1:${kafkaController}`,
    `advertised.listeners=PLAINTEXT://127.0.0.1:${kafka}`,
    'controller.listener.names=CONTROLLER',
    'listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT',
    'inter.broker.listener.name=PLAINTEXT',
    `log.dirs=${path.join(ctx.dataDir, 'data')}`,
    'auto.create.topics.enable=false',
    'num.partitions=1',
    'offsets.topic.replication.factor=1',
    'offsets.topic.num.partitions=10',
    'transaction.state.log.replication.factor=1',
    'transaction.state.log.min.isr=1',
    'transaction.state.log.num.partitions=4',
    'share.coordinator.state.topic.replication.factor=1',
    'share.coordinator.state.topic.min.isr=1',
    'group.initial.rebalance.delay.ms=0',
    'log.cleaner.backoff.ms=5000',
    '',
  ].join('\n');
}

function javaOptions(ctx: StackContext): string[] {
  return [
    '-Xms128m',
    '-Xmx512m',
    '-XX:+UseG1GC',
    '-XX:MaxGCPauseMillis=20',
    '-Djava.awt.headless=true',
    `-Dlog4j2.configurationFile=${path.join(kafkaDir, 'log4j2.properties')}`,
    '-cp',
    classpath(ctx),
  ];
}

export const kafkaService: Service = {
  name: 'kafka',
  version: KAFKA_VERSION,
  tools: [java, maven],
  startTimeoutMs: 60_000,

  ports: (ctx) => [ctx.config.ports.kafka, ctx.config.ports.kafkaController],

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
    fs.writeFileSync(properties, serverProperties(ctx));
    if (!fs.existsSync(path.join(ctx.dataDir, 'data', 'meta.properties'))) {
      ctx.log('formatting the KRaft storage (first start)');
      const clusterId = crypto.randomBytes(16).toString('base64url');
      runChecked('java', [...javaOptions(ctx), 'kafka.tools.StorageTool', 'format', '--standalone', '-t', clusterId, '-c', properties], {
        what: 'formatting the Kafka storage',
        fix: `remove ${ctx.dataDir} and run 'npx vitrina stack up' again`,
      });
    }
    return { command: 'java', args: [...javaOptions(ctx), 'kafka.Kafka', properties] };
  },

  async health(ctx) {
    const admin = createKafka('vitrina-stack-health', localBrokers(ctx)).admin({ retry: { retries: 0 } });
    try {
      await admin.connect();
      const cluster = await admin.describeCluster();
      return { ok: cluster.brokers.length > 0, detail: `controller ${cluster.controller}, ${cluster.brokers.length} broker(s)` };
    } catch (err) {
      return { ok: false, detail: (err as Error).message };
    } finally {
      await admin.disconnect().catch(() => undefined);
    }
  },

  async afterStart(ctx) {
    const admin = createKafka('vitrina-stack', localBrokers(ctx)).admin();
    await admin.connect();
    try {
      const created = await ensureTopics(admin);
      if (created.length > 0) ctx.log(`created topics: ${created.join(', ')}`);
    } finally {
      await admin.disconnect();
    }
  },

  env: (ctx) => ({ KAFKA_BROKERS: localBrokers(ctx).join(',') }),
};
