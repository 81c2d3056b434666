// The clip-onnx source on a model in the layout Hugging Face repositories publish for CLIP ONNX
// exports (the tiny model written that way): read from a directory and downloaded from a URL,
// with embeddings equal to what Python (tokenizers + Pillow/numpy + onnxruntime) computes on the
// same files (models/parity/encoder_reference.py).
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import t from 'tap';
import { sha256File } from '../../models/util/files.ts';
import { loadVersionDir } from '../../models/load-version.ts';
import { writeManifest } from '../../models/manifest.ts';
import type { LoadContext } from '../../models/sources/context.ts';
import { clipPreprocessing } from '../../models/sources/clip-preprocessor.ts';
import { writeTinyModel } from '../../models/tiny/generate.ts';
import { knownImage } from './known-image.ts';

const reference = JSON.parse(fs.readFileSync(new URL('./encoder-parity-reference.json', import.meta.url), 'utf8')) as {
  tiny: { texts: string[]; text_embeddings: number[][]; image_150x100: number[] };
};

const tmp = (): string => fs.mkdtempSync(path.join(os.tmpdir(), 'vitrina-clip-'));
const context = (cacheDir: string): LoadContext => ({ cacheDir, log: () => undefined, loadVersion: () => Promise.reject(new Error('no other versions here')) });


function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let max = 0;
  for (let i = 0; i < a.length; i += 1) max = Math.max(max, Math.abs(a[i]! - b[i]!));
  return max;
}

t.test('a CLIP ONNX export in a directory (no model.json) embeds like Python does', async (t) => {
  const dir = writeTinyModel(path.join(tmp(), 'clip-export'), { seed: 1, manifest: 'none' });
  t.ok(fs.existsSync(path.join(dir, 'onnx', 'text_model.onnx')) && fs.existsSync(path.join(dir, 'onnx', 'vision_model.onnx')), 'Hugging Face layout');
  const model = await loadVersionDir(dir, context(tmp()));
  t.teardown(() => model.close());
  t.equal(model.info.dimension, 32);
  t.match(model.info.source, /^clip-onnx:/);
  const texts = await model.embedTexts(reference.tiny.texts);
  texts.forEach((v, i) => {
    const diff = maxAbsDiff(v, reference.tiny.text_embeddings[i]!);
    t.ok(diff < 1e-5, `text ${i}: within 1e-5 of Python (max diff ${diff.toExponential(2)})`);
  });
  const [image] = await model.embedImages([await knownImage(150, 100)]);
  const diff = maxAbsDiff(image!, reference.tiny.image_150x100);
  t.ok(diff < 1e-5, `image: within 1e-5 of Python (max diff ${diff.toExponential(2)})`);
  t.ok(Math.abs(Math.hypot(...image!) - 1) < 1e-5, 'L2-normalised');
});

t.test('a CLIP ONNX export downloaded from a base URL into the cache', async (t) => {
  const published = writeTinyModel(path.join(tmp(), 'published'), { seed: 1, manifest: 'none' });
  const requests: string[] = [];
  const server = http.createServer((req, res) => {
    requests.push(req.url ?? '');
    const file = path.join(published, decodeURIComponent((req.url ?? '/').replace(/^\/repo\/resolve\/main\//, '')));
    if (!file.startsWith(published) || !fs.existsSync(file) || fs.statSync(file).isDirectory()) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': 'application/octet-stream' }).end(fs.readFileSync(file));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(() => new Promise<void>((resolve) => server.close(() => resolve())));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/repo/resolve/main/`;

  const version = path.join(tmp(), 'clip-from-url');
  const files = ['onnx/text_model.onnx', 'onnx/vision_model.onnx', 'tokenizer.json', 'preprocessor_config.json', 'tokenizer_config.json', 'config.json'].filter((f) => fs.existsSync(path.join(published, f)));
  const sha256 = Object.fromEntries(files.map((f) => [f, sha256File(path.join(published, f))]));
  writeManifest(version, { source: 'clip-onnx', name: 'clip', version: 'clip-from-url', url: base, sha256 });
  const model = await loadVersionDir(version, context(tmp()));
  t.teardown(() => model.close());
  t.ok(fs.existsSync(path.join(version, 'onnx', 'vision_model.onnx')), 'files downloaded into the version directory');
  t.ok(requests.includes('/repo/resolve/main/onnx/text_model.onnx'), 'fetched onnx/text_model.onnx');
  const [v] = await model.embedTexts([reference.tiny.texts[0]!]);
  t.ok(maxAbsDiff(v!, reference.tiny.text_embeddings[0]!) < 1e-5, 'same embeddings as the directory');

  const before = requests.length;
  const again = await loadVersionDir(version, context(tmp()));
  await again.close();
  t.equal(requests.length, before, 'a second load uses the cached files');

  const broken = path.join(tmp(), 'clip-missing');
  writeManifest(broken, { source: 'clip-onnx', version: 'clip-missing', url: `${base}nothing-here/`, sha256 });
  await t.rejects(loadVersionDir(broken, context(tmp())), /HTTP 404/, 'a URL without the export is a clear error');

  const unverified = path.join(tmp(), 'clip-unverified');
  writeManifest(unverified, { source: 'clip-onnx', version: 'clip-unverified', url: base });
  const asked = requests.length;
  await t.rejects(loadVersionDir(unverified, context(tmp())), /no sha256 for onnx\/text_model\.onnx/, 'a URL without checksums is refused');
  t.equal(requests.length, asked, 'before fetching anything');
});

t.test("preprocessor_config.json in its older and newer forms", async (t) => {
  const older = clipPreprocessing({ size: 224, crop_size: 224, resample: 3, do_center_crop: true });
  t.same(older.resize, { shortestEdge: 224 });
  t.same(older.centerCrop, { width: 224, height: 224 });
  t.equal(older.resample, 'bicubic');
  const newer = clipPreprocessing({ size: { height: 256, width: 256 }, do_center_crop: false, resample: 2, image_mean: [0.5, 0.5, 0.5], image_std: [0.5, 0.5, 0.5] });
  t.same(newer.resize, { width: 256, height: 256 });
  t.equal(newer.centerCrop, null);
  t.equal(newer.resample, 'bilinear');
  t.same(newer.mean, [0.5, 0.5, 0.5]);
  t.throws(() => clipPreprocessing({ resample: 0 }), /not supported/);
});
