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
  /** Where the time went: reading to the end of the log, building what the bulk load skipped, the switch. */
  stages: ReplayStages;
}

export interface ReplayStages {
  /** From the start until every event up to the first high watermark was applied. */
  catchUpSeconds: number;
  /** Of the catch-up: decoding (Avro, registry look-ups) and applying (database), summed over concurrent batches. */
  decodeSeconds: number;
  applySeconds: number;
  /** projection.finish: indexes a bulk load skips. */
  finishSeconds: number;
  /** The lock, the remainder and repointing the views. */
  switchSeconds: number;
  /** Dropping the previous generation. */
  dropSeconds: number;
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
/** Fetch sizes of the replay's consumer: a replay reads whole partitions, so it asks for big batches. */
const FETCH_MAX_BYTES = 64 * 1024 * 1024;
const FETCH_MAX_BYTES_PER_PARTITION = 8 * 1024 * 1024;
/** Batches fetched and decoded ahead of the one the database is applying. */
const MAX_QUEUED_BATCHES = 2;
/**
 * A replay's batch transactions commit without waiting for the WAL flush: the generation is not
 * live, and a replay that dies is started again from offset 0. The switch commits as usual.
 */
const BULK_BEGIN = 'BEGIN; SET LOCAL synchronous_commit = off';

export async function replay(projection: Projection, deps: ReplayDeps): Promise<ReplayResult> {
  const { db, kafka, codec } = deps;
  const say = deps.log ?? ((line: string) => logger.info(line));
  const began = Date.now();
  const generation = await inTransaction(db, async (client) => {
    await ensureCatalog(client);
    const g = await nextGeneration(client, projection.name);
    await projection.create(client, g);
    await setLogged(client, projection.tables.map((t) => physical(t, g)), false);
    return g;
  });
  say(`replaying ${projection.name} into generation ${generation} from offset 0 of ${projection.topics.join(', ')}`);

  const positions: Positions = await watermarks(kafka, projection.topics, 'low');
  let events = 0;
  let skipped = 0;
  let decodeMs = 0;
  let applyMs = 0;
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
  const consumer = kafka.consumer({ groupId, allowAutoTopicCreation: false, maxBytes: FETCH_MAX_BYTES, maxBytesPerPartition: FETCH_MAX_BYTES_PER_PARTITION });
  await consumer.connect();
  await consumer.subscribe({ topics: projection.topics, fromBeginning: true });
  // One writer: batches are applied one at a time, in the order they were fetched, on a chain of
  // promises, while the consumer goes on fetching and decoding the next batch (up to
  // MAX_QUEUED_BATCHES ahead), so the database and this process work at the same time instead of
  // waiting on each other. `closed` stops the writer at the switch (nothing past the mark is needed).
  let writing: Promise<void> = Promise.resolve();
  let queued = 0;
  let closed = false;
  const write = (part: string, next: bigint, decoded: Array<Incoming<AnyEvent>>): void => {
    queued += 1;
    writing = writing.then(async () => {
      const applyStart = performance.now();
      try {
        if (failure || closed) return;
        if (decoded.length > 0) {
          await applyIsolating(
            decoded,
            async (slice) => {
              // Awaited first, then added (`events += await …` reads the counter before the await).
              const applied = await inTransaction(db, (client) => applyToGeneration(client, projection, generation, slice), BULK_BEGIN);
              events += applied;
            },
            skip,
            policy,
          );
        }
        positions.set(part, next);
      } catch (err) {
        failure ??= err;
      } finally {
        queued -= 1;
        applyMs += performance.now() - applyStart;
      }
    });
  };
  await consumer.run({
    eachBatchAutoResolve: true,
    autoCommit: false,
    eachBatch: async ({ batch, heartbeat }) => {
      if (failure) throw failure;
      const decodeStart = performance.now();
      const decoded: Array<Incoming<AnyEvent>> = [];
      try {
        for (const message of batch.messages) {
          const incoming = { topic: batch.topic, partition: batch.partition, offset: message.offset, key: message.key?.toString() ?? null, timestamp: message.timestamp, message };
          const result = await decodeOrPoison(() => decodeEvent(codec, batch.topic, message), policy);
          if (result.ok) decoded.push({ ...incoming, value: result.value });
          else await skip(incoming, result.error);
        }
      } catch (err) {
        failure ??= err;
        throw err;
      }
      decodeMs += performance.now() - decodeStart;
      const last = batch.messages[batch.messages.length - 1];
      if (last) write(`${batch.topic}#${batch.partition}`, BigInt(last.offset) + 1n, decoded);
      if (queued >= MAX_QUEUED_BATCHES) await writing;
      await heartbeat();
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
  let caughtUpAt: number | undefined;
  let finishMs = 0;
  let switchStart = 0;
  try {
    for (;;) {
      if (Date.now() > deadline) throw new Error(`replay of ${projection.name} timed out`);
      // Catch up, outside the lock, with the end the log has now, then build what the bulk load skipped.
      if (!(await reach(await watermarks(kafka, projection.topics, 'high'), Number.POSITIVE_INFINITY))) continue;
      caughtUpAt ??= Date.now();
      const finishStart = Date.now();
      await inTransaction(db, async (client) => {
        await setLogged(client, (await tablesOf(client, projection, generation)).map((t) => physical(t, generation)), true);
        await projection.finish?.(client, generation);
      });
      finishMs += Date.now() - finishStart;
      switchStart = Date.now();
      // Switch: under the lock the live projector waits, so the high watermark taken now bounds what
      // it can have applied. The remainder up to that mark (what was written since the catch-up) is
      // applied by the replay while the lock is held, and the views are repointed; the live
      // projector then goes on in the new generation from its recorded offsets.
      const live = await inTransaction(db, async (client) => {
        await lockProjection(client, projection.name);
        const mark = await watermarks(kafka, projection.topics, 'high');
        if (!(await reach(mark, deps.switchWaitMs ?? 30_000))) return false;
        // Stop the writer and let a batch it is applying past the mark commit before the views move,
        // so the live projector, once it has the lock, reads every offset this replay applied.
        closed = true;
        await writing;
        previous = await makeLive(client, projection.name, await tablesOf(client, projection, generation), generation);
        return true;
      });
      if (live) break;
      say(`the remainder was not applied within the switch wait; catching up again`);
    }
  } catch (err) {
    closed = true;
    await consumer.disconnect().catch(() => undefined);
    await writing;
    await inTransaction(db, async (client) => dropGeneration(client, projection.name, await tablesOf(client, projection, generation), generation)).catch(() => undefined);
    throw err;
  }
  const switchMs = Date.now() - switchStart;
  await consumer.disconnect();
  await deleteGroup(kafka, groupId);
  const dropStart = Date.now();
  if (previous !== undefined) {
    const old = previous;
    await inTransaction(db, async (client) => dropGeneration(client, projection.name, await tablesOf(client, projection, old), old));
  }
  const ended = Date.now();
  const seconds = (ended - began) / 1000;
  if (skipped > 0) say(`${skipped} poison events skipped in ${projection.name}`);
  const stages: ReplayStages = {
    catchUpSeconds: ((caughtUpAt ?? ended) - began) / 1000,
    decodeSeconds: decodeMs / 1000,
    applySeconds: applyMs / 1000,
    finishSeconds: finishMs / 1000,
    switchSeconds: switchMs / 1000,
    dropSeconds: (ended - dropStart) / 1000,
  };
  return { projection: projection.name, generation, previous, events, skipped, poisoned, seconds, eventsPerSecond: events / Math.max(seconds, 1e-3), stages };
}

/**
 * A generation's fixed tables are loaded UNLOGGED (no WAL for each row and index entry) and made
 * LOGGED, in one sequential write, once caught up and before they go live: a crash meanwhile empties
 * them, and a replay that dies is started again from offset 0 anyway.
 */
async function setLogged(client: DbClient, tables: string[], logged: boolean): Promise<void> {
  for (const table of tables) await client.query(`ALTER TABLE ${ident(table)} SET ${logged ? 'LOGGED' : 'UNLOGGED'}`);
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
