// What other modules read from the products projection: the one place outside projection.ts whose
// SQL names its view `products`. A processor or another projection that needs the catalog imports
// these functions, so the dependency shows in the import graph.
import { FILTER_ATTRIBUTES, NAME_ATTRIBUTE, type ProductAttributes } from '../../schemas/product-attributes.ts';
import type { Db, DbClient } from '../db.ts';

type Queryable = Db | DbClient;

/** A product as the live generation stores it: its attributes (schemas/product-attributes.ts; the display name as displayName) and its image. */
export type StoredProduct = { id: number; displayName: string | null } & Omit<ProductAttributes, 'productDisplayName'> & {
  imageNormalizedKey: string;
  datasetSnapshot: string;
};

/** The columns, named as StoredProduct's fields (pg returns int and text as numbers and strings). */
const COLUMNS = [
  'id',
  `${NAME_ATTRIBUTE.column} AS "displayName"`,
  ...FILTER_ATTRIBUTES.map((a) => `${a.column} AS "${a.field}"`),
  'image_normalized_key AS "imageNormalizedKey"',
  'dataset_snapshot AS "datasetSnapshot"',
].join(', ');

/** Whether the projection has a live generation (its view exists). */
async function exists(db: Queryable): Promise<boolean> {
  const { rows } = await db.query<{ t: string | null }>(`SELECT to_regclass('products')::text AS t`);
  return Boolean(rows[0]?.t);
}

/** How many products the live generation holds; 0 before the projection's first event. */
export async function productCount(db: Queryable): Promise<number> {
  if (!(await exists(db))) return 0;
  const { rows } = await db.query<{ n: string }>(`SELECT count(*) AS n FROM products`);
  return Number(rows[0]!.n);
}

/** One product by id, or undefined (also before the projection's first event). */
export async function productById(db: Queryable, id: number): Promise<StoredProduct | undefined> {
  if (!(await exists(db))) return undefined;
  const { rows } = await db.query<StoredProduct>(`SELECT ${COLUMNS} FROM products WHERE id = $1`, [id]);
  return rows[0];
}

/** The products that have a display name, of one dataset snapshot or (null) of all. */
export async function namedProducts(db: Queryable, datasetSnapshot: string | null): Promise<StoredProduct[]> {
  const { rows } = await db.query<StoredProduct>(
    `SELECT ${COLUMNS} FROM products WHERE display_name IS NOT NULL AND ($1::text IS NULL OR dataset_snapshot = $1)`,
    [datasetSnapshot],
  );
  return rows;
}
