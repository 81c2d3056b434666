// MinIO, built from its Go module at a pinned revision with the local Go toolchain (`go install`), with a
// Kafka notification targets configured through environment variables: every object created in
// vitrina-uploads becomes a JSON event on the topic vitrina.uploads.notifications, twice. Target PRIMARY
// writes each event to a queue directory under the data directory first, so it survives MinIO restarts
// and Kafka outages, but MinIO sends what that directory holds on a fixed 3 s ticker
// (internal/store/store.go, retryInterval; no setting changes it): 1.5 s on average, 3 s at worst.
// Target DIRECT has no queue directory, so MinIO sends its event to Kafka as soon as the object is
// stored (milliseconds), and loses it if Kafka is down or MinIO dies first. The dispatcher predicts
// an object once per key and ETag (its ledger), so the copy that comes second is skipped: the
// prediction follows the direct event, and the queued one makes sure it comes.
//
// The event MinIO writes (internal/event/target/kafka.go): message key "<bucket>/<object key>" (plain,
// not URL-encoded); value {"EventName":"s3:ObjectCreated:Put","Key":"<bucket>/<object key>","Records":[
// S3 event record]}, where Records[0].s3.object.key is the object key URL-encoded (spaces as '+').
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import * as Minio from 'minio';
import { topics, ensureTopics } from '../../streams/topics.ts';
import { markerValid, writeMarker } from '../marker.ts';
import { runChecked } from '../process.ts';
import { StackError, type Health, type LaunchSpec, type Service, type StackContext } from '../types.ts';

const MODULE = 'github.com/minio/minio';
/** The pinned revision: a Go pseudo-version of commit 7aac2a2c5b7c (2026-02-12 20:18:48 UTC). */
const MODULE_VERSION = 'v0.0.0-20260212201848-7aac2a2c5b7c';
/** The oldest Go that builds this revision (its go.mod says `go 1.24.0`). */
const MIN_GO: [number, number] = [1, 24];

export const BUCKETS = { images: 'vitrina-images', models: 'vitrina-models', uploads: 'vitrina-uploads' } as const;
export const UPLOAD_NOTIFICATIONS_TOPIC = topics.uploads.name;
/** The notification target ids (the suffixes of the MINIO_NOTIFY_KAFKA_*_<ID> variables): queued, then direct. */
export const NOTIFY_TARGETS = { queued: 'PRIMARY', direct: 'DIRECT' } as const;
/** A target's ARN as MinIO lists it ("SQS ARNs" at startup): it carries the site region (MINIO_SITE_REGION). */
export function uploadNotificationsArn(region: string, target: string = NOTIFY_TARGETS.queued): string {
  return `arn:minio:sqs:${region}:${target}:kafka`;
}
/** Matches a target's ARN with or without a region (`arn:minio:sqs::PRIMARY:kafka` is accepted too). */
const targetArn = (target: string): RegExp => new RegExp(`^arn:minio:sqs:[^:]*:${target}:kafka$`);

/**
 * The environment of a MinIO whose uploads go to `topic` through the queued target (events kept in
 * `queueDirectory` until Kafka has them) and the direct one to `direct` (the same topic but in
 * `bench upload-notifications`, which tells them apart), or not when false.
 */
export function notificationEnv(brokers: string[], topic: string, queueDirectory: string, direct: string | false = topic): Record<string, string> {
  const env: Record<string, string> = {
    [`MINIO_NOTIFY_KAFKA_ENABLE_${NOTIFY_TARGETS.queued}`]: 'on',
    [`MINIO_NOTIFY_KAFKA_BROKERS_${NOTIFY_TARGETS.queued}`]: brokers.join(','),
    [`MINIO_NOTIFY_KAFKA_TOPIC_${NOTIFY_TARGETS.queued}`]: topic,
    [`MINIO_NOTIFY_KAFKA_QUEUE_DIR_${NOTIFY_TARGETS.queued}`]: queueDirectory,
  };
  if (direct !== false) {
    env[`MINIO_NOTIFY_KAFKA_ENABLE_${NOTIFY_TARGETS.direct}`] = 'on';
    env[`MINIO_NOTIFY_KAFKA_BROKERS_${NOTIFY_TARGETS.direct}`] = brokers.join(',');
    env[`MINIO_NOTIFY_KAFKA_TOPIC_${NOTIFY_TARGETS.direct}`] = direct;
  }
  return env;
}

function minioBinary(ctx: StackContext): string {
  return path.join(ctx.installDir, 'bin', 'minio');
}

function dataPath(ctx: StackContext): string {
  return path.join(ctx.dataDir, 'data');
}

function queueDir(ctx: StackContext): string {
  return path.join(ctx.dataDir, 'notify-queue');
}

