// model.json: the manifest of one model version directory, naming its source kind and files.
//   clip-onnx  a Hugging Face CLIP ONNX export in the directory (onnx/text_model.onnx,
//              onnx/vision_model.onnx, tokenizer.json, preprocessor_config.json), or downloaded
//              from "url" (a base URL under which those paths exist) into the directory
//   base       the LiT-style base model written by models/recipe/train_base.py (its model.json
//              has no "source"; it is recognised by its text_tower / image_encoder entries)
//   tiny       the tiny deterministic test model, regenerated from "seed" and "dim" when missing
//   adapter    "baseVersion" (another version) plus this version's adapter
// Any version may carry "adapter" (see adapter.ts), applied after its encoders.
// A directory without model.json that holds onnx/text_model.onnx is read as clip-onnx.
import fs from 'node:fs';
import path from 'node:path';
import type { AdapterSpec } from './adapter.ts';

export type SourceKind = 'clip-onnx' | 'base' | 'tiny' | 'adapter';

export interface ClipOnnxFiles {
  text?: string;
  vision?: string;
  tokenizer?: string;
  preprocessor?: string;
}

export interface VersionManifest {
  source: SourceKind;
  name?: string;
  version?: string;
  description?: string;
  adapter?: AdapterSpec;
  // clip-onnx
  url?: string;
  files?: ClipOnnxFiles;
  maxTextTokens?: number;
  textOutput?: string;
  imageOutput?: string;
  // tiny
  seed?: number;
  dim?: number;
  // adapter
  baseVersion?: string;
  /** Everything else model.json holds (the base recipe's fields). */
  [key: string]: unknown;
}

export const MANIFEST = 'model.json';

export function readManifest(dir: string): VersionManifest {
  const file = path.join(dir, MANIFEST);
  if (!fs.existsSync(file)) {
    if (fs.existsSync(path.join(dir, 'onnx', 'text_model.onnx')) || fs.existsSync(path.join(dir, 'text_model.onnx'))) return { source: 'clip-onnx', version: path.basename(dir) };
    throw new Error(`${dir} has no ${MANIFEST}`);
  }
  const json = JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, unknown>;
  if (typeof json.source === 'string') {
    if (!['clip-onnx', 'base', 'tiny', 'adapter'].includes(json.source)) throw new Error(`${file}: unknown source "${json.source}"`);
    return json as VersionManifest;
  }
  if (json.text_tower && json.image_encoder && json.text_projection) return { ...json, source: 'base' };
  throw new Error(`${file} names no source (clip-onnx, base, tiny, adapter)`);
}

export function writeManifest(dir: string, manifest: VersionManifest): void {
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, MANIFEST), `${JSON.stringify(manifest, null, 2)}\n`);
}
