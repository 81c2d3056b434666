// Where model versions live: MinIO (bucket vitrina-models, keys "<version>/<file>") and the local
// cache (<cacheDir>/models/<version>/). A version is found, in order, in the cache, in MinIO
// (downloaded into the cache), among the versions bundled with the repository (models/base/ when
// its model.json names that version), or, only where tests ask for them (option tinyModels, or
// VITRINA_TINY_MODELS=1, which `vitrina test` sets), generated ("tiny", "tiny-<seed>"): otherwise
// any caller could make a server write model versions without limit. A bundled version is
// copied into the cache and published to MinIO at first use: the repository bundles one version,
// and a newer checkout must not strand the version a catalog was embedded with.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type * as Minio from 'minio';
import { buckets, ensureBucket } from '../platform/s3.ts';
import { loadSettings, processSettings } from '../platform/env-table.ts';
import { ModelNotFoundError } from './errors.ts';
import { isVersionName, MANIFEST } from './manifest.ts';
import { tinySeedOf, writeTinyModel } from './tiny/generate.ts';

export const BUNDLED_DIRS = [fileURLToPath(new URL('./base/', import.meta.url))];

export { isVersionName };

/** Whether the tiny test models may be generated on demand: VITRINA_TINY_MODELS=1 (or true). */
export function tinyModelsFromEnv(env: Record<string, string | undefined>): boolean {
  return loadSettings(env).VITRINA_TINY_MODELS;
}

/** The NOT_FOUND answer to a version name that is not one; it does not echo the name (it may be a path). */
export function notAVersionName(): ModelNotFoundError {
  return new ModelNotFoundError(`not a model version name (letters, digits, '.', '_' and '-', at most 128 characters, starting with a letter or digit)`);
}

export interface ModelStoreOptions {
  cacheDir: string;
  /** MinIO client; null keeps the store local (tests, offline). */
  s3: Minio.Client | null;
  bucket?: string;
  bundledDirs?: string[];
  /** Generate the tiny test models ("tiny", "tiny-<seed>") on demand — default: the process's VITRINA_TINY_MODELS. */
  tinyModels?: boolean;
  log?: (line: string) => void;
}

export class ModelStore {
  readonly cacheDir: string;
  private readonly s3: Minio.Client | null;
  private readonly bucket: string;
  private readonly bundledDirs: string[];
  private readonly tinyModels: boolean;
  private readonly log: (line: string) => void;

  constructor(options: ModelStoreOptions) {
    this.cacheDir = options.cacheDir;
    this.s3 = options.s3;
    this.bucket = options.bucket ?? buckets.models;
    this.bundledDirs = options.bundledDirs ?? BUNDLED_DIRS;
    this.tinyModels = options.tinyModels ?? processSettings().VITRINA_TINY_MODELS;
    this.log = options.log ?? (() => undefined);
  }

  localDir(version: string): string {
    return path.join(this.cacheDir, 'models', version);
  }

  /** The bundled directory holding that version, if any. */
  bundledDir(version: string): string | undefined {
    for (const dir of this.bundledDirs) {
      const file = path.join(dir, MANIFEST);
      if (!fs.existsSync(file)) continue;
      try {
        if ((JSON.parse(fs.readFileSync(file, 'utf8')) as { version?: string }).version === version) return dir;
      } catch {
        // a model.json being written by the recipe right now
      }
    }
    return undefined;
  }

  /** A directory with the version's model.json; throws ModelNotFoundError when no place has it. */
  async resolve(version: string): Promise<string> {
    if (!isVersionName(version)) throw notAVersionName();
    const local = this.localDir(version);
    if (fs.existsSync(path.join(local, MANIFEST))) return local;
    if (await this.download(version, local)) return local;
    const bundled = this.bundledDir(version);
    if (bundled) return this.adoptBundled(version, bundled, local);
    const seed = this.tinyModels ? tinySeedOf(version) : undefined;
    if (seed !== undefined) {
      const tmp = `${local}.${process.pid}.${crypto.randomBytes(4).toString('hex')}.tmp`;
      writeTinyModel(tmp, { seed, version });
      this.moveInto(tmp, local);
      return local;
    }
    throw new ModelNotFoundError(`model version ${version} is not known: neither the model cache, MinIO (${this.bucket}/${version}/) nor the repository has it`);
  }