function endpoint(ctx: StackContext): string {
  return `http://127.0.0.1:${ctx.config.ports.minio}`;
}

// ---- installation ------------------------------------------------------------------------------

function checkGoVersion(): void {
  const out = runChecked('go', ['version'], { what: 'go version', fix: 'install Go 1.24 or newer (https://go.dev/dl/)' });
  const match = /go(\d+)\.(\d+)/.exec(out);
  if (!match) return;
  const [major, minor] = [Number(match[1]), Number(match[2])];
  if (major < MIN_GO[0] || (major === MIN_GO[0] && minor < MIN_GO[1])) {
    throw new StackError(`MinIO ${MODULE_VERSION} needs Go ${MIN_GO.join('.')} or newer, found ${out.trim()}`, 'install Go 1.24 or newer (https://go.dev/dl/), or set GOTOOLCHAIN=auto');
  }
}

/** Runs a long command without blocking the event loop, keeping the tail of its output for errors. */
function runAsync(command: string, args: string[], env: Record<string, string>, cwd: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let tail = '';
    const keep = (chunk: Buffer) => {
      tail = (tail + chunk.toString('utf8')).slice(-4000);
    };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    child.on('error', (err) => reject(new StackError(`${command} failed: ${err.message}`, 'install Go 1.24 or newer (https://go.dev/dl/)')));
    child.on('close', (code) => {
      if (code === 0) return resolve();
      const lines = tail.trim().split('\n').slice(-5).join(' | ');
      reject(new StackError(`go install ${MODULE}@${MODULE_VERSION} failed (exit ${code}): ${lines}`, 'check that the Go module proxy is reachable (GOPROXY) and that Go is 1.24 or newer'));
    });
  });
}

async function install(ctx: StackContext): Promise<void> {
  checkGoVersion();
  const bin = path.join(ctx.installDir, 'bin');
  fs.rmSync(minioBinary(ctx), { force: true });
  fs.mkdirSync(bin, { recursive: true });
  ctx.log(`building MinIO ${MODULE_VERSION} from source with Go (the first build takes several minutes) ...`);
  // `go install pkg@version` ignores any go.mod around it; cwd is the install dir so no go.work applies.
  await runAsync('go', ['install', `${MODULE}@${MODULE_VERSION}`], { GOBIN: bin, GOWORK: 'off' }, ctx.installDir);
  const info = runChecked('go', ['version', '-m', minioBinary(ctx)], { what: 'go version -m minio', fix: `remove ${ctx.installDir} and install again` });
  if (!new RegExp(`\\bmod\\s+${MODULE.replace(/\./g, '\\.')}\\s+${MODULE_VERSION}\\b`).test(info)) {
    throw new StackError(`the built minio is not ${MODULE}@${MODULE_VERSION}`, `remove ${ctx.installDir} and install again`);
  }
  writeMarker(ctx.installDir, MODULE_VERSION, ['bin/minio']);
}

// ---- process -----------------------------------------------------------------------------------

function serverEnv(ctx: StackContext): Record<string, string> {
  const { s3, kafkaBrokers } = ctx.config;
  return {
    MINIO_ROOT_USER: s3.accessKey,
    MINIO_ROOT_PASSWORD: s3.secretKey,
    MINIO_SITE_REGION: s3.region,
    MINIO_UPDATE: 'off',
    ...notificationEnv(kafkaBrokers, UPLOAD_NOTIFICATIONS_TOPIC, queueDir(ctx)),
  };
}

async function command(ctx: StackContext): Promise<LaunchSpec> {
  const { s3, ports } = ctx.config;
  if (s3.accessKey.length < 3 || s3.secretKey.length < 8) {
    throw new StackError('MinIO needs S3_ACCESS_KEY of at least 3 and S3_SECRET_KEY of at least 8 characters', 'set longer S3_ACCESS_KEY / S3_SECRET_KEY or unset them to use the defaults');
  }
  if (ctx.config.kafkaBrokers.length === 0) throw new StackError('KAFKA_BROKERS is empty; MinIO needs a broker for upload notifications', 'unset KAFKA_BROKERS to use the local stack');
  fs.mkdirSync(dataPath(ctx), { recursive: true });
  fs.mkdirSync(queueDir(ctx), { recursive: true });
  return {
    command: minioBinary(ctx),
    args: ['server', dataPath(ctx), '--address', `127.0.0.1:${ports.minio}`, '--console-address', `127.0.0.1:${ports.minioConsole}`],
    env: serverEnv(ctx),
    cwd: ctx.dataDir,
  };
}

async function probe(url: string): Promise<string | undefined> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(2_000) });
    await response.arrayBuffer();
    return response.ok ? undefined : `HTTP ${response.status}`;
  } catch (err) {
    return (err as Error).message;
  }
}

