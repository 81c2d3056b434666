// What a projection is: the Avro topics it is built from, its tables, and how it applies a batch of
// events to one generation of those tables. Applying, projecting live and replaying are written
// once for all projections (apply.ts, projector.ts, replay.ts).
import type { Incoming } from '../streams/processor.ts';
import type { AvroTopic, EventOf } from '../streams/topics.ts';
import type { DbClient } from './db.ts';

export type AnyEvent = EventOf[AvroTopic];

export interface Projection {
  name: string;
  topics: AvroTopic[];
  /** Base names of the tables; each generation has <table>_g<N>, readers use the view <table>. */
  tables: string[];
  /** Creates the generation's tables (without the indexes a bulk load should not maintain). */
  create(client: DbClient, generation: number): Promise<void>;
  /** Upserts a batch of not-yet-applied events into the generation's tables. */
  apply(client: DbClient, generation: number, batch: Array<Incoming<AnyEvent>>): Promise<void>;
  /** Builds what a bulk load skipped (indexes); runs before a generation goes live. */
  finish?(client: DbClient, generation: number): Promise<void>;
}