  /** Copies a bundled version into the cache and, when MinIO is reachable, publishes it there. */
  private async adoptBundled(version: string, bundled: string, local: string): Promise<string> {
    const tmp = `${local}.${process.pid}.${crypto.randomBytes(4).toString('hex')}.tmp`;
    fs.cpSync(bundled, tmp, { recursive: true });
    this.moveInto(tmp, local);
    if (this.s3 && !(await this.remoteKeys(version)).includes(`${version}/${MANIFEST}`)) {
      try {
        const files = await this.publish(version, local);
        this.log(`published the bundled model version ${version} to MinIO (${files} files)`);
      } catch (err) {
        this.log(`could not publish the bundled model version ${version} to MinIO: ${(err as Error).message}`);
      }
    }
    return local;
  }

  /** The base model version to serve before any promotion: the one the repository bundles, else "tiny" (when allowed). */
  async defaultVersion(): Promise<string> {
    for (const dir of this.bundledDirs) {
      try {
        const version = (JSON.parse(fs.readFileSync(path.join(dir, MANIFEST), 'utf8')) as { version?: unknown }).version;
        if (typeof version === 'string' && (await this.available(version))) return version;
      } catch {
        // no model bundled there
      }
    }
    if (this.tinyModels) return 'tiny';
    throw new ModelNotFoundError('no model version to serve: none is bundled in models/base, and the tiny test model is off (VITRINA_TINY_MODELS=1 turns it on)');
  }

  /** Whether resolve() would find the version without generating it. */
  async available(version: string): Promise<boolean> {
    if (!isVersionName(version)) return false;
    if (fs.existsSync(path.join(this.localDir(version), MANIFEST)) || this.bundledDir(version)) return true;
    return (await this.remoteKeys(version)).some((k) => k === `${version}/${MANIFEST}`);
  }

  private async remoteKeys(version: string): Promise<string[]> {
    if (!this.s3) return [];
    try {
      if (!(await this.s3.bucketExists(this.bucket))) return [];
      const keys: string[] = [];
      for await (const item of this.s3.listObjectsV2(this.bucket, `${version}/`, true)) {
        const name = (item as { name?: string }).name;
        if (name) keys.push(name);
      }
      return keys;
    } catch (err) {
      this.log(`MinIO unavailable for model versions: ${(err as Error).message}`);
      return [];
    }
  }

  private async download(version: string, target: string): Promise<boolean> {
    const keys = await this.remoteKeys(version);
    if (!keys.includes(`${version}/${MANIFEST}`) || !this.s3) return false;
    this.log(`downloading model version ${version} from MinIO (${keys.length} files)`);
    const tmp = `${target}.${process.pid}.${crypto.randomBytes(4).toString('hex')}.tmp`;
    for (const key of keys) {
      const file = path.join(tmp, key.slice(version.length + 1));
      if (!file.startsWith(tmp + path.sep)) continue;
      fs.mkdirSync(path.dirname(file), { recursive: true });
      await this.s3.fGetObject(this.bucket, key, file);
    }
    this.moveInto(tmp, target);
    return true;
  }

  /** Renames a finished temporary directory into place; another process may have won the race. */
  private moveInto(tmp: string, target: string): void {
    fs.mkdirSync(path.dirname(target), { recursive: true });
    try {
      fs.renameSync(tmp, target);
    } catch (err) {
      fs.rmSync(tmp, { recursive: true, force: true });
      if (!fs.existsSync(path.join(target, MANIFEST))) throw err;
    }
  }

  /** Uploads a version directory to MinIO under "<version>/<file>" (model.json last). */
  async publish(version: string, dir: string): Promise<number> {
    if (!this.s3) throw new Error('publishing a model version needs MinIO');
    if (!isVersionName(version)) throw new Error(`"${version}" is not a model version name`);
    await ensureBucket(this.s3, this.bucket);
    const files = listFiles(dir).filter((f) => !f.endsWith('.tmp'));
    files.sort((a, b) => Number(a === MANIFEST) - Number(b === MANIFEST));
    for (const file of files) await this.s3.fPutObject(this.bucket, `${version}/${file.split(path.sep).join('/')}`, path.join(dir, file));
    return files.length;
  }
}

function listFiles(dir: string, prefix = ''): string[] {
  return fs.readdirSync(path.join(dir, prefix), { withFileTypes: true }).flatMap((e) => {
    const rel = path.join(prefix, e.name);
    return e.isDirectory() ? listFiles(dir, rel) : [rel];
  });
}
