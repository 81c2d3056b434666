// The bad-input suite's gRPC share: hostile and clumsy requests to a real model server (in-process,
// looking versions up in the test stack's MinIO, tiny models NOT generated on demand). Each request
// gets its own status code (never INTERNAL or UNKNOWN) and a message that names no filesystem path;
// afterwards a good request still answers.
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import sharp from 'sharp';
import t, { type Test } from 'tap';
import { writeManifest } from '../../models/manifest.ts';
import { startModelServer, type ModelServer } from '../../models/server.ts';
import { createEncoderClient, type EncoderClient } from '../../proto/client.ts';
import { loadConfig } from '../../platform/config.ts';
import { createS3 } from '../../platform/s3.ts';

const MAX_BATCH = 8;
const MAX_IMAGE_BYTES = 512 * 1024;
const MAX_TEXT_CHARS = 300;

const cacheDir = fs.mkdtempSync(path.join(os.tmpdir(), 'vitrina-bad-grpc-'));
const version = `bad-grpc-${crypto.randomBytes(4).toString('hex')}`;
const modelDir = path.join(cacheDir, 'configured', version);
writeManifest(modelDir, { source: 'tiny', seed: 21, version });

let server: ModelServer;
let client: EncoderClient;
let raw: grpc.Client;

t.before(async () => {
  server = await startModelServer({
    address: '127.0.0.1:0',
    model: modelDir,
    cacheDir,
    s3: createS3(loadConfig()),
    tinyModels: false,
    maxBatch: MAX_BATCH,
    maxImageBytes: MAX_IMAGE_BYTES,
    maxTextChars: MAX_TEXT_CHARS,
    threads: 1,
  });
  client = createEncoderClient(server.address, 20_000);
  raw = new grpc.Client(server.address, grpc.credentials.createInsecure());
});

t.teardown(async () => {
  client?.close();
  raw?.close();
  await server?.stop();
  fs.rmSync(cacheDir, { recursive: true, force: true });
});

const solid = (width: number, height: number): Promise<Buffer> => sharp({ create: { width, height, channels: 3, background: { r: 40, g: 90, b: 160 } } }).png().toBuffer();

