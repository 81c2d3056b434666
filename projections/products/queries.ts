// What other modules read from the products projection: the one place outside projection.ts whose
// SQL names its view `products`. A processor or another projection that needs the catalog imports
// these functions, so the dependency shows in the import graph.
import type { Db, DbClient } from '../db.ts';

type Queryable = Db | DbClient;

/** A product as the live generation stores it. */
export interface StoredProduct {
  id: number;
  displayName: string | null;
  gender: string | null;
  masterCategory: string | null;
  subCategory: string | null;
  articleType: string | null;
  baseColour: string | null;
  season: string | null;
  usage: string | null;
  year: number | null;
  imageNormalizedKey: string;
  datasetSnapshot: string;
}

interface Row {
  id: number;
  display_name: string | null;
  gender: string | null;
  master_category: string | null;
  sub_category: string | null;
  article_type: string | null;
  base_colour: string | null;
  season: string | null;
  usage: string | null;
  year: number | null;
  image_normalized_key: string;
  dataset_snapshot: string;
}

const COLUMNS = 'id, display_name, gender, master_category, sub_category, article_type, base_colour, season, usage, year, image_normalized_key, dataset_snapshot';

function toProduct(r: Row): StoredProduct {
  return {
    id: r.id,
    displayName: r.display_name,
    gender: r.gender,
    masterCategory: r.master_category,
    subCategory: r.sub_category,
    articleType: r.article_type,
    baseColour: r.base_colour,
    season: r.season,
    usage: r.usage,
    year: r.year,
    imageNormalizedKey: r.image_normalized_key,
    datasetSnapshot: r.dataset_snapshot,
  };
}

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
  const { rows } = await db.query<Row>(`SELECT ${COLUMNS} FROM products WHERE id = $1`, [id]);
  return rows[0] ? toProduct(rows[0]) : undefined;
}

/** The products that have a display name, of one dataset snapshot or (null) of all. */
export async function namedProducts(db: Queryable, datasetSnapshot: string | null): Promise<StoredProduct[]> {
  const { rows } = await db.query<Row>(
    `SELECT ${COLUMNS} FROM products WHERE display_name IS NOT NULL AND ($1::text IS NULL OR dataset_snapshot = $1)`,
    [datasetSnapshot],
  );
  return rows.map(toProduct);
}
