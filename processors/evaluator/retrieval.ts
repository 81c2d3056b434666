// The retrieval metrics of one model version on one evaluation set, named
//   <task>.<relevance>.<gallery>.acc@k     task text2image | image2image; relevance exact (the
//                                          product itself) | name (any product with the identical
//                                          display name, text2image only); gallery test | catalog
//   <task>.<group>.<gallery>.group@k       group articleType | masterCategory
//   search.<gallery>.ms_per_query          the exact search alone, averaged over the bulk pass
import type { CatalogRow } from '../../mlops/manifests.ts';
import { makeGallery, searchTopK, type Gallery, type Ranked } from './exact-search.ts';
import { groupSharesAtK, hitsAtK, KS, meanOf } from './metrics.ts';
import type { VersionVectors } from './version-embeddings.ts';

export interface EvaluationSet {
  /** The catalog (sorted by id): the gallery "catalog". */
  rows: CatalogRow[];
  /** Catalog indices of the test split: the gallery "test". */
  testIndices: number[];
  /** Catalog indices of the query products (the test split or a seeded sample of it). */
  queryIndices: number[];
}

export const MAX_K = Math.max(...KS);

function gather(matrix: Float32Array, dim: number, indices: number[]): Float32Array {
  const out = new Float32Array(indices.length * dim);
  indices.forEach((index, r) => out.set(matrix.subarray(index * dim, (index + 1) * dim), r * dim));
  return out;
}

export interface Galleries {
  catalog: Gallery;
  test: Gallery;
}

export function galleriesOf(set: EvaluationSet, vectors: VersionVectors): Galleries {
  const dim = vectors.catalog.dim;
  return { catalog: makeGallery(vectors.catalog.image, dim), test: makeGallery(gather(vectors.catalog.image, dim, set.testIndices), dim) };
}

export interface RetrievalResult {
  metrics: Record<string, number>;
  /** Each acc@k / group@k metric per query (query order), for the paired comparison. */
  perQuery: Record<string, Float64Array>;
}

export async function retrievalMetrics(set: EvaluationSet, vectors: VersionVectors, galleries: Galleries, tick: () => Promise<void>): Promise<RetrievalResult> {
  const dim = vectors.catalog.dim;
  const metrics: Record<string, number> = {};
  const perQuery: Record<string, Float64Array> = {};
  const textQueries = gather(vectors.catalog.text, dim, set.queryIndices);
  const tasks: Array<['text2image' | 'image2image', Float32Array]> = [
    ['text2image', textQueries],
    ['image2image', vectors.augmented],
  ];
  for (const [task, queries] of tasks) {
    for (const galleryName of ['test', 'catalog'] as const) {
      const gallery = galleries[galleryName];
      const toCatalog = galleryName === 'catalog' ? (g: number) => g : (g: number) => set.testIndices[g]!;
      const began = performance.now();
      const ranked: Ranked = await searchTopK(queries, gallery, MAX_K, { tick });
      metrics[`search.${task}.${galleryName}.ms_per_query`] = (performance.now() - began) / Math.max(1, set.queryIndices.length);
      const query = (q: number): CatalogRow => set.rows[set.queryIndices[q]!]!;
      const hit = (q: number, g: number): CatalogRow => set.rows[toCatalog(g)]!;
      const put = (name: string, values: Map<number, Float64Array>, suffix: 'acc' | 'group'): void => {
        for (const [k, v] of values) {
          const metric = `${task}.${name}.${galleryName}.${suffix}@${k}`;
          metrics[metric] = meanOf(v);
          perQuery[metric] = v;
        }
      };
      put('exact', hitsAtK(ranked, (q, g) => toCatalog(g) === set.queryIndices[q]), 'acc');
      if (task === 'text2image') put('name', hitsAtK(ranked, (q, g) => hit(q, g).displayName === query(q).displayName), 'acc');
      put('articleType', groupSharesAtK(ranked, (q, g) => hit(q, g).articleType === query(q).articleType), 'group');
      put('masterCategory', groupSharesAtK(ranked, (q, g) => hit(q, g).masterCategory === query(q).masterCategory), 'group');
    }
  }
  return { metrics, perQuery };
}
