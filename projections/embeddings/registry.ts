// The version registry of the embeddings projection: per model version its table, dimension, row
// count, expected row count and state. A version is `building` until it holds an embedding of every
// product it is expected to have; it is then indexed and `complete`. Exactly one complete version
// is `live` — the most recently promoted complete one, or, before any promotion made one complete,
// the complete version embedded first — and the switch is one UPDATE, so readers see the old live
// version or the new one, never a half-built one.
import { physical } from '../catalog.ts';
import { ident, type DbClient } from '../db.ts';
import { productCount } from '../products/queries.ts';
import type { EmbeddingTableNames } from './names.ts';
import { buildIndexes, type VersionState } from './schema.ts';

export interface VersionRow {
  version: string;
  table: string;
  dimension: number;
  rows: number;
  expectedRows: number | null;
  state: VersionState;
  indexed: boolean;
}

/** How many rows a complete version holds; by default, the products in the products projection. */
export type ExpectedRows = (client: DbClient) => Promise<number>;

export const catalogSize: ExpectedRows = (client) => productCount(client);

interface RawVersion {
  version: string;
  table_name: string;
  dimension: number;
  rows: number;
  expected_rows: number | null;
  state: VersionState;
  indexed: boolean;
}

function toRow(r: RawVersion): VersionRow {
  return { version: r.version, table: r.table_name, dimension: r.dimension, rows: r.rows, expectedRows: r.expected_rows, state: r.state, indexed: r.indexed };
}

export async function listVersions(client: DbClient, names: EmbeddingTableNames, generation: number): Promise<VersionRow[]> {
  const { rows } = await client.query<RawVersion>(`SELECT * FROM ${ident(physical(names.versions, generation))} ORDER BY version`);
  return rows.map(toRow);
}

/** Registers a version the first time one of its embeddings arrives; returns whether it is new. */
export async function registerVersion(client: DbClient, names: EmbeddingTableNames, generation: number, version: string, dimension: number, firstEmbeddedAt: Date): Promise<{ row: VersionRow; created: boolean }> {
  const registry = ident(physical(names.versions, generation));
  const inserted = await client.query<RawVersion>(
    `INSERT INTO ${registry} (version, table_name, dimension, first_embedded_at) VALUES ($1, $2, $3, $4)
     ON CONFLICT (version) DO NOTHING RETURNING *`,
    [version, names.versionTable(version), dimension, firstEmbeddedAt],
  );
  if (inserted.rows[0]) return { row: toRow(inserted.rows[0]), created: true };
  const { rows } = await client.query<RawVersion>(
    `UPDATE ${registry} SET first_embedded_at = LEAST(first_embedded_at, $2) WHERE version = $1 RETURNING *`,
    [version, firstEmbeddedAt],
  );
  return { row: toRow(rows[0]!), created: false };
}

export async function addRows(client: DbClient, names: EmbeddingTableNames, generation: number, version: string, inserted: number): Promise<void> {
  if (inserted === 0) return;
  await client.query(`UPDATE ${ident(physical(names.versions, generation))} SET rows = rows + $2 WHERE version = $1`, [version, inserted]);
}

/**
 * Completes the building versions that hold every expected row (indexing them in bulk), then makes
 * the right complete version live. Returns the live version afterwards.
 */
export async function settleVersions(client: DbClient, names: EmbeddingTableNames, generation: number, expectedRows: ExpectedRows): Promise<string | undefined> {
  const registry = ident(physical(names.versions, generation));
  const building = (await listVersions(client, names, generation)).filter((v) => v.state === 'building');
  if (building.length > 0) {
    const expected = await expectedRows(client);
    for (const v of building) {
      const complete = expected > 0 && v.rows >= expected;
      if (complete) await buildIndexes(client, v.table, generation);
      await client.query(`UPDATE ${registry} SET expected_rows = $2, state = $3, indexed = indexed OR $4 WHERE version = $1`, [v.version, expected, complete ? 'complete' : 'building', complete]);
    }
  }
  const chosen = await client.query<{ version: string }>(
    `SELECT v.version FROM ${registry} v
     LEFT JOIN (SELECT version, max(seq) AS last_promoted FROM ${ident(physical(names.promotions, generation))} GROUP BY version) p USING (version)
     WHERE v.state IN ('complete', 'live')
     ORDER BY p.last_promoted DESC NULLS LAST, v.first_embedded_at, v.version
     LIMIT 1`,
  );
  const live = chosen.rows[0]?.version;
  if (live === undefined) return undefined;
  await client.query(
    `UPDATE ${registry} SET state = CASE WHEN version = $1 THEN 'live' ELSE 'complete' END
     WHERE state IN ('complete', 'live') AND (state = 'live') <> (version = $1)`,
    [live],
  );
  return live;
}
