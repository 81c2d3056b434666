// Query latency as a user meets it: the query embedded by the model server for the version, then
// the exact search over the whole catalog's images; one query at a time. The versions compared
// take turns query by query, so a busy machine slows them alike. Reported per version and task as
// latency.<task>.mean_ms and latency.<task>.p95_ms.
import type * as Minio from 'minio';
import { withRetries } from '../../platform/backoff.ts';
import type { Encoder } from '../../mlops/frozen-embeddings.ts';
import type { CatalogRow } from '../../mlops/manifests.ts';
import { searchTopK, type Gallery } from './exact-search.ts';
import { latencySummary } from './metrics.ts';
import { MAX_K } from './retrieval.ts';
import { augmentedQueryImage } from './version-embeddings.ts';

export interface TimedVersion {
  version: string;
  /** The version's catalog gallery (its image embeddings). */
  gallery: Gallery;
}

export async function latencyMetrics(encoder: Encoder, s3: Minio.Client, versions: TimedVersion[], queries: CatalogRow[], augmentSeed: number, tick: () => Promise<void>): Promise<Map<string, Record<string, number>>> {
  const out = new Map<string, Record<string, number>>();
  if (queries.length === 0) {
    for (const v of versions) out.set(v.version, {});
    return out;
  }
  const images = await Promise.all(queries.map((row) => augmentedQueryImage(s3, row, augmentSeed)));
  const text = versions.map(() => [] as number[]);
  const image = versions.map(() => [] as number[]);
  for (const v of versions) await withRetries(() => encoder.embedTexts([queries[0]!.displayName], v.version)); // warm up: a version may load now
  for (let i = 0; i < queries.length; i += 1) {
    for (const [n, v] of versions.entries()) {
      let began = performance.now();
      const t = await encoder.embedTexts([queries[i]!.displayName], v.version);
      await searchTopK(t.vectors[0]!, v.gallery, MAX_K);
      text[n]!.push(performance.now() - began);
      began = performance.now();
      const m = await encoder.embedImages([images[i]!], v.version);
      await searchTopK(m.vectors[0]!, v.gallery, MAX_K);
      image[n]!.push(performance.now() - began);
    }
    await tick();
  }
  versions.forEach((v, n) => {
    const t = latencySummary(text[n]!);
    const m = latencySummary(image[n]!);
    out.set(v.version, {
      'latency.text2image.mean_ms': t.mean,
      'latency.text2image.p95_ms': t.p95,
      'latency.image2image.mean_ms': m.mean,
      'latency.image2image.p95_ms': m.p95,
      'latency.queries': queries.length,
    });
  });
  return out;
}
