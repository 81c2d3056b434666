// The model server end to end through the typed gRPC client, with the tiny model: dimension,
// normalisation, determinism, INVALID_ARGUMENT for every kind of bad input, dynamic batching of
// concurrent requests, versions served by name, and a hot swap under load that fails no request.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import sharp from 'sharp';
import t from 'tap';
import { startModelServer, type ModelServer } from '../../models/server.ts';
import { createEncoderClient, encoderProto, type EncoderClient } from '../../proto/client.ts';

const MAX_BATCH = 16;
const MAX_IMAGE_BYTES = 1024 * 1024;

let server: ModelServer;
let client: EncoderClient;

t.before(async () => {
  server = await startModelServer({
    address: '127.0.0.1:0',
    model: 'tiny',
    cacheDir: fs.mkdtempSync(path.join(os.tmpdir(), 'vitrina-model-server-')),
    s3: null,
    maxBatch: MAX_BATCH,
    maxWaitMs: 20,
    maxImageBytes: MAX_IMAGE_BYTES,
    maxTextChars: 500,
    threads: 1,
  });
  client = createEncoderClient(server.address);
});

t.teardown(async () => {
  client?.close();
  await server?.stop();
});

const image = (r: number, g: number, b: number, width = 60, height = 80): Promise<Buffer> => sharp({ create: { width, height, channels: 3, background: { r, g, b } } }).jpeg().toBuffer();
const norm = (v: Float32Array): number => Math.hypot(...v);
const codeOf = async (p: Promise<unknown>): Promise<number | string> => p.then(() => 'ok', (err: { code?: number }) => err.code ?? 'no code');

t.test('texts and images: dimension, unit length, deterministic', async (t) => {
  const texts = await client.embedTexts(['white sneakers for men', 'ladies black handbag']);
  t.equal(texts.modelVersion, 'tiny');
  t.equal(texts.dimension, 32);
  t.equal(texts.vectors.length, 2);
  for (const v of texts.vectors) {
    t.equal(v.length, 32);
    t.ok(Math.abs(norm(v) - 1) < 1e-5, 'unit length');
  }
  const twice = await client.embedTexts(['white sneakers for men', 'ladies black handbag']);
  t.same(twice.vectors.map((v) => [...v]), texts.vectors.map((v) => [...v]), 'the same request gives the same bytes');
  const alone = await client.embedTexts(['ladies black handbag']);
  const drift = Math.max(...alone.vectors[0]!.map((x, i) => Math.abs(x - texts.vectors[1]![i]!)));
  t.ok(drift < 1e-6, `alone or padded in a batch, the same vector (max diff ${drift.toExponential(1)})`);

  const images = await client.embedImages([await image(200, 30, 30), await image(30, 30, 200, 300, 200)]);
  t.equal(images.vectors.length, 2);
  t.ok(images.vectors.every((v) => v.length === 32 && Math.abs(norm(v) - 1) < 1e-5), 'unit length');
  const repeat = await client.embedImages([await image(200, 30, 30)]);
  t.same([...repeat.vectors[0]!], [...images.vectors[0]!], 'deterministic');

  const info = await client.describe();
  t.match(info, { version: 'tiny', dimension: 32, source: 'tiny:1', maxBatch: MAX_BATCH, maxImageBytes: MAX_IMAGE_BYTES });
  const Client = encoderProto().vitrina.encoder.v1.Encoder;
  const raw = new Client(server.address, grpc.credentials.createInsecure());
  t.teardown(() => raw.close());
  const health = await new Promise<{ status: string; modelVersion: string }>((resolve, reject) => raw.health({}, (err, res) => (err ? reject(err) : resolve(res as { status: string; modelVersion: string }))));
  t.same(health, { status: 'SERVING', modelVersion: 'tiny' });
});

