// Ingest with Kafka unreachable: it says what it waits for, gives up after the bounded time with a
// clear error and its own exit code, and writes nothing (no image reaches MinIO). Kafka is faked by
// loopback ports of this test (one with nothing listening, one that accepts and never answers); the
// test stack's Kafka is never touched.
import { spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import t from 'tap';
import { freePort } from '../../bench/services.ts';
import { STYLE_COLUMNS } from '../../processors/ingest/styles.ts';
import { loadConfig } from '../../platform/config.ts';
import { buckets, createS3, objectExists } from '../../platform/s3.ts';
import { idBase } from './fixtures.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));

/** Two rows whose images no earlier run can have stored (random colours and sizes). */
async function uniqueDataset(): Promise<{ dir: string; originalKeys: string[] }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vitrina-unreachable-'));
  fs.mkdirSync(path.join(dir, 'images'));
  const base = idBase();
  const lines = [STYLE_COLUMNS.join(',')];
  const originalKeys: string[] = [];
  for (let i = 0; i < 2; i += 1) {
    const id = base + i;
    const [r, g, b] = crypto.randomBytes(3);
    const image = await sharp({ create: { width: 40 + crypto.randomInt(40), height: 60 + crypto.randomInt(40), channels: 3, background: { r: r!, g: g!, b: b! } } }).jpeg().toBuffer();
    fs.writeFileSync(path.join(dir, 'images', `${id}.jpg`), image);
    originalKeys.push(`original/${crypto.createHash('sha256').update(image).digest('hex')}.jpg`);
    lines.push(`${id},Men,Apparel,Topwear,Shirts,Blue,Fall,2012,Casual,Unreachable Test Shirt ${i}`);
  }
  fs.writeFileSync(path.join(dir, 'styles.csv'), `${lines.join('\n')}\n`);
  return { dir, originalKeys };
}

function runIngest(dataset: string, env: Record<string, string>, timeoutS: number): Promise<{ code: number | null; output: string; seconds: number }> {
  return new Promise((resolve) => {
    const began = Date.now();
    const child = spawn(process.execPath, [path.join(root, 'bin', 'vitrina.js'), 'ingest', '--dataset', dataset, '--connect-timeout', String(timeoutS)], {
      cwd: root,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    const killer = setTimeout(() => child.kill('SIGKILL'), 60_000); // the bound of this test, not of ingest
    child.on('exit', (code) => {
      clearTimeout(killer);
      resolve({ code, output, seconds: (Date.now() - began) / 1000 });
    });
  });
}

/** Accepts TCP connections and never answers a byte. */
async function silentServer(t: { teardown: (fn: () => unknown) => void }): Promise<number> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => undefined);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.teardown(async () => {
    for (const s of sockets) s.destroy();
    await new Promise((r) => server.close(r));
  });
  return (server.address() as net.AddressInfo).port;
}

const s3 = createS3(loadConfig());

for (const kind of ['nothing listening', 'accepts but never answers'] as const) {
  t.test(`ingest with Kafka unreachable (${kind}) says so, gives up in bounded time and writes nothing`, async (t) => {
    const port = kind === 'nothing listening' ? await freePort() : await silentServer(t);
    const dataset = await uniqueDataset();
    const run = await runIngest(dataset.dir, { KAFKA_BROKERS: `127.0.0.1:${port}` }, 4);
    t.match(run.output, new RegExp(`waiting for Kafka at 127\\.0\\.0\\.1:${port}`), 'it names what it is waiting for');
    t.match(run.output, new RegExp(`Kafka at 127\\.0\\.0\\.1:${port} did not answer within 4 s`), 'the error says what failed and after how long');
    t.match(run.output, /nothing was written/, 'and that nothing was written');
    t.equal(run.code, 69, 'exit code 69 (EX_UNAVAILABLE)');
    t.ok(run.seconds < 25, `it gave up in ${run.seconds.toFixed(1)} s (timeout 4 s plus start-up)`);
    for (const key of dataset.originalKeys) t.notOk(await objectExists(s3, buckets.images, key), `no image stored (${key.slice(0, 20)}…)`);
  });
}

t.test('ingest with MinIO unreachable (accepts but never answers) says so and gives up in bounded time, nothing stored', async (t) => {
  const port = await silentServer(t);
  const dataset = await uniqueDataset();
  const run = await runIngest(dataset.dir, { S3_ENDPOINT: `http://127.0.0.1:${port}` }, 4);
  t.match(run.output, new RegExp(`waiting for MinIO at http://127\\.0\\.0\\.1:${port}`), 'it names MinIO and its address');
  t.match(run.output, new RegExp(`MinIO at http://127\\.0\\.0\\.1:${port} did not answer within 4 s.*nothing was written`), 'the error');
  t.equal(run.code, 69, 'exit code 69');
  t.ok(run.seconds < 25, `it gave up in ${run.seconds.toFixed(1)} s`);
  for (const key of dataset.originalKeys) t.notOk(await objectExists(s3, buckets.images, key), 'no image in the real MinIO');
});
