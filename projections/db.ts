// The PostgreSQL pool every projection and the gateway share, and a transaction helper.
//
// Bounded waits: a connection attempt gives up after connectTimeoutMs (a stopped server still
// completes the TCP handshake, then never answers the startup message), a pool asked for a
// client waits no longer than that either, and TCP keep-alive notices a peer that vanished.
// Interactive callers (the gateway) also bound each query on the client side (queryTimeoutMs,
// which works even when the server is frozen) and on the server side (statement_timeout); the
// processors leave queries unbounded, since their index builds and bulk loads take minutes, and
// simply continue when a stalled server does.
import pg from 'pg';
import { processConfig } from '../platform/config.ts';
import { POSTGRES_UNAVAILABLE } from '../platform/errors.ts';

export type Db = pg.Pool;
export type DbClient = pg.PoolClient;

export interface PoolTimeouts {
  /** Longest wait for a new connection, or for a free client of the pool, in ms. */
  connectTimeoutMs?: number;
  /** Longest wait for a query's answer (client side), in ms; none when unset. */
  queryTimeoutMs?: number;
}

export const DEFAULT_CONNECT_TIMEOUT_MS = 5000;

export function createPool(databaseUrl: string = processConfig().databaseUrl, max = 8, timeouts: PoolTimeouts = {}): Db {
  const { connectTimeoutMs = DEFAULT_CONNECT_TIMEOUT_MS, queryTimeoutMs } = timeouts;
  const pool = new pg.Pool({
    connectionString: databaseUrl,
    max,
    idleTimeoutMillis: 10_000,
    connectionTimeoutMillis: connectTimeoutMs,
    keepAlive: true,
    keepAliveInitialDelayMillis: 10_000,
    ...(queryTimeoutMs === undefined ? {} : { query_timeout: queryTimeoutMs, statement_timeout: queryTimeoutMs }),
  });
  pool.on('error', () => undefined); // an idle client lost its connection; the next query reconnects
  return pool;
}

// SQLSTATEs of a server that is shutting down, restarting, out of connections, or that cancelled
// a statement for its statement_timeout (57014), and of connection failures (class 08).
const UNAVAILABLE_CODES = new Set(['57014', '57P01', '57P02', '57P03', '53300', 'ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH']);

/** True when err says the database cannot be reached or did not answer in time (worth a retry). */
export function isDatabaseUnavailable(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'string' && (UNAVAILABLE_CODES.has(code) || code.startsWith('08'))) return true;
  return POSTGRES_UNAVAILABLE.test(err.message);
}

/** Runs work in one transaction; `begin` may open it differently (read only, with SET LOCALs). */
export async function inTransaction<T>(db: Db, work: (client: DbClient) => Promise<T>, begin = 'BEGIN'): Promise<T> {
  const client = await db.connect();
  let broken: Error | undefined;
  try {
    await client.query(begin);
    const result = await work(client);
    await client.query('COMMIT');
    return result;
  } catch (err) {
    // A client whose server stopped answering is thrown away (closing it rolls back on the
    // server); a ROLLBACK on it would only wait for another timeout.
    if (isDatabaseUnavailable(err)) broken = err as Error;
    else await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    client.release(broken);
  }
}

export function ident(name: string): string {
  if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`unsafe SQL identifier: ${name}`);
  return `"${name}"`;
}
