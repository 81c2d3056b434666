// model.json is input from MinIO or a URL: its file names must be plain relative names inside the
// version directory (no "..", no absolute path), and remote files are fetched with a timeout and a
// size cap, and kept only when their sha256 (required in model.json) matches.
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import t from 'tap';
import { readManifest } from '../../models/manifest.ts';
import { downloadModelFiles } from '../../models/sources/download.ts';

const tmp = (): string => fs.mkdtempSync(path.join(os.tmpdir(), 'vitrina-manifest-'));
const sha = (data: string | Buffer): string => crypto.createHash('sha256').update(data).digest('hex');

function manifestIn(json: Record<string, unknown>): string {
  const dir = path.join(tmp(), 'v');
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'model.json'), JSON.stringify(json));
  return dir;
}

const UNSAFE = ['../../escape.onnx', '/etc/passwd', 'onnx/../../x.onnx', 'a\\b.onnx', '', './x', 'x\u0000y', 'a//b', 42];

t.test('file names in model.json must be plain relative names', async (t) => {
  for (const bad of UNSAFE) {
    t.throws(() => readManifest(manifestIn({ source: 'clip-onnx', files: { text: bad } })), /not a plain relative file name|must be a string/, `clip-onnx files.text ${JSON.stringify(bad)}`);
    t.throws(() => readManifest(manifestIn({ source: 'adapter', baseVersion: 'tiny', adapter: { format: 'float32', dim: 2, image: { weight: bad, bias: 'b.f32' } } })), /not a plain relative file name|must be a string/, `adapter weight ${JSON.stringify(bad)}`);
    t.throws(() => readManifest(manifestIn({ text_tower: {}, image_encoder: { file: bad }, text_projection: { file: 't.onnx' } })), /not a plain relative file name|must be a string/, `base image_encoder.file ${JSON.stringify(bad)}`);
  }
  t.throws(() => readManifest(manifestIn({ source: 'adapter', baseVersion: '../other', adapter: {} })), /baseVersion/, 'a path as baseVersion');
  t.throws(() => readManifest(manifestIn({ source: 'clip-onnx', url: 'file:///etc/' })), /http/, 'a non-HTTP URL');
  t.throws(() => readManifest(manifestIn({ source: 'clip-onnx', url: 'https://x.example/', sha256: { 'onnx/text_model.onnx': 'abc' } })), /sha256/, 'a malformed checksum');
  t.match(readManifest(manifestIn({ source: 'clip-onnx', files: { text: 'onnx/text_model.onnx' } })), { files: { text: 'onnx/text_model.onnx' } }, 'a plain nested name is fine');
});

t.test('remote files: checksum required and verified, timeout and size cap', async (t) => {
  const body = 'model bytes';
  let stall = false;
  const server = http.createServer((req, res) => {
    if (stall) return; // never answers
    if (req.url?.endsWith('big.bin')) {
      res.writeHead(200).end(Buffer.alloc(4096, 1));
      return;
    }
    res.writeHead(200).end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(() => {
    server.closeAllConnections();
    return new Promise<void>((resolve) => server.close(() => resolve()));
  });
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/repo/`;

  const noSum = tmp();
  await t.rejects(downloadModelFiles(base, noSum, { required: ['a.bin'], sha256: {} }), /a\.bin.*sha256/, 'no checksum: refused before fetching');
  t.notOk(fs.existsSync(path.join(noSum, 'a.bin')));

  const wrong = tmp();
  await t.rejects(downloadModelFiles(base, wrong, { required: ['a.bin'], sha256: { 'a.bin': sha('other') } }), /does not match its sha256/);
  t.same(fs.readdirSync(wrong), [], 'nothing is kept');

  const big = tmp();
  await t.rejects(downloadModelFiles(base, big, { required: ['big.bin'], sha256: { 'big.bin': sha(Buffer.alloc(4096, 1)) }, maxBytes: 1000 }), /more than 1000 bytes/);
  t.same(fs.readdirSync(big), [], 'nothing is kept');

  const good = tmp();
  await downloadModelFiles(base, good, { required: ['onnx/a.bin'], sha256: { 'onnx/a.bin': sha(body) } });
  t.equal(fs.readFileSync(path.join(good, 'onnx', 'a.bin'), 'utf8'), body, 'a verified file is kept');

  stall = true;
  const slow = tmp();
  const began = Date.now();
  await t.rejects(downloadModelFiles(base, slow, { required: ['a.bin'], sha256: { 'a.bin': sha(body) }, timeoutMs: 300 }), /timed out after 300 ms/);
  t.ok(Date.now() - began < 5_000, `a stalled server is given up on (${Date.now() - began} ms)`);
  await t.rejects(downloadModelFiles(base, tmp(), { required: ['../up.bin'], sha256: { '../up.bin': sha(body) } }), /not a plain relative file name/);
});
