// The search core the gateway and the streaming dispatcher share: nearest neighbours over the live
// model version's table (or a named complete version), with filters, exact pagination, hybrid
// reciprocal rank fusion, "more like this", products and facets.
//
// Every query runs in one read-only transaction that first pins the settings of the HNSW scan:
// pgvector 0.8 iterative index scans in strict order, so a filter still fills k rows (the scan
// goes on past ef_search until enough rows pass the filter or max_scan_tuples is hit) and rows
// come out ordered by distance. A filter so selective that few rows pass (exactBelow, as the planner
// estimates) is answered by an exact scan of those rows instead (the B-tree indexes of the filter
// columns find them): faster than an index scan that must skip 99% of what it visits, and exact. Pages are exact:
// candidates are re-sorted by (distance, product id), and the scan is extended until the tie
// group at a page's end is whole.
import type { Db, DbClient } from '../db.ts';
import { ident, inTransaction } from '../db.ts';
import { processSettings } from '../../platform/env-table.ts';
import { FILTER_ATTRIBUTES, VIEW_ATTRIBUTES, type ProductAttributesView } from '../../schemas/product-attributes.ts';
import { productById } from '../products/queries.ts';
import { DimensionMismatchError, ProductNotFoundError, SearchUnavailableError, UnknownModelVersionError } from './errors.ts';
import { boostCount, excludeConditions, FILTER_COLUMNS, FILTER_NAMES, filterConditions, type SearchFilters } from './filters.ts';
import { DEFAULT_NAMESPACE, tableNames, type EmbeddingTableNames } from './names.ts';
import { vectorLiteral } from './vectors.ts';

export type { SearchFilters } from './filters.ts';
export { DimensionMismatchError, ProductNotFoundError, SearchUnavailableError, UnknownModelVersionError } from './errors.ts';

/** A product as search shows it: its id, its attributes under their API names, its image key. */
export type ProductView = { id: number } & ProductAttributesView & { imageKey: string | null };

export interface Hit {
  product: ProductView;
  score: number;
}

export interface SearchPage {
  modelVersion: string;
  hits: Hit[];
  k: number;
  offset: number;
}

export interface SearchOptions {
  k: number;
  offset?: number;
  filters?: SearchFilters;
  /** Drop products with any of these values (a missing value is dropped too). */
  exclude?: SearchFilters;
  /** Raise products with these values: each matching attribute moves a product up by boostWeight (vector modes: in cosine distance; hybrid: in fused rank score). Ranked within the first hybridPool candidates (or all that pass few-row filters). */
  boost?: SearchFilters;
  /** A complete (or live) model version; default the live one. */
  modelVersion?: string;
}

export interface SearchCoreOptions {
  /** Namespace of the embeddings projection; default "embeddings". */
  namespace?: string;
  /** hnsw.ef_search: candidates of the first scan round; fixed so that every page sees one scan. Default the process's VITRINA_HNSW_EF_SEARCH (platform/env-table.ts). */
  efSearch?: number;
  /** hnsw.max_scan_tuples: how far an iterative scan may go looking for rows that pass the filters. Default 20000. */
  maxScanTuples?: number;
  /** How many candidates each ranked list of a hybrid search contributes; pages end there. Default 100. */
  hybridPool?: number;
  /** The k of reciprocal rank fusion, 1 / (k + rank). Default 60. */
  rrfK?: number;
  /** What one boosted attribute is worth: cosine distance in the vector modes (default 0.03); hybrid scores get this share of one first place, 1 / (rrfK + 1). */
  boostWeight?: number;
  /** A filtered search whose filters pass at most this many rows ranks them exactly instead of through HNSW. Default 5000; 0 never. */
  exactBelow?: number;
}

interface Target {
  version: string;
  view: string;
  dimension: number;
}

/** A row of a version table as the searches select it (PRODUCT_COLUMNS). */
type ProductRow = Record<string, unknown> & { product_id: number; image_key: string | null };

export const PRODUCT_COLUMNS = ['product_id', ...VIEW_ATTRIBUTES.map((a) => a.column), 'image_key'].join(', ');

