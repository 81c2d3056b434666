// Apicurio Registry 3 as the schema registry of the local stack, serving the Confluent-compatible
// API at /apis/ccompat/v7. Installed from its distribution tarball on Maven Central
// (io.apicurio:apicurio-registry-app:<version>:tar.gz:all, a ready-built Quarkus application),
// run with a Java 21+ runtime, storing its state in Kafka (kafkasql storage: a journal topic it
// replays at start), so schemas survive restarts and live and die with the Kafka data.
import { localKafkaBrokers } from './kafka.ts';
import fs from 'node:fs';
import path from 'node:path';
import { markerValid, writeMarker } from '../marker.ts';
import { runChecked } from '../process.ts';
import { findJava } from '../java.ts';
import { java, maven, requireTools } from '../tools.ts';
import { StackError, type Service, type StackContext } from '../types.ts';

const APICURIO_VERSION = '3.3.3';
const ARTIFACT = `io.apicurio:apicurio-registry-app:${APICURIO_VERSION}:tar.gz:all`;
const DEPENDENCY_PLUGIN = 'org.apache.maven.plugins:maven-dependency-plugin:3.8.1';
const MIN_JAVA = 21;
/** Files of the unpacked distribution whose presence (and size) the install marker checks. */
const KEY_FILES = ['app/quarkus-run.jar', 'app/quarkus/quarkus-application.dat', `app/app/apicurio-registry-app-${APICURIO_VERSION}.jar`];
/** The Confluent-compatible API's path under the registry's base address. */
export const CCOMPAT_PATH = '/apis/ccompat/v7';
const JAVA_FIX = `install a Java ${MIN_JAVA}+ runtime (e.g. a Temurin ${MIN_JAVA}+ JDK under /usr/lib/jvm) or point VITRINA_JAVA_HOME at one`;

/** Health and metrics are served by Quarkus' management interface on a port of their own. */
function managementPort(ctx: StackContext): number {
  return ctx.config.ports.registry + 1;
}

function baseUrl(ctx: StackContext): string {
  return `http://127.0.0.1:${ctx.config.ports.registry}`;
}

function registryUrl(ctx: StackContext): string {
  return `${baseUrl(ctx)}${CCOMPAT_PATH}`;
}

function localBrokers(ctx: StackContext): string {
  return localKafkaBrokers(ctx.config).join(',');
}

function javaBin(): string {
  const runtime = findJava(MIN_JAVA);
  if (!runtime) throw new StackError(`the schema registry (Apicurio Registry ${APICURIO_VERSION}) needs Java ${MIN_JAVA} or newer, none was found`, JAVA_FIX);
  return runtime.bin;
}

function jvmOptions(ctx: StackContext): string[] {
  return [
    '-Xms32m',
    '-Xmx256m',
    '-XX:+UseSerialGC',
    // C1 only: starts faster and keeps less code cache; plenty for a development registry.
    '-XX:TieredStopAtLevel=1',
    // Class-data sharing archive, written on the first run and reused after: faster starts.
    '-XX:+AutoCreateSharedArchive',
    `-XX:SharedArchiveFile=${path.join(ctx.dataDir, 'apicurio-cds.jsa')}`,
    '-Djava.awt.headless=true',
    // Confluent's default compatibility for subjects without their own setting.
    '-Dapicurio.rules.global.compatibility=BACKWARD',
    '-Dquarkus.http.access-log.enabled=false',
    '-Dquarkus.log.category."org.apache.kafka".level=WARN',
    '-Dquarkus.log.category."io.apicurio.registry.logging.audit".level=WARN',
    '-Dquarkus.log.category."io.smallrye.health".level=WARN',
    '-Dquarkus.log.category."io.apicurio.registry.storage.metrics".level=WARN',
  ];
}

function registryEnv(ctx: StackContext): Record<string, string> {
  return {
    QUARKUS_HTTP_HOST: '127.0.0.1',
    QUARKUS_HTTP_PORT: String(ctx.config.ports.registry),
    QUARKUS_MANAGEMENT_HOST: '127.0.0.1',
    QUARKUS_MANAGEMENT_PORT: String(managementPort(ctx)),
    APICURIO_STORAGE_KIND: 'kafkasql',
    APICURIO_KAFKASQL_BOOTSTRAP_SERVERS: localBrokers(ctx),
    APICURIO_KAFKASQL_TOPIC: 'kafkasql-journal',
    APICURIO_KAFKASQL_SNAPSHOTS_TOPIC: 'kafkasql-snapshots',
    APICURIO_KAFKASQL_CONSUMER_POLL_TIMEOUT: '1000',
    APICURIO_STORAGE_SNAPSHOT_LOCATION: ctx.dataDir,
    // The in-memory H2 database kafkasql replays the journal into: a small pool is enough.
    APICURIO_DATASOURCE_JDBC_INITIAL_SIZE: '2',
    APICURIO_DATASOURCE_JDBC_MIN_SIZE: '2',
    APICURIO_DATASOURCE_JDBC_MAX_SIZE: '20',
  };
}

