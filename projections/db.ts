// The PostgreSQL pool every projection and the gateway share, and a transaction helper.
import pg from 'pg';
import { loadConfig } from '../streams/config.ts';

export type Db = pg.Pool;
export type DbClient = pg.PoolClient;

export function createPool(databaseUrl: string = loadConfig().databaseUrl, max = 8): Db {
  const pool = new pg.Pool({ connectionString: databaseUrl, max, idleTimeoutMillis: 10_000 });
  pool.on('error', () => undefined); // an idle client lost its connection; the next query reconnects
  return pool;
}

/** Runs work in one transaction; `begin` may open it differently (read only, with SET LOCALs). */
export async function inTransaction<T>(db: Db, work: (client: DbClient) => Promise<T>, begin = 'BEGIN'): Promise<T> {
  const client = await db.connect();
  try {
    await client.query(begin);
    const result = await work(client);
    await client.query('COMMIT');
    return result;
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    client.release();
  }
}

export function ident(name: string): string {
  if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`unsafe SQL identifier: ${name}`);
  return `"${name}"`;
}
