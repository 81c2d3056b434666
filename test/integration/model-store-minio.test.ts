// Model versions in MinIO: a version published under "<version>/<file>" in vitrina-models is
// downloaded into an empty cache on first use and serves the same embeddings.
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import t from 'tap';
import { loadVersionDir } from '../../models/load-version.ts';
import type { LoadContext } from '../../models/sources/context.ts';
import { ModelStore } from '../../models/store.ts';
import { writeTinyModel } from '../../models/tiny/generate.ts';
import { buckets, createS3 } from '../../platform/s3.ts';

t.test('publish to MinIO, resolve from an empty cache', async (t) => {
  const s3 = createS3();
  const version = `test-tiny-${randomUUID().slice(0, 8)}`;
  const source = writeTinyModel(fs.mkdtempSync(path.join(os.tmpdir(), 'vitrina-publish-')), { seed: 12, version });
  const publisher = new ModelStore({ cacheDir: fs.mkdtempSync(path.join(os.tmpdir(), 'vitrina-cache-a-')), s3, bundledDirs: [] });
  t.equal(await publisher.publish(version, source), 6, 'six files uploaded');
  t.teardown(async () => {
    const keys: string[] = [];
    for await (const item of s3.listObjectsV2(buckets.models, `${version}/`, true)) keys.push((item as { name: string }).name);
    await s3.removeObjects(buckets.models, keys);
  });

  const cacheDir = fs.mkdtempSync(path.join(os.tmpdir(), 'vitrina-cache-b-'));
  const store = new ModelStore({ cacheDir, s3, bundledDirs: [] });
  t.equal(await store.available(version), true);
  const dir = await store.resolve(version);
  t.equal(dir, path.join(cacheDir, 'models', version), 'downloaded into <cache>/models/<version>');
  t.same(fs.readFileSync(path.join(dir, 'onnx', 'text_model.onnx')), fs.readFileSync(path.join(source, 'onnx', 'text_model.onnx')), 'same bytes');

  const context: LoadContext = { cacheDir, log: () => undefined, loadVersion: () => Promise.reject(new Error('none')) };
  const a = await loadVersionDir(source, context);
  const b = await loadVersionDir(dir, context);
  t.teardown(async () => {
    await a.close();
    await b.close();
  });
  t.same([...(await b.embedTexts(['denim jacket']))[0]!], [...(await a.embedTexts(['denim jacket']))[0]!], 'same embeddings');
  t.equal(b.info.version, version);
});

t.test('a bundled version is published to MinIO at first use, so another machine finds it there', async (t) => {
  const s3 = createS3();
  const version = `test-bundled-${randomUUID().slice(0, 8)}`;
  const bundled = writeTinyModel(fs.mkdtempSync(path.join(os.tmpdir(), 'vitrina-bundled-')), { seed: 13, version });
  t.teardown(async () => {
    const keys: string[] = [];
    for await (const item of s3.listObjectsV2(buckets.models, `${version}/`, true)) keys.push((item as { name: string }).name);
    await s3.removeObjects(buckets.models, keys);
  });
  const first = new ModelStore({ cacheDir: fs.mkdtempSync(path.join(os.tmpdir(), 'vitrina-cache-c-')), s3, bundledDirs: [bundled] });
  await first.resolve(version);
  const other = new ModelStore({ cacheDir: fs.mkdtempSync(path.join(os.tmpdir(), 'vitrina-cache-d-')), s3, bundledDirs: [] });
  const dir = await other.resolve(version);
  t.same(fs.readFileSync(path.join(dir, 'onnx', 'vision_model.onnx')), fs.readFileSync(path.join(bundled, 'onnx', 'vision_model.onnx')), 'downloaded from MinIO with the same bytes');
});
