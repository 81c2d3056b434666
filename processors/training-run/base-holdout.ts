// The products a base model never trained on, when it says so: a "heldout_ids.txt" (one id per
// line) in its version directory, or the hash rule its model.json states under data.split, e.g.
//   held out iff int(sha256('vitrina-split-v1:<id>')[:4 bytes], big-endian) % 100 < 10
// (the rule of models/recipe/train_base.py). An adapter version is a base plus an adapter, so its
// root base decides. Drawing the test split from these keeps the champion off its training data.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { readManifest } from '../../models/manifest.ts';
import type { ModelStore } from '../../models/store.ts';

export interface HeldOut {
  /** What the set is, for the event: "<version>: heldout_ids.txt" or "<version>: <rule>". */
  source: string;
  contains: (id: number) => boolean;
}

const RULE = /held out iff int\(sha256\('([^']*)<id>'\)\[:4 bytes\], big-endian\) % (\d+) < (\d+)/;

export function ruleHoldOut(rule: string): ((id: number) => boolean) | undefined {
  const m = RULE.exec(rule);
  if (!m) return undefined;
  const [, prefix, modulus, below] = m;
  return (id) => crypto.createHash('sha256').update(`${prefix}${id}`).digest().readUInt32BE(0) % Number(modulus) < Number(below);
}

export async function baseHoldOut(store: ModelStore, version: string, depth = 0): Promise<HeldOut | undefined> {
  if (depth > 16) return undefined;
  let dir: string;
  try {
    dir = await store.resolve(version);
  } catch {
    return undefined;
  }
  const manifest = readManifest(dir);
  if (manifest.source === 'adapter' && manifest.baseVersion) return baseHoldOut(store, manifest.baseVersion, depth + 1);
  const file = path.join(dir, 'heldout_ids.txt');
  if (fs.existsSync(file)) {
    const ids = new Set(fs.readFileSync(file, 'utf8').split(/\s+/).filter(Boolean).map(Number));
    return { source: `${version}: heldout_ids.txt (${ids.size} ids)`, contains: (id) => ids.has(id) };
  }
  const rule = (manifest.data as { split?: unknown } | undefined)?.split;
  const contains = typeof rule === 'string' ? ruleHoldOut(rule) : undefined;
  return contains ? { source: `${version}: ${rule as string}`, contains } : undefined;
}
