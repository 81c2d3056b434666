// Which generation of each projection is live. A projection's tables exist once per generation
// (<table>_g<N>); readers query a view named <table> that points at the live generation, so a
// rebuilt generation goes live by repointing the views in one transaction.
import { ident, type DbClient } from './db.ts';

export async function ensureCatalog(client: DbClient): Promise<void> {
  await client.query(`
    CREATE TABLE IF NOT EXISTS projection_generations (
      projection text NOT NULL,
      generation int NOT NULL,
      state text NOT NULL CHECK (state IN ('building', 'live', 'retired')),
      created_at timestamptz NOT NULL DEFAULT now(),
      live_since timestamptz,
      PRIMARY KEY (projection, generation)
    );
    CREATE TABLE IF NOT EXISTS projection_offsets (
      projection text NOT NULL,
      generation int NOT NULL,
      topic text NOT NULL,
      partition int NOT NULL,
      next_offset bigint NOT NULL,
      PRIMARY KEY (projection, generation, topic, partition)
    );`);
}

export function physical(table: string, generation: number): string {
  return `${table}_g${generation}`;
}

export async function liveGeneration(client: DbClient, projection: string): Promise<number | undefined> {
  const { rows } = await client.query<{ generation: number }>(
    `SELECT generation FROM projection_generations WHERE projection = $1 AND state = 'live'`,
    [projection],
  );
  return rows[0]?.generation;
}

export async function nextGeneration(client: DbClient, projection: string): Promise<number> {
  const { rows } = await client.query<{ next: number }>(
    `SELECT COALESCE(MAX(generation), 0) + 1 AS next FROM projection_generations WHERE projection = $1`,
    [projection],
  );
  const generation = rows[0]!.next;
  await client.query(`INSERT INTO projection_generations (projection, generation, state) VALUES ($1, $2, 'building')`, [projection, generation]);
  return generation;
}

/**
 * `name` in the schema this session creates in (the first of its search_path). Drops name it: an
 * unqualified `DROP VIEW products` resolves along the whole search_path, so a process whose own
 * schema comes before public (bench pipeline's namespace) dropped the catalog's view in public.
 */
async function own(client: DbClient, name: string): Promise<string> {
  const { rows } = await client.query<{ schema: string }>(`SELECT current_schema() AS schema`);
  return `${ident(rows[0]!.schema)}.${ident(name)}`;
}

/** Points the view <table> at the generation's table <table>_g<N> (also for a table a live generation gains later). */
export async function exposeTable(client: DbClient, table: string, generation: number): Promise<void> {
  await client.query(`DROP VIEW IF EXISTS ${await own(client, table)}`);
  await client.query(`CREATE VIEW ${ident(table)} AS SELECT * FROM ${ident(physical(table, generation))}`);
}

/** Makes `generation` live: repoints the views and retires the previous generation. */
export async function makeLive(client: DbClient, projection: string, tables: string[], generation: number): Promise<number | undefined> {
  const previous = await liveGeneration(client, projection);
  for (const table of tables) await exposeTable(client, table, generation);
  await client.query(`UPDATE projection_generations SET state = 'retired' WHERE projection = $1 AND state = 'live'`, [projection]);
  await client.query(`UPDATE projection_generations SET state = 'live', live_since = now() WHERE projection = $1 AND generation = $2`, [projection, generation]);
  return previous;
}

/** Drops a generation's tables, in the order given (a reader holding the first one keeps the rest alive). */
export async function dropGeneration(client: DbClient, projection: string, tables: string[], generation: number): Promise<void> {
  for (const table of tables) await client.query(`DROP TABLE IF EXISTS ${await own(client, physical(table, generation))} CASCADE`);
  await client.query(`DELETE FROM projection_offsets WHERE projection = $1 AND generation = $2`, [projection, generation]);
}

/** Next offset to apply per partition of a topic, for one generation. */
export async function appliedOffsets(client: DbClient, projection: string, generation: number, topic: string): Promise<Map<number, bigint>> {
  const { rows } = await client.query<{ partition: number; next_offset: string }>(
    `SELECT partition, next_offset FROM projection_offsets WHERE projection = $1 AND generation = $2 AND topic = $3`,
    [projection, generation, topic],
  );
  return new Map(rows.map((r) => [r.partition, BigInt(r.next_offset)]));
}

export async function recordOffset(client: DbClient, projection: string, generation: number, topic: string, partition: number, nextOffset: bigint): Promise<void> {
  await client.query(
    `INSERT INTO projection_offsets (projection, generation, topic, partition, next_offset) VALUES ($1, $2, $3, $4, $5)
     ON CONFLICT (projection, generation, topic, partition) DO UPDATE SET next_offset = GREATEST(projection_offsets.next_offset, EXCLUDED.next_offset)`,
    [projection, generation, topic, partition, nextOffset.toString()],
  );
}
