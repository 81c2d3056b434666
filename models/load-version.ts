// Opens a model version directory: reads model.json, hands the directory to its source, and wraps
// the result with the version's adapter when it has one.
import { applyAdapter, loadAdapter, type Adapter } from './adapter.ts';
import { readManifest } from './manifest.ts';
import { assembleModel, type LoadedModel } from './model.ts';
import { loadBase } from './sources/base.ts';
import { loadClipOnnx } from './sources/clip-onnx.ts';
import type { LoadContext } from './sources/context.ts';
import { loadTiny } from './sources/tiny.ts';

export async function loadVersionDir(dir: string, ctx: LoadContext): Promise<LoadedModel> {
  const manifest = readManifest(dir);
  let model: LoadedModel;
  switch (manifest.source) {
    case 'clip-onnx':
      model = await loadClipOnnx(dir, manifest, ctx);
      break;
    case 'base':
      model = await loadBase(dir, manifest, ctx);
      break;
    case 'tiny':
      model = await loadTiny(dir, manifest, ctx);
      break;
    case 'adapter': {
      if (!manifest.baseVersion) throw new Error(`${dir}/model.json: an adapter version needs "baseVersion"`);
      if (!manifest.adapter) throw new Error(`${dir}/model.json: an adapter version needs "adapter"`);
      const base = await ctx.loadVersion(manifest.baseVersion);
      const version = manifest.version ?? dir.split(/[\\/]/).pop()!;
      return withAdapter(base, loadAdapter(dir, manifest.adapter), { version, name: manifest.name ?? base.info.name, source: `adapter:${base.info.version}+${version}` });
    }
  }
  if (!manifest.adapter) return model;
  return withAdapter(model, loadAdapter(dir, manifest.adapter), { source: `${model.info.source}+adapter` });
}

/** The model's encoders followed by the adapter on each side. */
export function withAdapter(model: LoadedModel, adapter: Adapter, info: Partial<LoadedModel['info']>): LoadedModel {
  if (adapter.dim !== model.info.dimension) throw new Error(`adapter of dimension ${adapter.dim} on a ${model.info.dimension}-dimensional model`);
  const suffix = ', then a residual linear adapter (x + Wx + b), L2';
  return assembleModel(
    {
      ...model.info,
      ...info,
      textPreprocessing: model.info.textPreprocessing + (adapter.text ? suffix : ''),
      imagePreprocessing: model.info.imagePreprocessing + (adapter.image ? suffix : ''),
    },
    { prepare: (t) => model.text.prepare(t), run: async (b) => (await model.text.run(b)).map((v) => applyAdapter(adapter.text, v)) },
    { prepare: (i) => model.image.prepare(i), run: async (b) => (await model.image.run(b)).map((v) => applyAdapter(adapter.image, v)) },
    () => model.close(),
  );
}
