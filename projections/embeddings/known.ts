// What a model version already holds, read from the embeddings projection: the embedder asks before
// embedding a product again (it skips products whose image and attributes did not change).
import type { ProductEmbedded } from '../../schemas/types.generated.ts';
import { ident, type Db } from '../db.ts';
import { DEFAULT_NAMESPACE, tableNames, type EmbeddingTableNames } from './names.ts';

export type StoredAttributes = Pick<
  ProductEmbedded,
  'productDisplayName' | 'gender' | 'masterCategory' | 'subCategory' | 'articleType' | 'baseColour' | 'season' | 'year' | 'usage' | 'imageKey' | 'imageSha256'
>;

export class StoredEmbeddings {
  private readonly names: EmbeddingTableNames;

  constructor(
    private readonly db: Db,
    namespace: string = DEFAULT_NAMESPACE,
  ) {
    this.names = tableNames(namespace);
  }

  async lookup(version: string, productIds: number[]): Promise<Map<number, StoredAttributes>> {
    const found = new Map<number, StoredAttributes>();
    if (productIds.length === 0) return found;
    const exists = await this.db.query<{ t: string | null }>(`SELECT to_regclass($1)::text AS t`, [this.names.versions]);
    if (!exists.rows[0]?.t) return found;
    const registered = await this.db.query<{ table_name: string }>(`SELECT table_name FROM ${ident(this.names.versions)} WHERE version = $1`, [version]);
    const table = registered.rows[0]?.table_name;
    if (!table) return found;
    try {
      const { rows } = await this.db.query<{
        product_id: number; display_name: string | null; gender: string | null; master_category: string | null; sub_category: string | null; article_type: string | null;
        base_colour: string | null; season: string | null; year: number | null; usage: string | null; image_key: string | null; image_sha256: string | null;
      }>(
        `SELECT product_id, display_name, gender, master_category, sub_category, article_type, base_colour, season, year, usage, image_key, image_sha256
         FROM ${ident(table)} WHERE product_id = ANY($1::int[])`,
        [productIds],
      );
      for (const r of rows) {
        found.set(r.product_id, {
          productDisplayName: r.display_name, gender: r.gender, masterCategory: r.master_category, subCategory: r.sub_category, articleType: r.article_type,
          baseColour: r.base_colour, season: r.season, year: r.year, usage: r.usage, imageKey: r.image_key, imageSha256: r.image_sha256,
        });
      }
    } catch (err) {
      if ((err as { code?: string }).code !== '42P01') throw err; // the version's view appears with its first rows
    }
    return found;
  }
}
