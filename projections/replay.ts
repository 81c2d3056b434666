// Rebuilds a projection from offset 0 of its topics into a new generation while the live one keeps
// serving, then makes it live atomically. The replay catches up with the log, then takes the
// projection's lock (the live projector waits on it), takes the high watermark of that moment,
// applies the remainder up to it and repoints the views, so it goes live under steady writes too;
// the live projector continues on the new generation from exactly there. Poison is skipped and
// counted by the live projector's own policy; a transient failure fails the replay, never skips.
import crypto from 'node:crypto';
import type { Kafka } from 'kafkajs';
import type { EventCodec } from '../streams/codec.ts';
import { defaultBackoff, type BackoffOptions } from '../platform/backoff.ts';
import { errorClass, errorMessage } from '../platform/errors.ts';
import { logger } from '../platform/logger.ts';
import { applyIsolating, decodeOrPoison, type PolicyOptions } from '../streams/poison-policy.ts';
import type { Incoming } from '../streams/processor.ts';
import { applyToGeneration, lockProjection } from './apply.ts';
import { dropGeneration, ensureCatalog, liveGeneration, makeLive, nextGeneration, physical } from './catalog.ts';
import { ident, inTransaction, type Db, type DbClient } from './db.ts';
import { decodeEvent } from './projector.ts';
import { tablesOf, type AnyEvent, type Projection } from './projection.ts';

export interface PoisonedEvent {
  topic: string;
  partition: number;
  offset: string;
  key: string | null;
  reason: string;
}

export interface ReplayResult {
  projection: string;
  generation: number;
  previous: number | undefined;
  events: number;
  /** Poison events skipped, as the live projector dead-letters them. */
  skipped: number;
  /** The first 100 of them, with their reasons. */
  poisoned: PoisonedEvent[];
  seconds: number;
  eventsPerSecond: number;
}

export interface ReplayDeps {
  db: Db;
  kafka: Kafka;
  codec: EventCodec;
  /** Longest the whole replay may take; default 1 h. */
  timeoutMs?: number;
  /** Longest the switch may hold the projection's lock waiting for the remainder; default 30 s. */
  switchWaitMs?: number;
  /** Retries of a transient failure (registry, database) before the replay fails; default streams' backoff. */
  retry?: BackoffOptions;
  log?: (line: string) => void;
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

const MAX_REPORTED_POISON = 100;

export async function replay(projection: Projection, deps: ReplayDeps): Promise<ReplayResult> {
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
  const poisoned: PoisonedEvent[] = [];
  let failure: unknown;
  // The live projector's poison policy (streams/poison-policy.ts): transient failures are retried
  // and then fail the replay; poison is skipped with its reason, where the live projector dead-letters it.
  const policy: PolicyOptions = {
    retry: deps.retry ?? defaultBackoff,
    onRetry: (err, attempt, delayMs) => say(`transient failure, retry ${attempt} in ${delayMs} ms: ${errorMessage(err)}`),
  };
  const skip = async (event: Pick<Incoming<unknown>, 'topic' | 'partition' | 'offset' | 'key'>, err: unknown): Promise<void> => {
    skipped += 1;
    const reason = `${errorClass(err)}: ${errorMessage(err)}`;
    if (poisoned.length < MAX_REPORTED_POISON) poisoned.push({ topic: event.topic, partition: event.partition, offset: event.offset, key: event.key, reason });
    say(`poison event ${event.topic}#${event.partition}@${event.offset} skipped (the live projector dead-letters it): ${reason}`);
  };
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
          const incoming = { topic: batch.topic, partition: batch.partition, offset: message.offset, key: message.key?.toString() ?? null, timestamp: message.timestamp, message };
          const result = await decodeOrPoison(() => decodeEvent(codec, batch.topic, message), policy);
          if (result.ok) decoded.push({ ...incoming, value: result.value });
          else await skip(incoming, result.error);
        }
        if (decoded.length > 0) {
          await applyIsolating(
            decoded,
            async (part) => {
              events += await inTransaction(db, (client) => applyToGeneration(client, projection, generation, part));
            },
            skip,
            policy,
          );
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
  /** Waits until the replay has applied everything before `ends`; false when `withinMs` ran out first. */
  const reach = async (ends: Positions, withinMs: number): Promise<boolean> => {
    const until = Math.min(deadline, Date.now() + withinMs);
    for (;;) {
      if (failure) throw failure;
      if (caughtUp(positions, ends)) return true;
      if (Date.now() > until) return false;
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  let previous: number | undefined;
  try {
    for (;;) {
      if (Date.now() > deadline) throw new Error(`replay of ${projection.name} timed out`);
      // Catch up, outside the lock, with the end the log has now, then build what the bulk load skipped.
      if (!(await reach(await watermarks(kafka, projection.topics, 'high'), Number.POSITIVE_INFINITY))) continue;
      await inTransaction(db, async (client) => projection.finish?.(client, generation));
      // Switch: under the lock the live projector waits, so the high watermark taken now bounds what
      // it can have applied. The remainder up to that mark (what was written since the catch-up) is
      // applied by the replay while the lock is held, and the views are repointed; the live
      // projector then goes on in the new generation from its recorded offsets.
      const live = await inTransaction(db, async (client) => {
        await lockProjection(client, projection.name);
        const mark = await watermarks(kafka, projection.topics, 'high');
        if (!(await reach(mark, deps.switchWaitMs ?? 30_000))) return false;
        previous = await makeLive(client, projection.name, await tablesOf(client, projection, generation), generation);
        return true;
      });
      if (live) break;
      say(`the remainder was not applied within the switch wait; catching up again`);
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
  if (skipped > 0) say(`${skipped} poison events skipped in ${projection.name}`);
  return { projection: projection.name, generation, previous, events, skipped, poisoned, seconds, eventsPerSecond: events / Math.max(seconds, 1e-3) };
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
