// Source "tiny": the generated test model (models/tiny/generate.ts), regenerated from its seed when
// a file is missing, then read like any CLIP ONNX export.
import fs from 'node:fs';
import path from 'node:path';
import type { VersionManifest } from '../manifest.ts';
import type { LoadedModel } from '../model.ts';
import { tinyModelFiles } from '../tiny/generate.ts';
import { writeFileAtomic } from '../util/files.ts';
import { loadClipOnnx } from './clip-onnx.ts';
import type { LoadContext } from './context.ts';

export async function loadTiny(dir: string, manifest: VersionManifest, ctx: LoadContext): Promise<LoadedModel> {
  const seed = manifest.seed ?? 1;
  for (const [file, bytes] of tinyModelFiles({ seed, dim: manifest.dim, version: manifest.version })) {
    if (!fs.existsSync(path.join(dir, file))) writeFileAtomic(path.join(dir, file), bytes);
  }
  return loadClipOnnx(dir, { ...manifest, source: 'clip-onnx', name: manifest.name ?? 'vitrina-tiny' }, ctx, `tiny:${seed}`);
}
