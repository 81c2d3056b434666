// Applies a batch of events to the live generation of a projection in one transaction, skipping
// events whose offsets that generation already applied, so re-delivered events never apply twice
// and a projection never goes backwards. An advisory lock per projection serialises appliers
// (several projector instances, and a replay going live).
import { appliedOffsets, ensureCatalog, liveGeneration, makeLive, nextGeneration, recordOffset } from './catalog.ts';
import { inTransaction, type Db, type DbClient } from './db.ts';
import { tablesOf, type AnyEvent, type Projection } from './projection.ts';
import type { Incoming } from '../streams/processor.ts';

export async function lockProjection(client: DbClient, projection: string): Promise<void> {
  await client.query(`SELECT pg_advisory_xact_lock(hashtext($1))`, [`projection:${projection}`]);
}

/** Returns the live generation, creating generation 1 (empty, live) the first time. */
export async function ensureLive(client: DbClient, projection: Projection): Promise<number> {
  const live = await liveGeneration(client, projection.name);
  if (live !== undefined) return live;
  const generation = await nextGeneration(client, projection.name);
  await projection.create(client, generation);
  await projection.finish?.(client, generation);
  await makeLive(client, projection.name, await tablesOf(client, projection, generation), generation);
  return generation;
}

/** Keeps only the events at or after the generation's next offset of their partition. */
export async function unapplied(client: DbClient, projection: string, generation: number, batch: Array<Incoming<AnyEvent>>): Promise<Array<Incoming<AnyEvent>>> {
  const byTopic = new Map<string, Map<number, bigint>>();
  for (const topic of new Set(batch.map((m) => m.topic))) byTopic.set(topic, await appliedOffsets(client, projection, generation, topic));
  return batch.filter((m) => BigInt(m.offset) >= (byTopic.get(m.topic)?.get(m.partition) ?? 0n));
}

export async function recordBatch(client: DbClient, projection: string, generation: number, batch: Array<Incoming<AnyEvent>>): Promise<void> {
  const next = new Map<string, { topic: string; partition: number; offset: bigint }>();
  for (const m of batch) {
    const key = `${m.topic}#${m.partition}`;
    const offset = BigInt(m.offset) + 1n;
    const seen = next.get(key);
    if (!seen || offset > seen.offset) next.set(key, { topic: m.topic, partition: m.partition, offset });
  }
  for (const { topic, partition, offset } of next.values()) await recordOffset(client, projection, generation, topic, partition, offset);
}

export async function applyToGeneration(client: DbClient, projection: Projection, generation: number, batch: Array<Incoming<AnyEvent>>): Promise<number> {
  const fresh = await unapplied(client, projection.name, generation, batch);
  if (fresh.length > 0) await projection.apply(client, generation, fresh);
  await recordBatch(client, projection.name, generation, batch);
  return fresh.length;
}

export async function applyLive(db: Db, projection: Projection, batch: Array<Incoming<AnyEvent>>): Promise<number> {
  return inTransaction(db, async (client) => {
    await ensureCatalog(client);
    await lockProjection(client, projection.name);
    const generation = await ensureLive(client, projection);
    return applyToGeneration(client, projection, generation, batch);
  });
}
