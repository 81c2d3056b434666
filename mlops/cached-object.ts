// A derived object (embeddings, say) cached under one key both in the local cache folder
// (<cacheDir>/mlops/<key>) and in the models bucket, computed only when neither has it.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { RunStore } from './store.ts';

export interface CacheOptions {
  cacheDir: string;
  store: RunStore;
  log?: (line: string) => void;
}

export async function cachedObject(options: CacheOptions, key: string, compute: () => Promise<Buffer>): Promise<{ bytes: Buffer; from: 'local' | 'bucket' | 'computed' }> {
  const file = path.join(options.cacheDir, 'mlops', ...key.split('/'));
  if (fs.existsSync(file)) return { bytes: fs.readFileSync(file), from: 'local' };
  const remote = await options.store.getBytes(key);
  if (remote) {
    writeAtomic(file, remote);
    return { bytes: remote, from: 'bucket' };
  }
  const bytes = await compute();
  await options.store.putBytes(key, bytes);
  writeAtomic(file, bytes);
  return { bytes, from: 'computed' };
}

function writeAtomic(file: string, bytes: Buffer): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.${crypto.randomBytes(4).toString('hex')}.tmp`;
  fs.writeFileSync(tmp, bytes);
  fs.renameSync(tmp, file);
}