/** A path in an answer: an absolute POSIX path of two segments or more, or the cache folder. */
function namesPath(message: string): boolean {
  return message.includes(cacheDir) || message.includes(os.tmpdir() + path.sep) || /(^|[\s"'(=:])\/(?:[\w.@+-]+\/)+[\w.@+-]*/.test(message.replace(/https?:\/\/\S+/g, ''));
}

interface Outcome {
  code: grpc.status | 'ok';
  message: string;
}

async function outcome(call: Promise<unknown>): Promise<Outcome> {
  return call.then(
    () => ({ code: 'ok' as const, message: '' }),
    (err: grpc.ServiceError) => ({ code: err.code ?? grpc.status.UNKNOWN, message: err.details ?? err.message }),
  );
}

/** Sends raw bytes as the request message of a method (bytes no proper client would send). */
function rawCall(method: string, body: Buffer): Promise<unknown> {
  return new Promise((resolve, reject) => {
    raw.makeUnaryRequest(
      `/vitrina.encoder.v1.Encoder/${method}`,
      (b: Buffer) => b,
      (b: Buffer) => b,
      body,
      { deadline: Date.now() + 20_000 },
      (err, value) => (err ? reject(err) : resolve(value)),
    );
  });
}

function expectRefused(t: Test, got: Outcome, code: grpc.status, pattern: RegExp, what: string): void {
  t.equal(got.code, code, `${what}: ${grpc.status[code]} (got ${typeof got.code === 'number' ? grpc.status[got.code] : got.code}: ${got.message})`);
  t.notOk(got.code === grpc.status.INTERNAL || got.code === grpc.status.UNKNOWN, `${what}: never INTERNAL or UNKNOWN`);
  t.match(got.message, pattern, `${what}: the message says what is wrong`);
  t.notOk(namesPath(got.message), `${what}: the message names no filesystem path (${got.message})`);
}

const { INVALID_ARGUMENT, NOT_FOUND } = grpc.status;

t.test('bad text requests', async (t) => {
  expectRefused(t, await outcome(client.embedTexts([])), INVALID_ARGUMENT, /no texts given/, 'an empty batch');
  expectRefused(t, await outcome(client.embedTexts(Array.from({ length: MAX_BATCH + 1 }, (_, i) => `shirt ${i}`))), INVALID_ARGUMENT, /limit is 8/, 'a batch over the limit');
  expectRefused(t, await outcome(client.embedTexts(Array.from({ length: 10_000 }, () => 'x'))), INVALID_ARGUMENT, /10000 texts/, 'a batch of 10,000 texts');
  expectRefused(t, await outcome(client.embedTexts(['blue shirt', ''])), INVALID_ARGUMENT, /texts\[1\] is empty/, 'an empty text');
  expectRefused(t, await outcome(client.embedTexts([' \t\n '])), INVALID_ARGUMENT, /texts\[0\] is empty/, 'a whitespace-only text');
  expectRefused(t, await outcome(client.embedTexts(['a'.repeat(MAX_TEXT_CHARS + 1)])), INVALID_ARGUMENT, /301 characters; the limit is 300/, 'a text over the limit');
  expectRefused(t, await outcome(client.embedTexts(['x'.repeat(1_000_000)])), INVALID_ARGUMENT, /1000000 characters/, 'a 1 MB text');
});

t.test('bad image requests', async (t) => {
  const jpeg = await sharp({ create: { width: 120, height: 160, channels: 3, background: { r: 200, g: 10, b: 10 } } }).jpeg().toBuffer();
  const svg = Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" width="60" height="80"><rect width="60" height="80" fill="red"/></svg>');
  const thinHuge = await sharp({ create: { width: 120_000, height: 300, channels: 3, background: { r: 255, g: 255, b: 255 } } }).png().toBuffer();
  const bomb = await sharp({ create: { width: 10_000, height: 6_000, channels: 3, background: { r: 0, g: 0, b: 0 } } }).png({ compressionLevel: 9 }).toBuffer();
  t.ok(thinHuge.length < MAX_IMAGE_BYTES && bomb.length < MAX_IMAGE_BYTES, `the thin and the bomb PNGs are small (${thinHuge.length}, ${bomb.length} bytes)`);

  expectRefused(t, await outcome(client.embedImages([])), INVALID_ARGUMENT, /no images given/, 'an empty image batch');
  expectRefused(t, await outcome(client.embedImages(Array.from({ length: MAX_BATCH + 1 }, () => jpeg))), INVALID_ARGUMENT, /limit is 8/, 'an image batch over the limit');
  expectRefused(t, await outcome(client.embedImages([Buffer.alloc(0)])), INVALID_ARGUMENT, /images\[0\] is empty/, 'an empty image');
  expectRefused(t, await outcome(client.embedImages([Buffer.alloc(MAX_IMAGE_BYTES + 1, 1)])), INVALID_ARGUMENT, /the limit is 524288/, 'an image over the byte limit');
  expectRefused(t, await outcome(client.embedImages([jpeg, Buffer.from('this is not an image at all')])), INVALID_ARGUMENT, /images\[1\].*not a decodable image/, 'bytes that are not an image');
  expectRefused(t, await outcome(client.embedImages([jpeg.subarray(0, Math.floor(jpeg.length * 0.6))])), INVALID_ARGUMENT, /images\[0\]/, 'a truncated JPEG');
  expectRefused(t, await outcome(client.embedImages([svg])), INVALID_ARGUMENT, /svg.*not accepted/i, 'an SVG');
  expectRefused(t, await outcome(client.embedImages([thinHuge])), INVALID_ARGUMENT, /120000x300.*aspect ratio/, 'a thin but huge PNG (120000x300)');
  expectRefused(t, await outcome(client.embedImages([bomb])), INVALID_ARGUMENT, /pixels/, 'a PNG of 60 megapixels (decompression bomb)');
});

t.test('bad model versions', async (t) => {
  expectRefused(t, await outcome(client.embedTexts(['shirt'], 'no-such-version')), NOT_FOUND, /model version no-such-version is not known/, 'an unknown version');
  expectRefused(t, await outcome(client.embedTexts(['shirt'], 'tiny-999')), NOT_FOUND, /tiny-999 is not known/, 'tiny-999 (tiny models are not generated on request)');
  expectRefused(t, await outcome(client.embedImages([await solid(60, 80)], 'tiny-12345')), NOT_FOUND, /not known/, 'another tiny-<n> for images');
  expectRefused(t, await outcome(client.describe('tiny')), NOT_FOUND, /not known/, 'Describe of tiny');
  expectRefused(t, await outcome(client.embedTexts(['shirt'], '../../../etc/passwd')), NOT_FOUND, /not a model version name/, 'a relative path as the version');
  expectRefused(t, await outcome(client.embedTexts(['shirt'], '/etc/passwd')), NOT_FOUND, /not a model version name/, 'an absolute path as the version');
  expectRefused(t, await outcome(client.embedTexts(['shirt'], `${version}/../${version}`)), NOT_FOUND, /not a model version name/, 'a version with a slash');
  expectRefused(t, await outcome(client.embedTexts(['shirt'], 'a'.repeat(500))), NOT_FOUND, /not a model version name/, 'a 500-character version');
  expectRefused(t, await outcome(client.embedTexts(['shirt'], 'v\u0000x')), NOT_FOUND, /not a model version name/, 'a version with a NUL');
  const generated = fs.existsSync(path.join(cacheDir, 'models', 'tiny-999')) || fs.existsSync(path.join(cacheDir, 'models', 'tiny'));
  t.notOk(generated, 'no tiny model was written into the cache');
});

t.test('messages of the wrong wire types', async (t) => {
  // protobufjs reads some wrong wire types leniently (a varint where a string belongs gives an
  // empty string); either way the answer is INVALID_ARGUMENT.
  // Field 1 (texts, a string) sent as a varint 200.
  expectRefused(t, await outcome(rawCall('EmbedTexts', Buffer.from([0x08, 0xc8, 0x01]))), INVALID_ARGUMENT, /malformed request|texts\[0\] is empty/, 'texts as a number');
  // Field 2 (model_version, a string) with a length of 5 and no bytes.
  expectRefused(t, await outcome(rawCall('EmbedImages', Buffer.from([0x12, 0x05]))), INVALID_ARGUMENT, /malformed request|no images given/, 'a cut model_version');
  expectRefused(t, await outcome(rawCall('Describe', Buffer.from([0xff, 0xff, 0xff, 0xff, 0xff, 0xff]))), INVALID_ARGUMENT, /malformed request/, 'garbage bytes');
});

t.test('while large images are being encoded, Health answers promptly', async (t) => {
  // 20:1 and 20 megapixels: inside the limits, so each is decoded and resized (by libvips) for real.
  const large = await sharp({ create: { width: 20_000, height: 1_000, channels: 3, background: { r: 10, g: 120, b: 60 } } }).png().toBuffer();
  const health = (): Promise<number> => {
    const began = Date.now();
    return new Promise((resolve, reject) => {
      raw.makeUnaryRequest('/vitrina.encoder.v1.Encoder/Health', (b: Buffer) => b, (b: Buffer) => b, Buffer.alloc(0), { deadline: Date.now() + 10_000 }, (err) => (err ? reject(err) : resolve(Date.now() - began)));
    });
  };
  let encoding = true;
  const work = Promise.all(Array.from({ length: 4 }, () => client.embedImages([large, large]))).finally(() => (encoding = false));
  const latencies: number[] = [];
  while (encoding && latencies.length < 200) {
    latencies.push(await health());
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  const answered = await work;
  t.equal(answered.length, 4, 'the large images were embedded');
  t.ok(latencies.length > 0, `${latencies.length} Health calls during the encoding`);
  const worst = Math.max(...latencies);
  const sorted = [...latencies].sort((x, y) => x - y);
  t.comment(`Health latencies while encoding: median ${sorted[Math.floor(sorted.length / 2)]} ms, max ${worst} ms over ${latencies.length} calls`);
  t.ok(worst < 2_000, `the slowest Health answer took ${worst} ms (< 2000, a hang guard on a shared machine)`);
});

t.test('after all of that a good request still answers', async (t) => {
  const texts = await client.embedTexts(['navy blue check shirt']);
  t.equal(texts.modelVersion, version);
  t.equal(texts.vectors.length, 1);
  const images = await client.embedImages([await solid(60, 80)]);
  t.equal(images.vectors[0]!.length, texts.dimension);
  t.equal(server.champion(), version);
});
