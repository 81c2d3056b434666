// What a model version already holds, read from the embeddings projection: the embedder asks before
// embedding a product again (it skips products whose image and attributes did not change).
import { attributesFromRow, PRODUCT_ATTRIBUTES, type ProductAttributes } from '../../schemas/product-attributes.ts';
import type { ProductEmbedded } from '../../schemas/types.generated.ts';
import { ident, type Db } from '../db.ts';
import { DEFAULT_NAMESPACE, tableNames, type EmbeddingTableNames } from './names.ts';

/** What an embedding was made from: the product attributes and the image (the embedder's fingerprint covers exactly these). */
export type EmbeddedAttributes = ProductAttributes & Pick<ProductEmbedded, 'imageKey' | 'imageSha256'>;

export class StoredEmbeddings {
  private readonly names: EmbeddingTableNames;

  constructor(
    private readonly db: Db,
    namespace: string = DEFAULT_NAMESPACE,
  ) {
    this.names = tableNames(namespace);
  }

  async lookup(version: string, productIds: number[]): Promise<Map<number, EmbeddedAttributes>> {
    const found = new Map<number, EmbeddedAttributes>();
    if (productIds.length === 0) return found;
    const exists = await this.db.query<{ t: string | null }>(`SELECT to_regclass($1)::text AS t`, [this.names.versions]);
    if (!exists.rows[0]?.t) return found;
    const registered = await this.db.query<{ table_name: string }>(`SELECT table_name FROM ${ident(this.names.versions)} WHERE version = $1`, [version]);
    const table = registered.rows[0]?.table_name;
    if (!table) return found;
    try {
      const { rows } = await this.db.query<Record<string, unknown> & { product_id: number; image_key: string | null; image_sha256: string | null }>(
        `SELECT product_id, ${PRODUCT_ATTRIBUTES.map((a) => a.column).join(', ')}, image_key, image_sha256
         FROM ${ident(table)} WHERE product_id = ANY($1::int[])`,
        [productIds],
      );
      for (const r of rows) found.set(r.product_id, { ...attributesFromRow(r), imageKey: r.image_key, imageSha256: r.image_sha256 });
    } catch (err) {
      if ((err as { code?: string }).code !== '42P01') throw err; // the version's view appears with its first rows
    }
    return found;
  }
}
