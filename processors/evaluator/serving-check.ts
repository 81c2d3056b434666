// A version derived here from its base and adapter must be what the model server serves under its
// name: a sample of products is embedded by the server and compared with the derived vectors.
import type * as Minio from 'minio';
import { withRetries } from '../../platform/backoff.ts';
import { buckets, getObjectBytes } from '../../platform/s3.ts';
import { rowOf } from '../../mlops/embedding-table.ts';
import type { Encoder } from '../../mlops/frozen-embeddings.ts';
import type { CatalogRow } from '../../mlops/manifests.ts';
import type { VersionVectors } from './version-embeddings.ts';

export const SERVING_TOLERANCE = 1e-4;

export async function servingCheck(encoder: Encoder, s3: Minio.Client, vectors: VersionVectors, rows: CatalogRow[], sample = 8): Promise<number> {
  const dim = vectors.catalog.dim;
  const step = Math.max(1, Math.floor(rows.length / sample));
  const picked = Array.from({ length: Math.min(sample, rows.length) }, (_, i) => i * step);
  const images = await Promise.all(picked.map((i) => withRetries(() => getObjectBytes(s3, buckets.images, rows[i]!.imageKey))));
  const [img, txt] = await withRetries(() => Promise.all([encoder.embedImages(images, vectors.version), encoder.embedTexts(picked.map((i) => rows[i]!.displayName), vectors.version)]));
  let worst = 0;
  picked.forEach((index, k) => {
    for (const [served, derived] of [[img.vectors[k]!, rowOf(vectors.catalog.image, dim, index)], [txt.vectors[k]!, rowOf(vectors.catalog.text, dim, index)]] as const) {
      for (let c = 0; c < dim; c += 1) worst = Math.max(worst, Math.abs(served[c]! - derived[c]!));
    }
  });
  if (worst > SERVING_TOLERANCE) throw new Error(`the model server serves ${vectors.version} differently from its artifacts (max |Δ| ${worst.toExponential(2)} > ${SERVING_TOLERANCE})`);
  return worst;
}