function viewOf(r: ProductRow): ProductView {
  const view: Record<string, unknown> = { id: r.product_id };
  for (const a of VIEW_ATTRIBUTES) view[a.api] = r[a.column];
  view.imageKey = r.image_key;
  return view as ProductView;
}

function checkPaging(o: SearchOptions): { k: number; offset: number } {
  const offset = o.offset ?? 0;
  if (!Number.isInteger(o.k) || o.k < 1) throw new RangeError(`k must be a positive integer, got ${o.k}`);
  if (!Number.isInteger(offset) || offset < 0) throw new RangeError(`offset must be a non-negative integer, got ${offset}`);
  return { k: o.k, offset };
}

/** The words of a query as an OR of terms for websearch_to_tsquery, so any word may match. */
export function keywordQuery(query: string): string {
  return (query.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? []).slice(0, 32).join(' or ');
}

type VectorColumn = 'image_embedding' | 'text_embedding';

function positiveInteger(name: string, value: number): number {
  if (!Number.isInteger(value) || value < 1) throw new RangeError(`${name} must be a positive integer, got ${value}`);
  return value;
}

export class SearchCore {
  private readonly names: EmbeddingTableNames;
  private readonly efSearch: number;
  private readonly maxScanTuples: number;
  private readonly hybridPool: number;
  private readonly rrfK: number;
  private readonly exactBelow: number;
  private readonly boostWeight: number;

  constructor(
    private readonly db: Db,
    options: SearchCoreOptions = {},
  ) {
    this.names = tableNames(options.namespace ?? DEFAULT_NAMESPACE);
    this.efSearch = positiveInteger('efSearch', options.efSearch ?? processSettings().VITRINA_HNSW_EF_SEARCH);
    this.maxScanTuples = positiveInteger('maxScanTuples', options.maxScanTuples ?? 20_000);
    this.hybridPool = options.hybridPool ?? 100;
    this.rrfK = options.rrfK ?? 60;
    this.exactBelow = options.exactBelow ?? 5_000;
    this.boostWeight = options.boostWeight ?? 0.03;
  }

  /** The model version searches read unless told otherwise; undefined until one is complete. */
  async liveVersion(): Promise<string | undefined> {
    const client = await this.db.connect();
    try {
      return (await this.resolve(client, undefined, false))?.version;
    } finally {
      client.release();
    }
  }

  byImageVector(v: Float32Array, o: SearchOptions): Promise<SearchPage> {
    return this.session(o.modelVersion, (client, target) => this.nearest(client, target, 'image_embedding', this.literal(v, target), o));
  }

  /** A text query's embedding against the image embeddings (cross-modal): the main text search. */
  byTextVector(v: Float32Array, o: SearchOptions): Promise<SearchPage> {
    return this.session(o.modelVersion, (client, target) => this.nearest(client, target, 'image_embedding', this.literal(v, target), o));
  }

  /** A text query's embedding against the embeddings of the product names. */
  byNameVector(v: Float32Array, o: SearchOptions): Promise<SearchPage> {
    return this.session(o.modelVersion, (client, target) => this.nearest(client, target, 'text_embedding', this.literal(v, target), o));
  }

  /** Neighbours of a product's image embedding, the product itself excluded. */
  moreLikeThis(productId: number, o: SearchOptions): Promise<SearchPage> {
    return this.session(o.modelVersion, async (client, target) => {
      const { rows } = await client.query<{ v: string | null }>(`SELECT image_embedding::text AS v FROM ${ident(target.view)} WHERE product_id = $1`, [productId]);
      const v = rows[0]?.v;
      if (!v) throw new ProductNotFoundError(productId);
      return this.nearest(client, target, 'image_embedding', v, o, productId);
    });
  }

