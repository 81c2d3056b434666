// Inputs of the search benchmark, all real: a seeded sample of the live catalog (display names,
// attributes, image keys), the dataset's own image files for those products, and the
// natural-language queries of the base model's recipe (read from models/recipe/train_base.py, so
// the bench judges the same queries the recipe reports).
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ident, type Db } from '../projections/db.ts';
import { DEFAULT_NAMESPACE, tableNames } from '../projections/embeddings/names.ts';
import { attributesFromRow, NAME_ATTRIBUTE, PRODUCT_ATTRIBUTES, type ProductAttributes } from '../schemas/product-attributes.ts';

export interface LiveTable {
  version: string;
  /** The view over the live version's table. */
  view: string;
  dimension: number;
  rows: number;
}

/** A sampled product: its id, its display name, and its attributes as the events name them. */
export type SampleProduct = { id: number; name: string } & ProductAttributes;

export interface NlQuery {
  text: string;
  genders: string[];
  articleTypes: string[];
  colours: string[];
}

/**
 * The half of a title query (a sampled product's display name), fixed by the product: the first
 * byte of sha256(product id in decimal) even → dev, odd → test. Ranking is tuned on dev only;
 * the test half is reported.
 */
export function titleHalf(productId: number): 'dev' | 'test' {
  return crypto.createHash('sha256').update(String(productId)).digest()[0]! % 2 === 0 ? 'dev' : 'test';
}

export async function liveTable(db: Db, namespace = DEFAULT_NAMESPACE): Promise<LiveTable> {
  const names = tableNames(namespace);
  const { rows } = await db.query<{ version: string; table_name: string; dimension: number; rows: number }>(
    `SELECT version, table_name, dimension, rows FROM ${ident(names.versions)} WHERE state = 'live'`,
  );
  const row = rows[0];
  if (!row) throw new Error(`no model version is live in the embeddings projection "${namespace}": run \`npx vitrina start --once\` first`);
  return { version: row.version, view: row.table_name, dimension: row.dimension, rows: row.rows };
}

/** `count` products of the live table with a name and an image embedding, in an order fixed by the seed. */
export async function sampleProducts(db: Db, table: LiveTable, count: number, seed: string): Promise<SampleProduct[]> {
  const { rows } = await db.query<Record<string, unknown> & { product_id: number }>(
    `SELECT product_id, ${PRODUCT_ATTRIBUTES.map((a) => a.column).join(', ')} FROM ${ident(table.view)}
     WHERE display_name IS NOT NULL AND image_embedding IS NOT NULL AND text_embedding IS NOT NULL
     ORDER BY md5($1 || product_id::text), product_id LIMIT $2`,
    [seed, count],
  );
  return rows.map((r) => ({ id: r.product_id, name: r[NAME_ATTRIBUTE.column] as string, ...attributesFromRow(r) }));
}

/** A product's stored vector (image or name embedding) of the live table. */
export async function storedVectors(db: Db, table: LiveTable, column: 'image_embedding' | 'text_embedding', ids: number[]): Promise<Map<number, Float32Array>> {
  const { rows } = await db.query<{ product_id: number; v: string }>(`SELECT product_id, ${column}::text AS v FROM ${ident(table.view)} WHERE product_id = ANY($1::int[]) AND ${column} IS NOT NULL`, [ids]);
  return new Map(rows.map((r) => [r.product_id, Float32Array.from(JSON.parse(r.v) as number[])]));
}

/** The dataset's image files of the products that have one (the originals the ingest read). */
export function datasetImages(datasetDir: string, ids: number[]): Map<number, Buffer> {
  const out = new Map<number, Buffer>();
  for (const id of ids) {
    const file = path.join(datasetDir, 'images', `${id}.jpg`);
    if (fs.existsSync(file)) out.set(id, fs.readFileSync(file));
  }
  return out;
}

const RECIPE = fileURLToPath(new URL('../models/recipe/train_base.py', import.meta.url));

function setOf(literal: string): string[] {
  return [...literal.matchAll(/"([^"]*)"/g)].map((m) => m[1]!);
}

/** NL_QUERIES of the recipe: (text, genders, articleTypes, colours) tuples of string literals and sets. */
export function recipeNlQueries(source: string = fs.readFileSync(RECIPE, 'utf8')): NlQuery[] {
  const block = /^NL_QUERIES = \[\n([\s\S]*?)^\]/m.exec(source)?.[1];
  if (!block) throw new Error(`NL_QUERIES not found in ${RECIPE}`);
  const queries: NlQuery[] = [];
  for (const line of block.split('\n')) {
    if (!line.trim()) continue;
    const m = /^\s*\("([^"]+)",\s*\{([^}]*)\},\s*\{([^}]*)\},\s*\{([^}]*)\}\),?\s*$/.exec(line);
    if (!m) throw new Error(`cannot read this NL_QUERIES line of ${RECIPE}: ${line.trim()}`);
    queries.push({ text: m[1]!, genders: setOf(m[2]!), articleTypes: setOf(m[3]!), colours: setOf(m[4]!) });
  }
  return queries;
}

/**
 * The recipe's judgement of a result for a natural-language query: gender in the query's set (with
 * Unisex accepted when the set holds Men or Women), articleType and colour in theirs.
 */
export function matchesNlQuery(q: NlQuery, p: { gender: string | null; articleType: string | null; baseColour: string | null }): boolean {
  const genders = new Set(q.genders);
  if (genders.has('Men') || genders.has('Women')) genders.add('Unisex');
  return p.gender !== null && genders.has(p.gender) && p.articleType !== null && q.articleTypes.includes(p.articleType) && p.baseColour !== null && q.colours.includes(p.baseColour);
}