t.test('bad input is INVALID_ARGUMENT with a message, and the server keeps serving', async (t) => {
  const INVALID = grpc.status.INVALID_ARGUMENT;
  const cases: Array<[string, () => Promise<unknown>]> = [
    ['an empty batch of texts', () => client.embedTexts([])],
    ['an empty text', () => client.embedTexts(['fine', ''])],
    ['a text of spaces', () => client.embedTexts(['   \n'])],
    ['an over-long text', () => client.embedTexts(['x'.repeat(501)])],
    ['an oversized batch of texts', () => client.embedTexts(Array(MAX_BATCH + 1).fill('shirt'))],
    ['an empty batch of images', () => client.embedImages([])],
    ['bytes that are not an image', () => client.embedImages([Buffer.from('GIF89a but not really')])],
    ['a truncated JPEG', async () => client.embedImages([(await image(1, 2, 3)).subarray(0, 100)])],
    ['an empty image', () => client.embedImages([Buffer.alloc(0)])],
    ['an image over the size limit', () => client.embedImages([Buffer.alloc(MAX_IMAGE_BYTES + 1, 7)])],
    ['an oversized batch of images', async () => client.embedImages(Array(MAX_BATCH + 1).fill(await image(9, 9, 9)))],
  ];
  for (const [what, call] of cases) {
    const err = await call().then(
      () => undefined,
      (e: grpc.ServiceError) => e,
    );
    t.equal(err?.code, INVALID, what);
    t.ok((err?.details ?? '').length > 0, `${what}: "${err?.details}"`);
  }
  t.equal(await codeOf(client.embedTexts(['x'], 'no-such-version')), grpc.status.NOT_FOUND, 'an unknown model_version is NOT_FOUND');
  t.equal(await codeOf(client.embedTexts(['x'], '../../etc')), grpc.status.NOT_FOUND, 'a path as model_version is NOT_FOUND');
  t.equal((await client.embedTexts(['still serving'])).vectors.length, 1, 'the server survived all of it');
});

t.test('concurrent requests are batched dynamically', async (t) => {
  const before = server.stats();
  const jpeg = await image(10, 120, 60);
  await Promise.all([...Array.from({ length: 48 }, (_, i) => client.embedTexts([`shirt number ${i}`])), ...Array.from({ length: 24 }, () => client.embedImages([jpeg]))]);
  const after = server.stats();
  const textBatches = after.texts.batches - before.texts.batches;
  const imageBatches = after.images.batches - before.images.batches;
  t.equal(after.texts.requests - before.texts.requests, 48);
  t.ok(textBatches < 48 / 2, `48 text requests ran in ${textBatches} batches`);
  t.ok(imageBatches < 24 / 2, `24 image requests ran in ${imageBatches} batches`);
  t.ok(after.texts.largest > 1 && after.texts.largest <= MAX_BATCH, `largest batch ${after.texts.largest}, at most ${MAX_BATCH}`);
});

t.test('a version asked for by name is loaded on demand next to the champion', async (t) => {
  const named = await client.embedTexts(['blue jeans'], 'tiny-3');
  t.equal(named.modelVersion, 'tiny-3');
  const champion = await client.embedTexts(['blue jeans']);
  t.equal(champion.modelVersion, 'tiny');
  t.notSame([...named.vectors[0]!], [...champion.vectors[0]!], 'other weights');
  const info = await client.describe('tiny-3');
  t.equal(info.version, 'tiny-3');
  t.ok(info.loadedVersions.includes('tiny') && info.loadedVersions.includes('tiny-3'));
});

t.test('a hot swap while requests are in flight fails none of them', async (t) => {
  const jpeg = await image(90, 90, 200);
  const seen = new Set<string>();
  let failures = 0;
  let stop = false;
  const worker = async (i: number): Promise<number> => {
    let done = 0;
    while (!stop) {
      const result = await (i % 2 === 0 ? client.embedTexts([`query ${i} ${done}`]) : client.embedImages([jpeg])).catch((err: Error) => {
        failures += 1;
        t.fail(`request failed during the swap: ${err.message}`);
        return undefined;
      });
      if (result) seen.add(result.modelVersion);
      done += 1;
    }
    return done;
  };
  const workers = Array.from({ length: 12 }, (_, i) => worker(i));
  await new Promise((r) => setTimeout(r, 300));
  await server.promote('tiny-2');
  t.equal(server.champion(), 'tiny-2');
  await new Promise((r) => setTimeout(r, 300));
  stop = true;
  const total = (await Promise.all(workers)).reduce((a, b) => a + b, 0);
  t.equal(failures, 0, `${total} requests across the swap, none failed`);
  t.ok(seen.has('tiny') && seen.has('tiny-2'), `answered by both versions: ${[...seen].join(', ')}`);
  t.equal((await client.embedTexts(['after'])).modelVersion, 'tiny-2', 'new requests go to the new champion');
  await new Promise((r) => setTimeout(r, 100));
  t.notOk(server.stats().loadedVersions.includes('tiny'), 'the old champion was closed once its requests finished');
});