  /**
   * Reciprocal rank fusion of three ranked lists, in one statement: the query embedding against
   * image embeddings and against name embeddings (each the top hybridPool candidates under the
   * filters, so pages end there), and the Postgres full-text match of its words in the names of
   * those candidates (ranking the full-text match of the whole catalog cost most of hybrid's time:
   * a common word such as "men" matches half of it). Score: sum of 1 / (rrfK + rank), plus
   * boostWeight / (rrfK + 1) per boosted attribute a product has.
   */
  hybrid(query: string, v: Float32Array, o: SearchOptions): Promise<SearchPage> {
    return this.session(o.modelVersion, async (client, target) => {
      const { k, offset } = checkPaging(o);
      const view = ident(target.view);
      const params: unknown[] = [this.literal(v, target), keywordQuery(query), this.hybridPool, this.rrfK];
      const and = [...filterConditions(o.filters, params), ...excludeConditions(o.exclude, params)].map((c) => ` AND ${c}`).join('');
      await this.fewRowsPass(client, target, o.filters, o.exclude);
      const boost = boostCount(o.boost, params, 't.');
      params.push(this.boostWeight / (this.rrfK + 1));
      const weight = `$${params.length}`;
      params.push(k, offset);
      const ranked = (column: VectorColumn): string => `
        SELECT product_id, row_number() OVER (ORDER BY d, product_id) AS r FROM (
          SELECT product_id, ${column} <=> $1::vector AS d FROM ${view}
          WHERE ${column} IS NOT NULL${and} ORDER BY ${column} <=> $1::vector LIMIT $3
        ) c`;
      const { rows } = await client.query<ProductRow & { score: number }>(
        `WITH image_list AS MATERIALIZED (${ranked('image_embedding')}),
              name_list AS MATERIALIZED (${ranked('text_embedding')}),
              keyword_list AS (
                SELECT product_id, row_number() OVER (ORDER BY ts_rank_cd(t.name_tsv, q) DESC, product_id) AS r
                FROM (SELECT product_id FROM image_list UNION SELECT product_id FROM name_list) c
                JOIN ${view} t USING (product_id), websearch_to_tsquery('english', $2) q
                WHERE t.name_tsv @@ q),
              fused AS (
                SELECT product_id, sum(1.0::float8 / ($4 + r)) AS score
                FROM (SELECT * FROM image_list UNION ALL SELECT * FROM name_list UNION ALL SELECT * FROM keyword_list) u
                GROUP BY product_id)
         SELECT ${PRODUCT_COLUMNS.split(', ').map((c) => `t.${c}`).join(', ')}, f.score + ${weight}::float8 * ${boost} AS score
         FROM fused f JOIN ${view} t USING (product_id)
         ORDER BY score DESC, f.product_id
         LIMIT $${params.length - 1} OFFSET $${params.length}`,
        params,
      );
      return { modelVersion: target.version, hits: rows.map((r) => ({ product: viewOf(r), score: r.score })), k, offset };
    });
  }

  /** A product by id: from the live version's table, else from the products projection. */
  async product(id: number): Promise<ProductView | undefined> {
    const client = await this.db.connect();
    try {
      const target = await this.resolve(client, undefined, false);
      if (target) {
        const { rows } = await client.query<ProductRow>(`SELECT ${PRODUCT_COLUMNS} FROM ${ident(target.view)} WHERE product_id = $1`, [id]);
        if (rows[0]) return viewOf(rows[0]);
      }
      const p = await productById(client, id);
      if (!p) return undefined;
      return { id: p.id, name: p.displayName, ...Object.fromEntries(FILTER_ATTRIBUTES.map((a) => [a.api, p[a.field]])), imageKey: p.imageNormalizedKey } as ProductView;
    } finally {
      client.release();
    }
  }

  /** Counts per value of every attribute among the live version's products that pass the filters. */
  facets(filters: SearchFilters): Promise<Record<string, Array<{ value: string; count: number }>>> {
    return this.session(undefined, (client, target) => this.countValues(client, target, filters));
  }

  /** The values each attribute takes in the live version, read anew on each call (the gateway caches them: gateway/filters.ts FilterValueCache). */
  async filterValues(): Promise<Record<string, string[]>> {
    return this.session(undefined, async (client, target) => {
      const counts = await this.countValues(client, target, {});
      return Object.fromEntries(Object.entries(counts).map(([name, list]) => [name, list.map((c) => c.value).sort()]));
    });
  }

