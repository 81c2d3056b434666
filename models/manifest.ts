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
// model.json comes from MinIO or a URL, so it is validated when read: every file it names is a
// plain relative name inside the version directory (manifestFile), "url" is http(s), "sha256" maps
// file names to hex digests (required for every file fetched from "url", see sources/download.ts),
// and "baseVersion" is a version name.
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
  /** sha256 (hex) of the files fetched from "url", by file name. */
  sha256?: Record<string, string>;
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

const VERSION_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

/** A model version name: letters, digits, '.', '_', '-', no "..", at most 128 characters. */
export function isVersionName(version: string): boolean {
  return VERSION_NAME.test(version) && !version.includes('..');
}

const FILE_SEGMENT = /^[A-Za-z0-9_][A-Za-z0-9._-]{0,254}$/;

/** Checks that a file name from a manifest is relative, with plain segments (no "..", "/", "\\", NUL). */
export function checkFileName(name: unknown, what: string): string {
  if (typeof name !== 'string') throw new Error(`${what} must be a string`);
  const segments = name.split('/');
  if (name.length > 1024 || segments.length > 8 || !segments.every((s) => FILE_SEGMENT.test(s) && !s.includes('..'))) {
    throw new Error(`${what} ${JSON.stringify(name.slice(0, 100))} is not a plain relative file name`);
  }
  return name;
}

/** The path of a file a manifest names, inside the version directory. */
export function manifestFile(dir: string, name: string, what = 'file'): string {
  const file = path.resolve(dir, checkFileName(name, what));
  if (!file.startsWith(path.resolve(dir) + path.sep)) throw new Error(`${what} ${JSON.stringify(name)} is outside the version directory`);
  return file;
}

function validate(json: Record<string, unknown>, file: string): void {
  const where = (field: string): string => `${file}: ${field}`;
  const files = json.files as Record<string, unknown> | undefined;
  if (files !== undefined) for (const [key, name] of Object.entries(files)) checkFileName(name, where(`files.${key}`));
  for (const key of ['image_encoder', 'text_projection']) {
    const entry = json[key] as { file?: unknown } | undefined;
    if (entry !== undefined) checkFileName(entry.file, where(`${key}.file`));
  }
  const adapter = json.adapter as { file?: unknown; image?: Record<string, unknown>; text?: Record<string, unknown> } | undefined;
  if (adapter) {
    if (adapter.file !== undefined) checkFileName(adapter.file, where('adapter.file'));
    for (const side of ['image', 'text'] as const) for (const part of ['weight', 'bias']) if (adapter[side] && typeof adapter[side][part] !== 'object') checkFileName(adapter[side][part], where(`adapter.${side}.${part}`));
  }
  if (json.url !== undefined && (typeof json.url !== 'string' || !/^https?:\/\/[^/]/.test(json.url))) throw new Error(`${where('url')} must be an http(s) URL`);
  if (json.sha256 !== undefined) {
    if (typeof json.sha256 !== 'object' || json.sha256 === null) throw new Error(`${where('sha256')} must map file names to hex digests`);
    for (const [name, digest] of Object.entries(json.sha256)) {
      checkFileName(name, where('sha256 key'));
      if (typeof digest !== 'string' || !/^[0-9a-f]{64}$/.test(digest)) throw new Error(`${where(`sha256.${name}`)} must be 64 lowercase hex digits`);
    }
  }
  if (json.baseVersion !== undefined && (typeof json.baseVersion !== 'string' || !isVersionName(json.baseVersion))) throw new Error(`${where('baseVersion')} is not a model version name`);
}

export function readManifest(dir: string): VersionManifest {
  const file = path.join(dir, MANIFEST);
  if (!fs.existsSync(file)) {
    if (fs.existsSync(path.join(dir, 'onnx', 'text_model.onnx')) || fs.existsSync(path.join(dir, 'text_model.onnx'))) return { source: 'clip-onnx', version: path.basename(dir) };
    throw new Error(`${dir} has no ${MANIFEST}`);
  }
  const json = JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, unknown>;
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw new Error(`${file} is not a JSON object`);
  validate(json, file);
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
