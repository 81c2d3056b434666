// The embeddings an evaluation needs for one model version: every catalog product's image and
// display name, and the augmented copies of the query products' images. A version made of a base
// version plus an adapter (model.json "source": "adapter") is derived from the base's embeddings
// with the model server's own adapter code (models/adapter.ts) — the same float32 arithmetic the
// server runs, checked against the server on a sample (servingCheck) — every other version is
// embedded through the model server. Both are cached in the models bucket and the local cache.
import type * as Minio from 'minio';
import { applyAdapter, loadAdapter, type Adapter, type AdapterSide } from '../../models/adapter.ts';
import { readManifest } from '../../models/manifest.ts';
import { ModelStore } from '../../models/store.ts';
import { withRetries } from '../../platform/backoff.ts';
import { buckets, getObjectBytes } from '../../platform/s3.ts';
import { cachedObject } from '../../mlops/cached-object.ts';
import { decodeTable, encodeTable, rowOf, type EmbeddingTable } from '../../mlops/embedding-table.ts';
import { batchSizeFor, frozenEmbeddings, type Encoder } from '../../mlops/frozen-embeddings.ts';
import { augmentedCacheKey } from '../../mlops/layout.ts';
import type { CatalogManifest, CatalogRow } from '../../mlops/manifests.ts';
import type { RunStore } from '../../mlops/store.ts';
import { AUGMENTATION_RECIPE, augmentImage, drawAugmentation } from './augment.ts';

export interface EmbeddingDeps {
  encoder: Encoder;
  s3: Minio.Client;
  store: RunStore;
  cacheDir: string;
  log: (line: string) => void;
  tick: () => Promise<void>;
}

export interface VersionVectors {
  version: string;
  /** Every catalog row (catalog order): image and display-name embeddings. */
  catalog: EmbeddingTable;
  /** Augmented query images, in query order (Q × dim). */
  augmented: Float32Array;
  /** How they were obtained: "model-server" or "adapter on <base>". */
  how: string;
  /** The adapter, when derived (for the serving check). */
  adapter?: Adapter;
}

/** The augmented copy of a product's image, as the evaluation uses it. */
export async function augmentedQueryImage(s3: Minio.Client, row: CatalogRow, seed: number): Promise<Buffer> {
  const bytes = await withRetries(() => getObjectBytes(s3, buckets.images, row.imageKey));
  return augmentImage(bytes, drawAugmentation(seed, row.id));
}

/** The adapter side applied to every row, yielding now and then (a processor must keep heartbeating). */
async function applyToRows(side: AdapterSide | undefined, matrix: Float32Array, dim: number, tick: () => Promise<void>): Promise<Float32Array> {
  const out = new Float32Array(matrix.length);
  for (let i = 0; i < matrix.length / dim; i += 1) {
    out.set(applyAdapter(side, Float32Array.from(rowOf(matrix, dim, i))), i * dim);
    if (i % 2000 === 1999) await tick();
  }
  return out;
}

export class EvaluationEmbeddings {
  private readonly memo = new Map<string, Promise<VersionVectors>>();

  constructor(
    private readonly deps: EmbeddingDeps,
    private readonly catalog: CatalogManifest,
    private readonly queries: CatalogRow[],
    private readonly augmentSeed: number,
  ) {}

  of(version: string): Promise<VersionVectors> {
    let found = this.memo.get(version);
    if (!found) {
      found = this.compute(version);
      this.memo.set(version, found);
    }
    return found;
  }

  private async compute(version: string): Promise<VersionVectors> {
    const adapterVersion = await this.adapterOf(version);
    if (adapterVersion) {
      const base = await this.of(adapterVersion.baseVersion);
      const { adapter } = adapterVersion;
      this.deps.log(`deriving ${version}: its adapter applied to the embeddings of ${adapterVersion.baseVersion}`);
      const catalog: EmbeddingTable = {
        version,
        dim: base.catalog.dim,
        ids: base.catalog.ids,
        image: await applyToRows(adapter.image, base.catalog.image, base.catalog.dim, this.deps.tick),
        text: await applyToRows(adapter.text, base.catalog.text, base.catalog.dim, this.deps.tick),
      };
      const augmented = await applyToRows(adapter.image, base.augmented, base.catalog.dim, this.deps.tick);
      return { version, catalog, augmented, how: `adapter on ${adapterVersion.baseVersion}`, adapter };
    }
    const frozen = await frozenEmbeddings({ ...this.deps }, version, this.catalog.rows, this.catalog.fingerprint, { tick: this.deps.tick });
    this.deps.log(`embeddings of ${version}: ${frozen.table.ids.length} products (${frozen.from}, ${frozen.seconds.toFixed(1)} s)`);
    const augmented = await this.augmentedThroughServer(version, frozen.table.dim);
    return { version, catalog: frozen.table, augmented, how: 'model-server' };
  }

  /** The version's adapter and base, when its model.json says it is an adapter version. */
  private async adapterOf(version: string): Promise<{ baseVersion: string; adapter: Adapter } | undefined> {
    const store = new ModelStore({ cacheDir: this.deps.cacheDir, s3: this.deps.s3 });
    if (!(await store.available(version))) return undefined;
    const dir = await store.resolve(version);
    const manifest = readManifest(dir);
    if (manifest.source !== 'adapter' || !manifest.baseVersion || !manifest.adapter) return undefined;
    return { baseVersion: manifest.baseVersion, adapter: loadAdapter(dir, manifest.adapter) };
  }

  private async augmentedThroughServer(version: string, dim: number): Promise<Float32Array> {
    const ids = this.queries.map((r) => r.id);
    const key = augmentedCacheKey(version, this.catalog.fingerprint, ids, this.augmentSeed, AUGMENTATION_RECIPE);
    const { bytes, from } = await cachedObject({ ...this.deps }, key, async () => {
      const { batchSize } = await batchSizeFor(this.deps.encoder, version);
      const out = new Float32Array(this.queries.length * dim);
      let last = Date.now();
      for (let start = 0; start < this.queries.length; start += batchSize) {
        const batch = this.queries.slice(start, start + batchSize);
        const images = await Promise.all(batch.map((row) => augmentedQueryImage(this.deps.s3, row, this.augmentSeed)));
        const result = await withRetries(() => this.deps.encoder.embedImages(images, version));
        result.vectors.forEach((v, i) => out.set(v, (start + i) * dim));
        await this.deps.tick();
        if (Date.now() - last > 5000) {
          last = Date.now();
          this.deps.log(`augmented query images of ${version}: ${Math.min(start + batchSize, this.queries.length)}/${this.queries.length}`);
        }
      }
      return encodeTable({ version, dim, ids, image: out, text: new Float32Array(0) });
    });
    this.deps.log(`augmented query images of ${version}: ${ids.length} (${from})`);
    return decodeTable(bytes).image;
  }
}
