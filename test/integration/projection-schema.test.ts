// A process whose search_path is a schema of its own and then public (bench pipeline's namespace)
// must never drop what public holds: `DROP VIEW IF EXISTS products` resolved to public.products when
// its own schema had none yet, and a clean-clone test run then found the catalog's products view
// gone while its generation stayed live. Drops name the schema the process creates in.
import crypto from 'node:crypto';
import pg from 'pg';
import t from 'tap';
import { dropGeneration, exposeTable } from '../../projections/catalog.ts';
import type { DbClient } from '../../projections/db.ts';
import { loadConfig } from '../../platform/config.ts';

const url = loadConfig().databaseUrl;

async function connect(searchPath?: string): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 10_000, ...(searchPath ? { options: `-c search_path=${searchPath}` } : {}) });
  await client.connect();
  return client;
}

const exists = async (c: pg.Client, name: string): Promise<boolean> => Boolean((await c.query<{ t: string | null }>(`SELECT to_regclass($1)::text AS t`, [name])).rows[0]?.t);

t.test("a namespace's projection drops only in its own schema", async (t) => {
  const hex = crypto.randomBytes(4).toString('hex');
  const schema = `probe_ns_${hex}`;
  const table = `probe_items_${hex}`;
  const admin = await connect();
  const ns = await connect(`${schema},public`);
  t.teardown(async () => {
    await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`).catch(() => undefined);
    await admin.query(`DROP VIEW IF EXISTS public.${table}`).catch(() => undefined);
    for (const g of [1, 7]) await admin.query(`DROP TABLE IF EXISTS public.${table}_g${g} CASCADE`).catch(() => undefined);
    await admin.end();
    await ns.end();
  });
  // public: a live generation 1 behind its view, and a generation 7's table.
  await admin.query(`CREATE TABLE public.${table}_g1 (id int); CREATE VIEW public.${table} AS SELECT * FROM public.${table}_g1; CREATE TABLE public.${table}_g7 (id int)`);
  await admin.query(`CREATE SCHEMA ${schema}`);
  await ns.query(`CREATE TABLE ${table}_g3 (id int)`);
  t.ok(await exists(admin, `${schema}.${table}_g3`), "the namespace's tables are made in its own schema");

  await exposeTable(ns as unknown as DbClient, table, 3);
  t.ok(await exists(admin, `public.${table}`), "public's view is still there after the namespace exposed its own generation");
  t.equal((await admin.query(`SELECT definition FROM pg_views WHERE schemaname = 'public' AND viewname = $1`, [table])).rows[0]?.definition.includes(`${table}_g1`), true, "public's view still points at public's generation");
  t.ok(await exists(admin, `${schema}.${table}`), "the namespace's view is in its own schema");

  await dropGeneration(ns as unknown as DbClient, 'probe', [table], 7);
  t.ok(await exists(admin, `public.${table}_g7`), "dropping the namespace's generation 7 (it has none) leaves public's table");
  await dropGeneration(ns as unknown as DbClient, 'probe', [table], 3);
  t.notOk(await exists(admin, `${schema}.${table}_g3`), "the namespace's own generation is dropped");
  t.ok(await exists(admin, `public.${table}`), "and public's view survives all of it");
});
