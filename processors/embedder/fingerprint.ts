// What an embedding was made from: the product attributes it carries and the image it embedded.
// The embedder skips a product whose fingerprint for a version equals what was already embedded.
import type { EmbeddedAttributes } from '../../projections/embeddings/known.ts';
import { PRODUCT_ATTRIBUTES, pickAttributes } from '../../schemas/product-attributes.ts';
import type { ProductIngested } from '../../schemas/types.generated.ts';

export type { EmbeddedAttributes };

/** Where the embedder can cheaply learn what a version already holds (the embeddings projection). */
export interface KnownEmbeddings {
  lookup(version: string, productIds: number[]): Promise<Map<number, EmbeddedAttributes>>;
}

export function attributesOf(p: ProductIngested, withImage = true): EmbeddedAttributes {
  return {
    ...pickAttributes(p),
    imageKey: withImage ? p.imageNormalizedKey : null,
    imageSha256: withImage ? p.imageSha256 : null,
  };
}

export function fingerprint(a: EmbeddedAttributes): string {
  return JSON.stringify([a.imageSha256, a.imageKey, ...PRODUCT_ATTRIBUTES.map((p) => a[p.field])]);
}

/** Fingerprints this process emitted, per "<version>/<product id>"; bounded, forgets all when full. */
export class EmittedFingerprints {
  private readonly seen = new Map<string, string>();
  constructor(private readonly limit = 500_000) {}

  has(version: string, id: number, print: string): boolean {
    return this.seen.get(`${version}/${id}`) === print;
  }

  remember(version: string, id: number, print: string): void {
    if (this.seen.size >= this.limit) this.seen.clear();
    this.seen.set(`${version}/${id}`, print);
  }
}
