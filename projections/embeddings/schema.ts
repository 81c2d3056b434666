// The DDL of the embeddings projection: the version registry, the promotions it follows, and one
// table per model version with pgvector columns, the filter attributes and a tsvector of the name.
// Version tables are created without indexes; buildIndexes() adds the HNSW (cosine), full-text and
// filter-column indexes once the version is complete, so a bulk load never maintains them row by row.
import { FILTER_ATTRIBUTES, NAME_ATTRIBUTE, SQL_TYPES, VIEW_ATTRIBUTES, type FilterName } from '../../schemas/product-attributes.ts';
import { processSettings } from '../../platform/env-table.ts';
import { physical } from '../catalog.ts';
import { ident, type DbClient } from '../db.ts';
import type { EmbeddingTableNames } from './names.ts';

export const VERSION_STATES = ['building', 'complete', 'live'] as const;
export type VersionState = (typeof VERSION_STATES)[number];

export async function createRegistry(client: DbClient, names: EmbeddingTableNames, generation: number): Promise<void> {
  await client.query(`CREATE EXTENSION IF NOT EXISTS vector`);
  await client.query(`
    CREATE TABLE IF NOT EXISTS ${ident(physical(names.versions, generation))} (
      version text PRIMARY KEY,
      table_name text NOT NULL UNIQUE,
      dimension int NOT NULL CHECK (dimension > 0),
      rows int NOT NULL DEFAULT 0,
      expected_rows int,
      state text NOT NULL DEFAULT 'building' CHECK (state IN (${VERSION_STATES.map((s) => `'${s}'`).join(', ')})),
      indexed boolean NOT NULL DEFAULT false,
      first_embedded_at timestamptz NOT NULL
    )`);
  await client.query(`
    CREATE TABLE IF NOT EXISTS ${ident(physical(names.promotions, generation))} (
      seq bigint PRIMARY KEY,
      version text NOT NULL,
      previous_version text,
      reason text NOT NULL,
      promoted_by text NOT NULL,
      promoted_at timestamptz NOT NULL
    )`);
}

/** Columns of a version table that are not vectors, in insert order (see projection.ts): the product attributes in the order a product is shown. */
export const ATTRIBUTE_COLUMNS: readonly string[] = ['product_id', ...VIEW_ATTRIBUTES.map((a) => a.column), 'image_key', 'image_sha256', 'embedded_at'];

export async function createVersionTable(client: DbClient, table: string, generation: number, dimension: number): Promise<void> {
  if (!Number.isInteger(dimension) || dimension < 1 || dimension > 2000) throw new Error(`unsupported embedding dimension ${dimension}`);
  await client.query(`
    CREATE TABLE IF NOT EXISTS ${ident(physical(table, generation))} (
      product_id int PRIMARY KEY,
      ${VIEW_ATTRIBUTES.map((a) => `${a.column} ${SQL_TYPES[a.type]},`).join('\n      ')}
      image_key text,
      image_sha256 text,
      embedded_at timestamptz NOT NULL,
      image_embedding vector(${dimension}),
      text_embedding vector(${dimension}),
      name_tsv tsvector GENERATED ALWAYS AS (to_tsvector('english', coalesce(${NAME_ATTRIBUTE.column}, ''))) STORED
    )`);
}

/** Every filter column has a B-tree; the short suffix of its index name (names must stay under 63 bytes; tables already built carry these). */
const FILTER_INDEX_SUFFIXES: Record<FilterName, string> = {
  gender: 'fg',
  masterCategory: 'fm',
  subCategory: 'fs',
  articleType: 'fa',
  baseColour: 'fb',
  season: 'fe',
  usage: 'fu',
  year: 'fy',
};

export function indexNames(table: string, generation: number): { image: string; text: string; keyword: string } {
  const base = physical(table, generation);
  return { image: `${base}_ih`, text: `${base}_th`, keyword: `${base}_kw` };
}

/** Builds the HNSW indexes (cosine) of both vector columns and the full-text index, in bulk. */
export async function buildIndexes(client: DbClient, table: string, generation: number, memory = processSettings().VITRINA_INDEX_BUILD_MEMORY): Promise<void> {
  const name = ident(physical(table, generation));
  const index = indexNames(table, generation);
  await client.query(`SELECT set_config('maintenance_work_mem', $1, true)`, [memory]);
  await client.query(`CREATE INDEX IF NOT EXISTS ${ident(index.image)} ON ${name} USING hnsw (image_embedding vector_cosine_ops) WITH (m = 16, ef_construction = 64)`);
  await client.query(`CREATE INDEX IF NOT EXISTS ${ident(index.text)} ON ${name} USING hnsw (text_embedding vector_cosine_ops) WITH (m = 16, ef_construction = 64)`);
  await client.query(`CREATE INDEX IF NOT EXISTS ${ident(index.keyword)} ON ${name} USING gin (name_tsv)`);
  // B-trees of the filter columns: a selective filter finds its rows through them and ranks them exactly.
  for (const a of FILTER_ATTRIBUTES) {
    await client.query(`CREATE INDEX IF NOT EXISTS ${ident(`${physical(table, generation)}_${FILTER_INDEX_SUFFIXES[a.field]}`)} ON ${name} (${a.column})`);
  }
  await client.query(`ANALYZE ${name}`);
}