  private async countValues(client: DbClient, target: Target, filters: SearchFilters): Promise<Record<string, Array<{ value: string; count: number }>>> {
    const params: unknown[] = [];
    const where = filterConditions(filters, params);
    const columns = FILTER_NAMES.map((n) => FILTER_COLUMNS[n]);
    const attribute = `CASE ${FILTER_NAMES.map((n) => `WHEN grouping(${FILTER_COLUMNS[n]}) = 0 THEN '${n}'`).join(' ')} END`;
    const { rows } = await client.query<{ attribute: string; value: string | null; count: string }>(
      `SELECT ${attribute} AS attribute, COALESCE(${columns.map((c) => `${c}::text`).join(', ')}) AS value, count(*) AS count
       FROM ${ident(target.view)} ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''}
       GROUP BY GROUPING SETS (${columns.map((c) => `(${c})`).join(', ')})`,
      params,
    );
    const result: Record<string, Array<{ value: string; count: number }>> = Object.fromEntries(FILTER_NAMES.map((n) => [n, []]));
    for (const r of rows) if (r.value !== null) result[r.attribute]!.push({ value: r.value, count: Number(r.count) });
    for (const list of Object.values(result)) list.sort((a, b) => b.count - a.count || (a.value < b.value ? -1 : a.value > b.value ? 1 : 0));
    return result;
  }

  /**
   * The page [offset, offset + k) of the rows nearest to v by cosine distance, ordered by
   * (distance, product id). The HNSW scan is read to offset + k + extra rows; when the last row
   * read ties with the page's last row, the tie may continue unseen, so it reads further.
   */
  private async nearest(client: DbClient, target: Target, column: VectorColumn, v: string, o: SearchOptions, exclude?: number): Promise<SearchPage> {
    const { k, offset } = checkPaging(o);
    const params: unknown[] = [v];
    const where = [`${column} IS NOT NULL`, ...filterConditions(o.filters, params), ...excludeConditions(o.exclude, params)];
    if (exclude !== undefined) {
      params.push(exclude);
      where.push(`product_id <> $${params.length}`);
    }
    const few = await this.fewRowsPass(client, target, o.filters, o.exclude);
    const boost = boostCount(o.boost, params);
    if (boost !== '0') {
      // distance less boostWeight per boosted attribute matched: over every row that passes when
      // few do, else within the first hybridPool candidates of the scan (pages end there, as in hybrid)
      params.push(this.boostWeight);
      const weight = `$${params.length}`;
      if (!few) params.push(this.hybridPool);
      const pool = few ? '' : ` ORDER BY ${column} <=> $1::vector LIMIT $${params.length}`;
      params.push(k, offset);
      const { rows } = await client.query<ProductRow & { ranked: number }>(
        `SELECT *, distance - ${weight}::float8 * ${boost} AS ranked FROM (
           SELECT ${PRODUCT_COLUMNS}, ${column} <=> $1::vector AS distance FROM ${ident(target.view)} WHERE ${where.join(' AND ')}${pool}
         ) c ORDER BY ranked, product_id LIMIT $${params.length - 1} OFFSET $${params.length}`,
        params,
      );
      return { modelVersion: target.version, hits: rows.map((r) => ({ product: viewOf(r), score: 1 - r.ranked })), k, offset };
    }
    if (few) {
      params.push(k, offset);
      const { rows } = await client.query<ProductRow & { distance: number }>(
        `SELECT ${PRODUCT_COLUMNS}, ${column} <=> $1::vector AS distance FROM ${ident(target.view)}
         WHERE ${where.join(' AND ')} ORDER BY distance, product_id LIMIT $${params.length - 1} OFFSET $${params.length}`,
        params,
      );
      return { modelVersion: target.version, hits: rows.map((r) => ({ product: viewOf(r), score: 1 - r.distance })), k, offset };
    }
    params.push(0);
    const limit = `$${params.length}`;
    const sql = `SELECT * FROM (
        SELECT ${PRODUCT_COLUMNS}, ${column} <=> $1::vector AS distance FROM ${ident(target.view)}
        WHERE ${where.join(' AND ')} ORDER BY ${column} <=> $1::vector LIMIT ${limit}
      ) c ORDER BY distance, product_id`;
    const want = offset + k;
    let rows: Array<ProductRow & { distance: number }> = [];
    for (let extra = 1; ; extra *= 8) {
      params[params.length - 1] = want + extra;
      rows = (await client.query<ProductRow & { distance: number }>(sql, params)).rows;
      const exhausted = rows.length < want + extra;
      if (exhausted || rows.length <= want || rows[rows.length - 1]!.distance > rows[want - 1]!.distance || extra >= 4096) break;
    }
    const hits = rows.slice(offset, want).map((r) => ({ product: viewOf(r), score: 1 - r.distance }));
    return { modelVersion: target.version, hits, k, offset };
  }

