// Rebuilds a projection from offset 0 of its topics into a new generation while the live one keeps
// serving, then makes it live atomically. Going live happens under the projection's lock and only
// when the new generation has applied everything in the log at that moment; the live projector,
// blocked on the same lock meanwhile, continues on the new generation from exactly there.
import crypto from 'node:crypto';
import type { Kafka } from 'kafkajs';
import type { EventCodec } from '../streams/codec.ts';
import { logger } from '../streams/logger.ts';
import type { Incoming } from '../streams/processor.ts';
import type { AvroTopic } from '../streams/topics.ts';
import { applyToGeneration, lockProjection } from './apply.ts';
import { dropGeneration, ensureCatalog, liveGeneration, makeLive, nextGeneration, physical } from './catalog.ts';
import { ident, inTransaction, type Db, type DbClient } from './db.ts';
import { tablesOf, type AnyEvent, type Projection } from './projection.ts';

export interface ReplayResult {
  projection: string;
  generation: number;
  previous: number | undefined;
  events: number;
  skipped: number;
  seconds: number;
  eventsPerSecond: number;
}

type Positions = Map<string, bigint>; // "<topic>#<partition>" → next offset to read

/** The low or high watermark of every partition of the topics, keyed "<topic>#<partition>". */
async function watermarks(kafka: Kafka, topics: string[], which: 'low' | 'high'): Promise<Positions> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const marks: Positions = new Map();
    for (const topic of topics) for (const p of await admin.fetchTopicOffsets(topic)) marks.set(`${topic}#${p.partition}`, BigInt(p[which]));
    return marks;
  } finally {
    await admin.disconnect();
  }
}

function caughtUp(positions: Positions, ends: Positions): boolean {
  for (const [key, end] of ends) if ((positions.get(key) ?? 0n) < end) return false;
  return true;
}

export async function replay(projection: Projection, deps: { db: Db; kafka: Kafka; codec: EventCodec; timeoutMs?: number; log?: (line: string) => void }): Promise<ReplayResult> {
  const { db, kafka, codec } = deps;
  const say = deps.log ?? ((line: string) => logger.info(line));
  const began = Date.now();
  const generation = await inTransaction(db, async (client) => {
    await ensureCatalog(client);
    const g = await nextGeneration(client, projection.name);
    await projection.create(client, g);
    return g;
  });
  say(`replaying ${projection.name} into generation ${generation} from offset 0 of ${projection.topics.join(', ')}`);

  const positions: Positions = await watermarks(kafka, projection.topics, 'low');
  let events = 0;
  let skipped = 0;
  let failure: unknown;
  const groupId = `vitrina.replay.${projection.name}.${generation}.${crypto.randomBytes(4).toString('hex')}`;
  const consumer = kafka.consumer({ groupId, allowAutoTopicCreation: false, maxBytes: 32 * 1024 * 1024 });
  await consumer.connect();
  await consumer.subscribe({ topics: projection.topics, fromBeginning: true });
  await consumer.run({
    eachBatchAutoResolve: true,
    autoCommit: false,
    eachBatch: async ({ batch, heartbeat }) => {
      try {
        const decoded: Array<Incoming<AnyEvent>> = [];
        for (const message of batch.messages) {
          try {
            if (!message.value) throw new Error('empty value');
            const value = await codec.decode(batch.topic as AvroTopic, message.value);
            decoded.push({ topic: batch.topic, partition: batch.partition, offset: message.offset, key: message.key?.toString() ?? null, value, timestamp: message.timestamp, message });
          } catch {
            skipped += 1; // the live projector dead-lettered it when it first arrived
          }
        }
        if (decoded.length > 0) {
          events += await inTransaction(db, (client) => applyToGeneration(client, projection, generation, decoded));
        }
        const last = batch.messages[batch.messages.length - 1];
        if (last) positions.set(`${batch.topic}#${batch.partition}`, BigInt(last.offset) + 1n);
        await heartbeat();
      } catch (err) {
        failure = err;
        throw err;
      }
    },
  });

  const deadline = Date.now() + (deps.timeoutMs ?? 60 * 60 * 1000);
  let previous: number | undefined;
  try {
    let ends = await watermarks(kafka, projection.topics, 'high');
    for (;;) {
      if (failure) throw failure;
      if (Date.now() > deadline) throw new Error(`replay of ${projection.name} timed out`);
      if (!caughtUp(positions, ends)) {
        await new Promise((r) => setTimeout(r, 100));
        continue;
      }
      await inTransaction(db, async (client) => projection.finish?.(client, generation));
      const live = await inTransaction(db, async (client) => {
        await lockProjection(client, projection.name);
        const now = await watermarks(kafka, projection.topics, 'high');
        if (!caughtUp(positions, now)) {
          ends = now;
          return false;
        }
        previous = await makeLive(client, projection.name, await tablesOf(client, projection, generation), generation);
        return true;
      });
      if (live) break;
    }
  } catch (err) {
    await consumer.disconnect().catch(() => undefined);
    await inTransaction(db, async (client) => dropGeneration(client, projection.name, await tablesOf(client, projection, generation), generation)).catch(() => undefined);
    throw err;
  }
  await consumer.disconnect();
  await deleteGroup(kafka, groupId);
  if (previous !== undefined) {
    const old = previous;
    await inTransaction(db, async (client) => dropGeneration(client, projection.name, await tablesOf(client, projection, old), old));
  }
  const seconds = (Date.now() - began) / 1000;
  return { projection: projection.name, generation, previous, events, skipped, seconds, eventsPerSecond: events / Math.max(seconds, 1e-3) };
}

async function deleteGroup(kafka: Kafka, groupId: string): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    await admin.deleteGroups([groupId]);
  } catch {
    /* the group may not have committed anything */
  } finally {
    await admin.disconnect();
  }
}

/** Row count and an order-independent checksum of every live table of a projection. */
export async function checksum(client: DbClient, projection: Projection, generation?: number): Promise<Record<string, { rows: number; md5: string }>> {
  const result: Record<string, { rows: number; md5: string }> = {};
  const tables = projection.dynamicTables ? await tablesOf(client, projection, generation ?? (await liveGeneration(client, projection.name)) ?? 0) : projection.tables;
  for (const table of tables) {
    const name = generation === undefined ? table : physical(table, generation);
    const { rows } = await client.query<{ rows: string; md5: string | null }>(
      `SELECT count(*) AS rows, md5(string_agg(t::text, E'\\n' ORDER BY t::text)) AS md5 FROM ${ident(name)} t`,
    );
    result[table] = { rows: Number(rows[0]!.rows), md5: rows[0]!.md5 ?? '' };
  }
  return result;
}
