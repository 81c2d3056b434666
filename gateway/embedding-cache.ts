// The query embeddings a gateway computed last, so the same words in the same model version are
// not sent to the model server again: a shopper's next page, each filter clicked, a chip removed
// and the facet panel all search the same text. Least recently used first out; size 0 keeps none.
export class EmbeddingCache {
  private readonly entries = new Map<string, Float32Array>();

  constructor(readonly size: number) {
    if (!Number.isInteger(size) || size < 0) throw new RangeError(`the query embedding cache size must be a non-negative integer, got ${size}`);
  }

  private static key(version: string, text: string): string {
    return `${version}\u0000${text}`;
  }

  get(version: string, text: string): Float32Array | undefined {
    const key = EmbeddingCache.key(version, text);
    const vector = this.entries.get(key);
    if (vector) {
      // most recently used last
      this.entries.delete(key);
      this.entries.set(key, vector);
    }
    return vector;
  }

  set(version: string, text: string, vector: Float32Array): void {
    if (this.size === 0) return;
    const key = EmbeddingCache.key(version, text);
    this.entries.delete(key);
    this.entries.set(key, vector);
    if (this.entries.size > this.size) this.entries.delete(this.entries.keys().next().value!);
  }
}