async function getJson(url: string): Promise<{ status: number; body: unknown }> {
  const response = await fetch(url, { signal: AbortSignal.timeout(3_000) });
  const text = await response.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    /* not JSON */
  }
  return { status: response.status, body };
}

export const registryService: Service = {
  name: 'registry',
  version: APICURIO_VERSION,
  tools: [java, maven],
  startTimeoutMs: 180_000,

  ports: (ctx) => [ctx.config.ports.registry, managementPort(ctx)],

  isInstalled: (ctx) => markerValid(ctx.installDir, APICURIO_VERSION),

  async install(ctx) {
    requireTools('registry', [java, maven]);
    javaBin();
    const download = path.join(ctx.installDir, 'download');
    const appDir = path.join(ctx.installDir, 'app');
    fs.rmSync(download, { recursive: true, force: true });
    fs.rmSync(appDir, { recursive: true, force: true });
    fs.mkdirSync(download, { recursive: true });
    fs.mkdirSync(appDir, { recursive: true });
    ctx.log(`downloading Apicurio Registry ${APICURIO_VERSION} (about 160 MB) from Maven Central`);
    runChecked('mvn', ['-q', '-B', `${DEPENDENCY_PLUGIN}:copy`, `-Dartifact=${ARTIFACT}`, `-DoutputDirectory=${download}`], {
      what: `downloading ${ARTIFACT} with Maven`,
      fix: 'check that Maven Central is reachable (mvn needs network once) and that ~/.m2 is writable',
    });
    const tarball = fs.readdirSync(download).find((f) => f.endsWith('.tar.gz'));
    if (!tarball) throw new StackError(`Maven reported success but left no tarball in ${download}`, `remove ${ctx.installDir} and run 'npx vitrina stack up' again`);
    ctx.log('unpacking Apicurio Registry');
    runChecked('tar', ['-xzf', path.join(download, tarball), '-C', appDir], {
      what: `unpacking ${tarball}`,
      fix: `check the free disk space under ${ctx.installDir} (about 200 MB are needed)`,
    });
    fs.rmSync(download, { recursive: true, force: true });
    for (const file of KEY_FILES) {
      if (!fs.existsSync(path.join(ctx.installDir, file))) {
        throw new StackError(`the Apicurio Registry ${APICURIO_VERSION} distribution lacks ${file}`, `remove ${ctx.installDir} and run 'npx vitrina stack up' again`);
      }
    }
    writeMarker(ctx.installDir, APICURIO_VERSION, KEY_FILES);
  },

  async command(ctx) {
    fs.mkdirSync(ctx.dataDir, { recursive: true });
    return {
      command: javaBin(),
      args: [...jvmOptions(ctx), '-jar', path.join(ctx.installDir, 'app', 'quarkus-run.jar')],
      env: registryEnv(ctx),
      cwd: ctx.dataDir,
    };
  },

  async health(ctx) {
    try {
      const ready = await getJson(`http://127.0.0.1:${managementPort(ctx)}/health/ready`);
      const status = (ready.body as { status?: string } | undefined)?.status;
      if (ready.status !== 200 || status !== 'UP') return { ok: false, detail: `readiness ${ready.status} ${status ?? ''}`.trim() };
      const subjects = await getJson(`${registryUrl(ctx)}/subjects`);
      if (subjects.status !== 200 || !Array.isArray(subjects.body)) return { ok: false, detail: `GET ${CCOMPAT_PATH}/subjects answered ${subjects.status}` };
      return { ok: true, detail: `Apicurio Registry ${APICURIO_VERSION}, ${subjects.body.length} subject(s), storage kafkasql on ${localBrokers(ctx)}` };
    } catch (err) {
      return { ok: false, detail: (err as Error).message };
    }
  },

  env: (ctx) => ({ SCHEMA_REGISTRY_URL: registryUrl(ctx) }),
};
