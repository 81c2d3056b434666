// Per-version adapters: e = normalize(x + W x + b) on each side, read from adapter.json or from
// float32 files, and an "adapter" version served as its base version plus the adapter.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import t from 'tap';
import { applyAdapter, loadAdapter, writeAdapterJson, type Adapter } from '../../models/adapter.ts';
import { loadVersionDir } from '../../models/load-version.ts';
import { writeManifest } from '../../models/manifest.ts';
import type { LoadContext } from '../../models/sources/context.ts';
import { writeTinyModel } from '../../models/tiny/generate.ts';
import { mulberry32, uniformWeights } from '../../models/util/prng.ts';

const tmp = (): string => fs.mkdtempSync(path.join(os.tmpdir(), 'vitrina-adapter-'));

function randomAdapter(dim: number, seed: number): Adapter {
  const random = mulberry32(seed);
  return {
    dim,
    image: { weight: uniformWeights(random, dim * dim, 0.2), bias: uniformWeights(random, dim, 0.1) },
    text: { weight: uniformWeights(random, dim * dim, 0.2), bias: uniformWeights(random, dim, 0.1) },
  };
}

/** normalize(x + W x + b) in float64, the reference. */
function expected(side: { weight: Float32Array; bias: Float32Array }, x: Float32Array): number[] {
  const dim = x.length;
  const y = Array.from({ length: dim }, (_, r) => x[r]! + side.bias[r]! + Array.from({ length: dim }, (_, c) => side.weight[r * dim + c]! * x[c]!).reduce((a, b) => a + b, 0));
  const norm = Math.hypot(...y);
  return y.map((v) => v / norm);
}

t.test('the residual map and its two file formats', async (t) => {
  const adapter = randomAdapter(4, 3);
  const x = Float32Array.from([0.5, -0.5, 0.5, 0.5]);
  const out = applyAdapter(adapter.image, x.slice());
  expected(adapter.image!, x).forEach((v, i) => t.ok(Math.abs(out[i]! - v) < 1e-6, `component ${i}`));
  t.same([...applyAdapter(undefined, x)], [...x], 'no adapter on a side: unchanged');
  const zero = { weight: new Float32Array(16), bias: new Float32Array(4) };
  t.same([...applyAdapter(zero, Float32Array.from([3, 0, 4, 0]))].map((v) => Math.round(v * 1e6) / 1e6), [0.6, 0, 0.8, 0], 'W = 0, b = 0: just normalised');

  const dir = tmp();
  writeAdapterJson(path.join(dir, 'adapter.json'), adapter);
  const fromJson = loadAdapter(dir, { format: 'json' });
  t.same([...fromJson.text!.weight], [...adapter.text!.weight], 'adapter.json round trip');
  const raw = (values: Float32Array): Buffer => Buffer.from(values.buffer.slice(values.byteOffset, values.byteOffset + values.byteLength));
  fs.writeFileSync(path.join(dir, 'w.f32'), raw(adapter.image!.weight));
  fs.writeFileSync(path.join(dir, 'b.f32'), raw(adapter.image!.bias));
  const fromF32 = loadAdapter(dir, { format: 'float32', dim: 4, image: { weight: 'w.f32', bias: 'b.f32' } });
  t.same([...fromF32.image!.bias], [...adapter.image!.bias], 'float32 files');
  t.equal(fromF32.text, undefined, 'a side left out stays the identity');
  t.throws(() => loadAdapter(dir, { format: 'float32', dim: 5, image: { weight: 'w.f32', bias: 'b.f32' } }), /expected 25 float32 values/);
});

t.test('an adapter version serves its base version plus the adapter', async (t) => {
  const root = tmp();
  const baseDir = writeTinyModel(path.join(root, 'tiny'), { seed: 1 });
  const context: LoadContext = { cacheDir: root, log: () => undefined, loadVersion: (v) => (v === 'tiny' ? loadVersionDir(baseDir, context) : Promise.reject(new Error(v))) };
  const adapter = randomAdapter(32, 11);
  const adapted = path.join(root, 'tiny-adapted');
  writeManifest(adapted, { source: 'adapter', name: 'vitrina-tiny', version: 'tiny-adapted', baseVersion: 'tiny', adapter: { format: 'json', file: 'adapter.json' } });
  writeAdapterJson(path.join(adapted, 'adapter.json'), adapter);

  const base = await loadVersionDir(baseDir, context);
  const model = await loadVersionDir(adapted, context);
  t.teardown(async () => {
    await base.close();
    await model.close();
  });
  t.equal(model.info.version, 'tiny-adapted');
  t.equal(model.info.source, 'adapter:tiny+tiny-adapted');
  const [x] = await base.embedTexts(['black leather handbag']);
  const [y] = await model.embedTexts(['black leather handbag']);
  expected(adapter.text!, x!).forEach((v, i) => t.ok(Math.abs(y![i]! - v) < 1e-5, `text component ${i}`));
  const image = await sharp({ create: { width: 60, height: 80, channels: 3, background: '#884422' } }).png().toBuffer();
  const [xi] = await base.embedImages([image]);
  const [yi] = await model.embedImages([image]);
  const want = expected(adapter.image!, xi!);
  t.ok(want.every((v, i) => Math.abs(yi![i]! - v) < 1e-5), 'image side adapted');
});
