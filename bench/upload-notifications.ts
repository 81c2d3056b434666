// Upload → notification latency of MinIO's two Kafka targets, side by side on the same uploads, and
// the queued target's durability across a MinIO restart. Runs a MinIO of its own (the stack's build,
// a temporary data folder, free ports) against the configured Kafka, with the queued target writing
// to one private topic and the direct target to another, so each upload's two events can be told
// apart; the stack routes both to vitrina.uploads.notifications and the dispatcher acts on the first.
// Uploads go one at a time after a seeded random pause of 0-1 s (so they do not fall into step with
// MinIO's 3 s ticker). Then it puts a few more objects, kills that MinIO (SIGKILL, its own PID) at
// once, starts it again on the same folder and counts the queued events that still arrive.
import { spawn, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as Minio from 'minio';
import { mulberry32 } from '../mlops/prng.ts';
import { loadConfig } from '../platform/config.ts';
import { minioService, notificationEnv, routeUploads } from '../stack/services/minio.ts';
import { createKafka } from '../streams/kafka.ts';
import { writeResult } from './report.ts';
import { freePort } from './services.ts';
import { percentile, round } from './search-measure.ts';

export interface UploadNotificationsOptions {
  uploads?: number;
  /** Objects put just before the kill. */
  restartUploads?: number;
}

interface PrivateMinio {
  process: ChildProcess;
  port: number;
}

async function startMinio(binary: string, dataDir: string, port: number, env: Record<string, string>): Promise<PrivateMinio> {
  const child = spawn(binary, ['server', path.join(dataDir, 'data'), '--address', `127.0.0.1:${port}`, '--console-address', `127.0.0.1:${await freePort()}`], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'ignore', 'ignore'],
  });
  const deadline = Date.now() + 60_000;
  for (;;) {
    const ok = await fetch(`http://127.0.0.1:${port}/minio/health/ready`, { signal: AbortSignal.timeout(2_000) }).then((r) => r.ok, () => false);
    if (ok) return { process: child, port };
    if (child.exitCode !== null) throw new Error(`the benchmark's MinIO exited with ${child.exitCode}`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error('the benchmark\'s MinIO was not ready within 60 s');
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}

async function stopMinio(m: PrivateMinio, signal: NodeJS.Signals): Promise<void> {
  if (m.process.exitCode !== null || m.process.signalCode !== null) return;
  const exited = new Promise((r) => m.process.once('exit', r));
  m.process.kill(signal);
  const timer = setTimeout(() => m.process.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}

const stats = (values: number[]): { p50: number; p95: number; max: number } => ({ p50: round(percentile(values, 50)), p95: round(percentile(values, 95)), max: round(Math.max(...values)) });

export async function runUploadNotificationsBench(options: UploadNotificationsOptions = {}): Promise<void> {
  const uploads = options.uploads ?? 30;
  const restartUploads = options.restartUploads ?? 5;
  const config = loadConfig();
  const binary = path.join(config.cacheDir, 'minio', minioService.version, 'bin', 'minio');
  if (!fs.existsSync(binary)) throw new Error(`no MinIO build at ${binary}: run npx vitrina stack up once`);
  const tag = crypto.randomBytes(4).toString('hex');
  const topicQueued = `vitrina.bench.uploads-queued.${tag}`;
  const topicDirect = `vitrina.bench.uploads-direct.${tag}`;
  const kafka = createKafka('vitrina-bench-upload-notifications', config.kafkaBrokers);
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [topicQueued, topicDirect].map((topic) => ({ topic, numPartitions: 1, replicationFactor: config.kafkaReplicationFactor })), waitForLeaders: true });

  // Arrivals: key → { queued, direct } as received here (this machine's clock, like the puts).
  const arrivals = new Map<string, { queued?: number; direct?: number }>();
  const consumer = kafka.consumer({ groupId: `vitrina.bench.upload-notifications.${tag}`, maxWaitTimeInMs: 50 });
  await consumer.connect();
  await consumer.subscribe({ topics: [topicQueued, topicDirect], fromBeginning: true });
  await consumer.run({
    eachMessage: async ({ topic, message }) => {
      const key = message.key?.toString() ?? '';
      const seen = arrivals.get(key) ?? {};
      if (topic === topicQueued) seen.queued ??= Date.now();
      else seen.direct ??= Date.now();
      arrivals.set(key, seen);
    },
  });

  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'vitrina-bench-minio-'));
  const port = await freePort();
  const env = {
    MINIO_ROOT_USER: config.s3.accessKey,
    MINIO_ROOT_PASSWORD: config.s3.secretKey,
    MINIO_SITE_REGION: config.s3.region,
    MINIO_UPDATE: 'off',
    ...notificationEnv(config.kafkaBrokers, topicQueued, path.join(dataDir, 'notify-queue'), topicDirect),
  };
  let minio = await startMinio(binary, dataDir, port, env);
  const bucket = 'vitrina-uploads';
  const client = new Minio.Client({ endPoint: '127.0.0.1', port, useSSL: false, accessKey: config.s3.accessKey, secretKey: config.s3.secretKey, region: config.s3.region });
  const body = crypto.randomBytes(2048);
  const waitFor = async (key: string, which: Array<'queued' | 'direct'>, timeoutMs: number): Promise<boolean> => {
    const until = Date.now() + timeoutMs;
    while (Date.now() < until) {
      const seen = arrivals.get(`${bucket}/${key}`);
      if (seen && which.every((w) => seen[w] !== undefined)) return true;
      await new Promise((r) => setTimeout(r, 10));
    }
    return false;
  };
  try {
    await client.makeBucket(bucket, config.s3.region);
    await routeUploads(client, bucket, config.s3.region);
    // A first object warms both targets' Kafka connections up.
    await client.putObject(bucket, 'warm-up', body);
    await waitFor('warm-up', ['queued', 'direct'], 15_000);

    const random = mulberry32(13);
    const queued: number[] = [];
    const direct: number[] = [];
    const first: number[] = [];
    for (let i = 0; i < uploads; i += 1) {
      await new Promise((r) => setTimeout(r, Math.floor(random() * 1000)));
      const key = `upload-${i}.bin`;
      const putAt = Date.now();
      await client.putObject(bucket, key, body);
      if (!(await waitFor(key, ['queued', 'direct'], 15_000))) throw new Error(`no notification of ${key} from both targets within 15 s`);
      const seen = arrivals.get(`${bucket}/${key}`)!;
      queued.push(seen.queued! - putAt);
      direct.push(seen.direct! - putAt);
      first.push(Math.min(seen.queued!, seen.direct!) - putAt);
    }

    // Durability: puts, then MinIO killed at once; the queued events come after it restarts.
    const lateKeys = Array.from({ length: restartUploads }, (_, i) => `before-kill-${i}.bin`);
    for (const key of lateKeys) await client.putObject(bucket, key, body);
    const queuedBeforeKill = lateKeys.filter((k) => arrivals.get(`${bucket}/${k}`)?.queued !== undefined).length;
    await stopMinio(minio, 'SIGKILL');
    const restartedAt = Date.now();
    minio = await startMinio(binary, dataDir, port, env);
    const arrived = await Promise.all(lateKeys.map((k) => waitFor(k, ['queued'], 30_000)));
    const afterRestart = arrived.filter(Boolean).length;

    const figures = {
      uploads,
      loadAverage: os.loadavg(),
      queuedTargetMs: stats(queued),
      directTargetMs: stats(direct),
      firstOfBothMs: stats(first),
      restart: {
        objects: restartUploads,
        queuedEventsSentBeforeTheKill: queuedBeforeKill,
        queuedEventsDeliveredAfterTheRestart: afterRestart,
        secondsFromRestartToLastEvent: round((Math.max(...lateKeys.map((k) => arrivals.get(`${bucket}/${k}`)?.queued ?? 0)) - restartedAt) / 1000),
        directEventsDelivered: lateKeys.filter((k) => arrivals.get(`${bucket}/${k}`)?.direct !== undefined).length,
      },
    };
    const file = writeResult('upload-notifications', figures);
    process.stdout.write(`${JSON.stringify(figures, null, 2)}\nwritten to ${file}\n`);
  } finally {
    await stopMinio(minio, 'SIGTERM');
    await consumer.disconnect().catch(() => undefined);
    await admin.deleteTopics({ topics: [topicQueued, topicDirect] }).catch(() => undefined);
    await admin.deleteGroups([`vitrina.bench.upload-notifications.${tag}`]).catch(() => undefined);
    await admin.disconnect();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}