  /**
   * Whether the filters pass so few rows (at most exactBelow, as the planner estimates from the
   * table's statistics: no rows are read) that ranking them exactly beats the HNSW scan; if so,
   * turns index scans off for the rest of the transaction (bitmap scans of the filter columns'
   * B-trees stay on), so the ranking statement, always the transaction's last, ranks exactly.
   */
  private async fewRowsPass(client: DbClient, target: Target, filters: SearchFilters | undefined, exclude?: SearchFilters): Promise<boolean> {
    if (this.exactBelow <= 0) return false;
    const params: unknown[] = [];
    const where = [...filterConditions(filters, params), ...excludeConditions(exclude, params)];
    if (where.length === 0) return false;
    const { rows } = await client.query<{ 'QUERY PLAN': Array<{ Plan: { 'Plan Rows': number } }> }>(
      `EXPLAIN (FORMAT JSON) SELECT 1 FROM ${ident(target.view)} WHERE ${where.join(' AND ')}`,
      params,
    );
    const few = (rows[0]?.['QUERY PLAN'][0]?.Plan['Plan Rows'] ?? Infinity) <= this.exactBelow;
    if (few) await client.query('SET LOCAL enable_indexscan = off');
    return few;
  }

  private literal(v: Float32Array, target: Target): string {
    if (v.length !== target.dimension) throw new DimensionMismatchError(target.dimension, v.length, target.version);
    return vectorLiteral(v);
  }

  /** The live version, or the named one if it is complete; undefined when there is none to read. */
  private async resolve(client: DbClient, version: string | undefined, strict: boolean): Promise<Target | undefined> {
    const missing = (): undefined => {
      if (strict && version !== undefined) throw new UnknownModelVersionError(version);
      if (strict) throw new SearchUnavailableError();
      return undefined;
    };
    let rows: Array<{ version: string; table_name: string; dimension: number }>;
    try {
      ({ rows } = await client.query<{ version: string; table_name: string; dimension: number }>(
        version === undefined
          ? `SELECT version, table_name, dimension FROM ${ident(this.names.versions)} WHERE state = 'live'`
          : `SELECT version, table_name, dimension FROM ${ident(this.names.versions)} WHERE version = $1 AND state IN ('complete', 'live')`,
        version === undefined ? [] : [version],
      ));
    } catch (err) {
      if ((err as { code?: string }).code === '42P01') return missing(); // the projection has not run yet
      throw err;
    }
    const row = rows[0];
    return row ? { version: row.version, view: row.table_name, dimension: row.dimension } : missing();
  }

  /** Runs work in a read-only transaction with the HNSW scan settings, on the resolved version. */
  private session<T>(version: string | undefined, work: (client: DbClient, target: Target) => Promise<T>): Promise<T> {
    // One round trip (simple protocol, several statements); the numbers were checked in the constructor.
    const begin = `BEGIN READ ONLY; SET LOCAL hnsw.iterative_scan = strict_order; SET LOCAL hnsw.ef_search = ${this.efSearch}; SET LOCAL hnsw.max_scan_tuples = ${this.maxScanTuples}`;
    return inTransaction(this.db, async (client) => work(client, (await this.resolve(client, version, true))!), begin);
  }
}
