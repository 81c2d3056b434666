// What a projection is: the Avro topics it is built from, its tables, and how it applies a batch of
// events to one generation of those tables. Applying, projecting live and replaying are written
// once for all projections (apply.ts, projector.ts, replay.ts).
import type { Incoming } from '../streams/processor.ts';
import type { AvroTopic, EventOf } from '../streams/topics.ts';
import { dropGeneration } from './catalog.ts';
import type { DbClient } from './db.ts';

export type AnyEvent = EventOf[AvroTopic];

export interface Projection {
  name: string;
  topics: AvroTopic[];
  /** Base names of the tables; each generation has <table>_g<N>, readers use the view <table>. */
  tables: string[];
  /**
   * Base names of the tables a generation created from its data (one per model version, say), on
   * top of `tables`. Going live points a view at each of them; dropping a generation drops them.
   */
  dynamicTables?(client: DbClient, generation: number): Promise<string[]>;
  /** Creates the generation's tables (without the indexes a bulk load should not maintain). */
  create(client: DbClient, generation: number): Promise<void>;
  /** Upserts a batch of not-yet-applied events into the generation's tables. */
  apply(client: DbClient, generation: number, batch: Array<Incoming<AnyEvent>>): Promise<void>;
  /** Builds what a bulk load skipped (indexes); runs before a generation goes live. */
  finish?(client: DbClient, generation: number): Promise<void>;
}

/** Every table of a generation: the fixed ones first, then those its data created. */
export async function tablesOf(client: DbClient, projection: Projection, generation: number): Promise<string[]> {
  return [...projection.tables, ...((await projection.dynamicTables?.(client, generation)) ?? [])];
}

/** Drops every generation of a projection and forgets it (tests clean up with this). */
export async function discardProjection(client: DbClient, projection: Projection): Promise<void> {
  const { rows } = await client.query<{ generation: number }>(`SELECT generation FROM projection_generations WHERE projection = $1`, [projection.name]);
  for (const { generation } of rows) await dropGeneration(client, projection.name, await tablesOf(client, projection, generation), generation);
  await client.query(`DELETE FROM projection_generations WHERE projection = $1`, [projection.name]);
}
