// Writes a challenger as a model version in the layout models/ serves (models/manifest.ts,
// models/adapter.ts): a directory with model.json ({ "source": "adapter", "baseVersion", "adapter":
// { "format": "float32", ... } }) and the adapter's weights as float32 little-endian files, then
// publishes it to the models bucket under "<version>/" with models/store.ts.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type * as Minio from 'minio';
import { writeManifest, type VersionManifest } from '../../models/manifest.ts';
import { ModelStore } from '../../models/store.ts';
import type { AdapterSides } from '../../mlops/parameters.ts';
import type { AdapterParams } from './adapter-model.ts';

export const ADAPTER_FILES = {
  imageWeight: 'adapter-image-weight.f32',
  imageBias: 'adapter-image-bias.f32',
  textWeight: 'adapter-text-weight.f32',
  textBias: 'adapter-text-bias.f32',
} as const;

function f32Bytes(values: Float64Array): Buffer {
  const out = Buffer.alloc(values.length * 4);
  for (let i = 0; i < values.length; i += 1) out.writeFloatLE(values[i]!, i * 4);
  return out;
}

export interface ChallengerInfo {
  version: string;
  /** The sides that have an adapter (a side left out is the base encoder's). */
  sides: AdapterSides;
  baseVersion: string;
  modelName: string;
  runId: string;
  training: Record<string, unknown>;
}

/** Writes the version directory; returns model.json as written. */
export function writeChallengerDir(dir: string, params: AdapterParams, info: ChallengerInfo): VersionManifest {
  fs.mkdirSync(dir, { recursive: true });
  const image = info.sides !== 'text';
  const text = info.sides !== 'image';
  if (image) {
    fs.writeFileSync(path.join(dir, ADAPTER_FILES.imageWeight), f32Bytes(params.image.weight));
    fs.writeFileSync(path.join(dir, ADAPTER_FILES.imageBias), f32Bytes(params.image.bias));
  }
  if (text) {
    fs.writeFileSync(path.join(dir, ADAPTER_FILES.textWeight), f32Bytes(params.text.weight));
    fs.writeFileSync(path.join(dir, ADAPTER_FILES.textBias), f32Bytes(params.text.bias));
  }
  const manifest: VersionManifest = {
    source: 'adapter',
    name: info.modelName,
    version: info.version,
    baseVersion: info.baseVersion,
    description: `${info.baseVersion} with a residual linear adapter (e = normalize(x + Wx + b)) on ${info.sides === 'both' ? 'each side' : `the ${info.sides} side`}, trained by run ${info.runId}`,
    adapter: {
      format: 'float32',
      dim: params.dim,
      ...(image ? { image: { weight: ADAPTER_FILES.imageWeight, bias: ADAPTER_FILES.imageBias } } : {}),
      ...(text ? { text: { weight: ADAPTER_FILES.textWeight, bias: ADAPTER_FILES.textBias } } : {}),
    },
    training: info.training,
  };
  writeManifest(dir, manifest);
  return manifest;
}

/** Writes and publishes the challenger; returns the object keys of its artifacts. */
export async function publishChallenger(s3: Minio.Client, cacheDir: string, params: AdapterParams, info: ChallengerInfo): Promise<Record<string, string>> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vitrina-challenger-'));
  try {
    writeChallengerDir(dir, params, info);
    await new ModelStore({ cacheDir, s3 }).publish(info.version, dir);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  const keys: Record<string, string> = { 'model.json': `${info.version}/model.json` };
  if (info.sides !== 'text') Object.assign(keys, { 'adapter.image.weight': `${info.version}/${ADAPTER_FILES.imageWeight}`, 'adapter.image.bias': `${info.version}/${ADAPTER_FILES.imageBias}` });
  if (info.sides !== 'image') Object.assign(keys, { 'adapter.text.weight': `${info.version}/${ADAPTER_FILES.textWeight}`, 'adapter.text.bias': `${info.version}/${ADAPTER_FILES.textBias}` });
  return keys;
}