async function health(ctx: StackContext): Promise<Health> {
  const base = endpoint(ctx);
  const live = await probe(`${base}/minio/health/live`);
  if (live) return { ok: false, detail: `${base}/minio/health/live: ${live}` };
  const ready = await probe(`${base}/minio/health/ready`);
  if (ready) return { ok: false, detail: `${base}/minio/health/ready: ${ready}` };
  return { ok: true, detail: `${base} live and ready (console http://127.0.0.1:${ctx.config.ports.minioConsole})` };
}

// ---- buckets, notifications ----------------------------------------------------------------------

export function minioClient(config: StackContext['config']): Minio.Client {
  const { s3 } = config;
  return new Minio.Client({ endPoint: s3.endPoint, port: s3.port, useSSL: s3.useSSL, accessKey: s3.accessKey, secretKey: s3.secretKey, region: s3.region });
}

/** Creates the notification topic when missing (Kafka's automatic topic creation is off); the Kafka
 *  service creates it too, from the same spec (streams/topics.ts). */
async function ensureTopic(ctx: StackContext): Promise<void> {
  const kafka = new Kafka({ clientId: 'vitrina-stack-minio', brokers: ctx.config.kafkaBrokers, logLevel: logLevel.NOTHING, retry: { retries: 2 } });
  const admin = kafka.admin();
  try {
    await admin.connect();
    const created = await ensureTopics(admin, [topics.uploads], ctx.config.kafkaReplicationFactor);
    if (created.length > 0) ctx.log(`created Kafka topic ${UPLOAD_NOTIFICATIONS_TOPIC}`);
  } catch (err) {
    // MinIO keeps the events in its queue directory and delivers them once the topic is reachable.
    ctx.log(`could not check Kafka topic ${UPLOAD_NOTIFICATIONS_TOPIC} (${(err as Error).message}); upload events wait in ${queueDir(ctx)}`);
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

async function afterStart(ctx: StackContext): Promise<void> {
  const client = minioClient({ ...ctx.config, s3: { ...ctx.config.s3, endPoint: '127.0.0.1', port: ctx.config.ports.minio, useSSL: false } });
  for (const bucket of Object.values(BUCKETS)) {
    if (await client.bucketExists(bucket)) continue;
    try {
      await client.makeBucket(bucket, ctx.config.s3.region);
      ctx.log(`created bucket ${bucket}`);
    } catch (err) {
      if ((err as { code?: string }).code !== 'BucketAlreadyOwnedByYou') throw err;
    }
  }
  await ensureTopic(ctx);
  try {
    if (!(await routeUploads(client, BUCKETS.uploads, ctx.config.s3.region))) return;
  } catch (err) {
    throw new StackError(`could not route ${BUCKETS.uploads} events to its Kafka targets: ${(err as Error).message}`, `check the Kafka targets in ${ctx.logFile}`);
  }
  ctx.log(`${BUCKETS.uploads}: s3:ObjectCreated:* → Kafka topic ${UPLOAD_NOTIFICATIONS_TOPIC} (queued and direct)`);
}

/**
 * Routes the bucket's created objects to the given targets (default both), replacing its
 * notification configuration; false when it already routes them so.
 */
export async function routeUploads(client: Minio.Client, bucket: string, region: string, targets: string[] = Object.values(NOTIFY_TARGETS)): Promise<boolean> {
  const current = await client.getBucketNotification(bucket);
  const routed = (target: string): boolean => (current.QueueConfiguration ?? []).some((q) => targetArn(target).test(q.Queue) && [q.Event].flat().includes(Minio.ObjectCreatedAll));
  if (targets.every(routed) && (current.QueueConfiguration ?? []).length === targets.length) return false;
  const notification = new Minio.NotificationConfig();
  for (const target of targets) {
    const queue = new Minio.QueueConfig(uploadNotificationsArn(region, target));
    queue.addEvent(Minio.ObjectCreatedAll);
    notification.add(queue);
  }
  await client.setBucketNotification(bucket, notification);
  return true;
}

export const minioService: Service = {
  name: 'minio',
  version: MODULE_VERSION,
  tools: [{ command: 'go', versionArgs: ['version'], fix: 'install Go 1.24 or newer (https://go.dev/dl/); MinIO is built from source' }],
  ports: (ctx) => [ctx.config.ports.minio, ctx.config.ports.minioConsole],
  isInstalled: (ctx) => markerValid(ctx.installDir, MODULE_VERSION),
  install,
  command,
  health,
  afterStart,
  env: (ctx) => ({
    S3_ENDPOINT: endpoint(ctx),
    S3_ACCESS_KEY: ctx.config.s3.accessKey,
    S3_SECRET_KEY: ctx.config.s3.secretKey,
    S3_REGION: ctx.config.s3.region,
  }),
  startTimeoutMs: 60_000,
};
