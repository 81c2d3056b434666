// Synthetic products for `bench scale`, made in PostgreSQL from a catalog's own embeddings (no model
// work, nothing leaves the server): each synthetic product copies the attributes and name of one
// real product A (drawn uniformly, so the articleType, gender, ... mix is the catalog's) and gets
// l2_normalize(wa·A + wb·B + wc·C + noise·N) for both vectors, where B and C are two more real
// products of A's articleType, wa is uniform in [0.4, 1), wb + wc = 1 - wa, and N is one of 1,024
// random unit vectors. The data so keeps the catalog's clusters (a synthetic vector's nearest real
// neighbours share its articleType: test/integration/bench-scale.test.ts). random() is seeded once
// per load, so a table's first rows are the same rows at every size.
import { ATTRIBUTE_COLUMNS } from '../projections/embeddings/schema.ts';
import { ident, type DbClient } from '../projections/db.ts';

/** The temporary tables a load reads (per session). */
const SOURCE = 'scale_source';
const NOISE = 'scale_noise';
const NOISE_VECTORS = 1024;

export interface SyntheticOptions {
  /** Length of the noise vector added before normalising (real neighbours are ~0.1–0.3 apart in cosine distance). */
  noise?: number;
  /** setseed() argument, in [-1, 1]. */
  seed?: number;
  /** Rows per INSERT statement. */
  chunk?: number;
}

/** Copies the real rows (both vectors present) of `source` into the session's temporary tables, numbered overall and per articleType; returns how many. */
export async function prepareSource(client: DbClient, source: string, dimension: number, seed = 0.42): Promise<number> {
  const columns = ATTRIBUTE_COLUMNS.filter((c) => c !== 'embedded_at');
  await client.query(`DROP TABLE IF EXISTS ${SOURCE}, ${NOISE}`);
  await client.query(
    `CREATE TEMP TABLE ${SOURCE} AS
     SELECT row_number() OVER (ORDER BY product_id)::int AS rn,
            row_number() OVER (PARTITION BY coalesce(article_type, '') ORDER BY product_id)::int AS k,
            count(*) OVER (PARTITION BY coalesce(article_type, ''))::int AS type_count,
            coalesce(article_type, '') AS type_key,
            ${columns.join(', ')}, image_embedding, text_embedding
     FROM ${source} WHERE image_embedding IS NOT NULL AND text_embedding IS NOT NULL`,
  );
  await client.query(`CREATE UNIQUE INDEX ON ${SOURCE} (rn)`);
  await client.query(`CREATE UNIQUE INDEX ON ${SOURCE} (type_key, k)`);
  await client.query(`ANALYZE ${SOURCE}`);
  await client.query(`SELECT setseed($1)`, [seed]);
  await client.query(
    `CREATE TEMP TABLE ${NOISE} AS
     SELECT j AS rn, l2_normalize(ARRAY(SELECT random_normal() FROM generate_series(1, $1::int) WHERE j >= 0)::vector) AS v
     FROM generate_series(0, ${NOISE_VECTORS - 1}) j`,
    [dimension],
  );
  await client.query(`CREATE UNIQUE INDEX ON ${NOISE} (rn)`);
  const { rows } = await client.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${SOURCE}`);
  if (rows[0]!.n === 0) throw new Error(`${source} holds no row with both embeddings to make synthetic products from`);
  return rows[0]!.n;
}

/**
 * Inserts synthetic products 1..count into `target` (a version table's physical name, columns of
 * projections/embeddings/schema.ts), after prepareSource() on the same session. `progress` is
 * called after every statement with the rows so far.
 */
export async function loadSynthetic(client: DbClient, target: string, count: number, dimension: number, options: SyntheticOptions = {}, progress?: (rows: number) => void): Promise<void> {
  const { noise = 0.05, seed = 0.42, chunk = 20_000 } = options;
  const copied = ATTRIBUTE_COLUMNS.filter((c) => c !== 'product_id' && c !== 'embedded_at');
  const total = (await client.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${SOURCE}`)).rows[0]!.n;
  const weight = (w: string): string => `array_fill((${w})::real, ARRAY[${dimension}])::vector`;
  const mix = (column: string): string =>
    `l2_normalize(a.${column} * ${weight('g.wa')} + b.${column} * ${weight('g.wb')} + c.${column} * ${weight('g.wc')} + n.v * ${weight('$4')})`;
  await client.query(`SELECT setseed($1)`, [seed]);
  for (let start = 1; start <= count; start += chunk) {
    const end = Math.min(count, start + chunk - 1);
    await client.query(
      `INSERT INTO ${ident(target)} (product_id, ${copied.join(', ')}, embedded_at, image_embedding, text_embedding)
       SELECT g.i, ${copied.map((c) => `a.${c}`).join(', ')}, 'epoch', ${mix('image_embedding')}, ${mix('text_embedding')}
       FROM (
         SELECT i, ra, rb, rc, rn, wa, (1 - wa) * split AS wb, (1 - wa) * (1 - split) AS wc FROM (
           SELECT i, 1 + floor(random() * $3)::int AS ra, random() AS rb, random() AS rc, floor(random() * ${NOISE_VECTORS})::int AS rn,
                  0.4 + 0.6 * random() AS wa, random() AS split
           FROM generate_series($1::int, $2::int) i
         ) r
       ) g
       JOIN ${SOURCE} a ON a.rn = g.ra
       JOIN ${SOURCE} b ON b.type_key = a.type_key AND b.k = 1 + floor(g.rb * a.type_count)::int
       JOIN ${SOURCE} c ON c.type_key = a.type_key AND c.k = 1 + floor(g.rc * a.type_count)::int
       JOIN ${NOISE} n ON n.rn = g.rn`,
      [start, end, total, noise],
    );
    progress?.(end);
  }
}
