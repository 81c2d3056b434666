// A promoted version whose load fails is retried with capped backoff until it loads: the model
// server's store points at a loopback port that refuses (MinIO "down"), then a proxy to the test
// stack's real MinIO starts on that port, and the promoted version goes live without any new event.
// Short timings through the promotionRetry option; a model name of its own.
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import * as Minio from 'minio';
import t from 'tap';
import { freePort } from '../../bench/services.ts';
import { promotionEvents } from './promotion-events.ts';
import { ModelStore } from '../../models/store.ts';
import { writeTinyModel } from '../../models/tiny/generate.ts';
import { startModelServer } from '../../models/server.ts';
import { loadConfig } from '../../platform/config.ts';
import { createS3 } from '../../platform/s3.ts';

/** A TCP proxy from 127.0.0.1:port to target, started when MinIO should come "back". */
async function startProxy(port: number, target: { host: string; port: number }): Promise<() => Promise<void>> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const upstream = net.connect(target.port, target.host);
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
      s.on('error', () => s.destroy());
    }
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return async () => {
    for (const s of sockets) s.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
}

t.test('a promoted version that could not be loaded goes live once MinIO is back', async (t) => {
  const config = loadConfig();
  const realS3 = createS3(config);
  const version = `retry-${randomUUID().slice(0, 8)}`;
  const dir = writeTinyModel(path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'vitrina-retry-src-')), version), { seed: 31, version });
  await new ModelStore({ cacheDir: fs.mkdtempSync(path.join(os.tmpdir(), 'vitrina-retry-pub-')), s3: realS3, bundledDirs: [] }).publish(version, dir);

  const port = await freePort();
  const downS3 = new Minio.Client({ endPoint: '127.0.0.1', port, useSSL: false, accessKey: config.s3.accessKey, secretKey: config.s3.secretKey, region: config.s3.region });
  const { kafka, codec, modelName, promote } = await promotionEvents(t, 'vitrina-test-promotion-retry', 'model-promotion-retry.test');

  const server = await startModelServer({
    address: '127.0.0.1:0',
    modelName,
    defaultModel: 'tiny',
    tinyModels: true,
    kafka,
    codec,
    s3: downS3,
    cacheDir: fs.mkdtempSync(path.join(os.tmpdir(), 'vitrina-retry-cache-')),
    threads: 1,
    promotionRetry: { initialMs: 100, maxMs: 400 },
  });
  let stopProxy: (() => Promise<void>) | undefined;
  t.teardown(async () => {
    await server.stop();
    await stopProxy?.();
  });
  t.equal(server.champion(), 'tiny', 'nothing promoted yet: the default');

  await promote(version, 'tiny');
  await new Promise((resolve) => setTimeout(resolve, 3_000));
  t.equal(server.champion(), 'tiny', 'while MinIO refuses, the champion stays');
  t.ok(server.pendingPromotion?.() === version, 'and the promoted version is still pending, not forgotten');

  stopProxy = await startProxy(port, { host: config.s3.endPoint, port: config.s3.port });
  const deadline = Date.now() + 30_000;
  while (server.champion() !== version && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
  t.equal(server.champion(), version, 'MinIO back: the promoted version went live without a new event');
  t.equal(server.pendingPromotion?.(), undefined, 'nothing pending any more');
});
