// Finding model versions without MinIO: the cache, versions bundled with the repository, generated
// tiny models, and clear refusals of unknown or unsafe names.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import t from 'tap';
import { ModelNotFoundError } from '../../models/errors.ts';
import { readManifest, writeManifest } from '../../models/manifest.ts';
import { ModelStore, tinyModelsFromEnv } from '../../models/store.ts';

const tmp = (): string => fs.mkdtempSync(path.join(os.tmpdir(), 'vitrina-store-'));

t.test('tiny versions are generated into the cache once, where tests ask for them', async (t) => {
  const cacheDir = tmp();
  const store = new ModelStore({ cacheDir, s3: null, bundledDirs: [], tinyModels: true });
  const dir = await store.resolve('tiny-5');
  t.equal(dir, path.join(cacheDir, 'models', 'tiny-5'));
  t.match(readManifest(dir), { source: 'tiny', seed: 5, version: 'tiny-5' });
  const stamp = fs.statSync(path.join(dir, 'onnx', 'text_model.onnx')).mtimeMs;
  await store.resolve('tiny-5');
  t.equal(fs.statSync(path.join(dir, 'onnx', 'text_model.onnx')).mtimeMs, stamp, 'not rewritten');
  t.equal(await store.available('tiny-5'), true);
  t.equal(await store.available('tiny-6'), false, 'available() does not generate');
});

t.test('a bundled directory serves the version its model.json names', async (t) => {
  const bundled = tmp();
  writeManifest(bundled, { source: 'tiny', version: 'base-v9', seed: 2 });
  const cacheDir = tmp();
  const store = new ModelStore({ cacheDir, s3: null, bundledDirs: [bundled] });
  const dir = await store.resolve('base-v9');
  t.equal(dir, path.join(cacheDir, 'models', 'base-v9'), 'copied into the cache at first use');
  t.same(JSON.parse(fs.readFileSync(path.join(dir, 'model.json'), 'utf8')), JSON.parse(fs.readFileSync(path.join(bundled, 'model.json'), 'utf8')));
  fs.rmSync(path.join(bundled, 'model.json'));
  t.equal(await store.resolve('base-v9'), dir, 'and still found there once the repository bundles another version');
  t.equal(await store.available('base-v9'), true);
  await t.rejects(store.resolve('base-v8'), ModelNotFoundError);
  const other = tmp();
  writeManifest(other, { source: 'tiny', version: 'base-v10', seed: 3 });
  t.equal(await new ModelStore({ cacheDir: tmp(), s3: null, bundledDirs: [other] }).defaultVersion(), 'base-v10', 'the default is the bundled version');
  t.equal(await new ModelStore({ cacheDir: tmp(), s3: null, bundledDirs: [tmp()], tinyModels: true }).defaultVersion(), 'tiny', 'else the tiny model where tests allow it');
  await t.rejects(new ModelStore({ cacheDir: tmp(), s3: null, bundledDirs: [tmp()], tinyModels: false }).defaultVersion(), /no model version to serve/, 'and an error elsewhere');
});

t.test('without tinyModels no tiny version is generated: NOT_FOUND, and nothing written', async (t) => {
  const cacheDir = tmp();
  const store = new ModelStore({ cacheDir, s3: null, bundledDirs: [], tinyModels: false });
  for (const version of ['tiny', 'tiny-5', 'tiny-999']) await t.rejects(store.resolve(version), { name: 'ModelNotFoundError', message: new RegExp(`model version ${version} is not known`) });
  t.notOk(fs.existsSync(path.join(cacheDir, 'models')), 'the cache holds no model');
  t.equal(tinyModelsFromEnv({ VITRINA_TINY_MODELS: '1' }), true);
  t.equal(tinyModelsFromEnv({}), false, 'off unless asked for');
});

t.test('unknown and unsafe version names are ModelNotFoundError', async (t) => {
  const store = new ModelStore({ cacheDir: tmp(), s3: null, bundledDirs: [] });
  await t.rejects(store.resolve('no-such-version'), ModelNotFoundError);
  for (const bad of ['../etc', '/abs/path', 'a/b', '', '.hidden']) await t.rejects(store.resolve(bad), ModelNotFoundError, JSON.stringify(bad));
  const refusal = await store.resolve('/abs/path').catch((err: Error) => err.message);
  t.notMatch(refusal, /abs/, 'the refusal does not echo a path-like name');
  const unknown = await store.resolve('no-such-version').catch((err: Error) => err.message);
  t.notOk(unknown.includes(os.tmpdir()), `an unknown version names no cache path (${unknown})`);
});

t.test('the base recipe model.json is read as source "base"', async (t) => {
  const dir = tmp();
  fs.writeFileSync(path.join(dir, 'model.json'), JSON.stringify({ name: 'vitrina-base', version: 'base-v1', image_encoder: { file: 'image_encoder.onnx' }, text_projection: { file: 'text_projection.onnx' }, text_tower: {} }));
  t.equal(readManifest(dir).source, 'base');
  fs.writeFileSync(path.join(dir, 'model.json'), JSON.stringify({ version: 'x' }));
  t.throws(() => readManifest(dir), /names no source/);
});
