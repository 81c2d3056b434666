// The local stack's PostgreSQL gives the app a least-privilege role: `vitrina` (what DATABASE_URL
// names) owns the database and its tables but is no superuser, cannot create roles or databases and
// cannot change the server's configuration; the superuser `vitrina_admin` only serves the stack
// manager (database, pgvector). Each case runs a private PostgreSQL (a temporary state folder on a
// free port, from the stack's installed binaries), never the test stack's.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import t, { type Test } from 'tap';
import { freePort } from '../../bench/services.ts';
import { instanceConfig, startInstance, type StackInstance } from '../../chaos/instance.ts';
import { loadPorts } from '../../platform/config.ts';
import { sleep } from '../../platform/sleep.ts';
import { contextFor } from '../../stack/manager.ts';
import { initialiseCluster, postgresService } from '../../stack/services/postgres.ts';

function privateStateDir(label: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `vitrina-pgroles-${label}-`));
}

async function privateInstance(t: Test, label: string, stateDir = privateStateDir(label), port?: number): Promise<{ instance: StackInstance; stateDir: string }> {
  const instance = await startInstance({ stateDir, ports: { ...loadPorts(), postgres: port ?? (await freePort()) }, services: ['postgres'] });
  t.teardown(async () => {
    await instance.stop();
    fs.rmSync(stateDir, { recursive: true, force: true });
  });
  return { instance, stateDir };
}

async function connect(t: Test, url: string): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5_000 });
  client.on('error', () => undefined);
  await client.connect();
  t.teardown(() => client.end());
  return client;
}

/** The SQLSTATE a statement fails with, or 'ok'. */
async function outcome(client: pg.Client, sql: string): Promise<string> {
  try {
    await client.query(sql);
    return 'ok';
  } catch (err) {
    return (err as { code?: string }).code ?? String(err);
  }
}

/** What the app role may and may not do, asserted on a connection made with DATABASE_URL. */
async function assertLeastPrivilege(t: Test, app: pg.Client): Promise<void> {
  const role = (await app.query<{ current_user: string; rolsuper: boolean; rolcreaterole: boolean; rolcreatedb: boolean; rolreplication: boolean; rolbypassrls: boolean }>(
    'SELECT current_user, rolsuper, rolcreaterole, rolcreatedb, rolreplication, rolbypassrls FROM pg_roles WHERE rolname = current_user',
  )).rows[0]!;
  t.equal(role.current_user, 'vitrina', 'the app connects as vitrina');
  t.same(
    { super: role.rolsuper, createrole: role.rolcreaterole, createdb: role.rolcreatedb, replication: role.rolreplication, bypassrls: role.rolbypassrls },
    { super: false, createrole: false, createdb: false, replication: false, bypassrls: false },
    'the app role has no superuser, createrole, createdb, replication or bypassrls attribute',
  );
  t.equal(await outcome(app, 'CREATE ROLE vitrina_intruder LOGIN SUPERUSER'), '42501', 'CREATE ROLE is refused (insufficient privilege)');
  t.equal(await outcome(app, "ALTER SYSTEM SET work_mem = '64MB'"), '42501', 'ALTER SYSTEM is refused');
  t.equal(await outcome(app, 'CREATE DATABASE vitrina_intruder'), '42501', 'CREATE DATABASE is refused');
  t.equal(await outcome(app, "COPY (SELECT 1) TO '/tmp/vitrina-intruder'"), '42501', 'COPY to a server file is refused');
  const owner = (await app.query<{ owner: string }>("SELECT pg_get_userbyid(datdba) AS owner FROM pg_database WHERE datname = current_database()")).rows[0]!;
  t.equal(owner.owner, 'vitrina', 'the app role owns its database');
  // What the projections do: pgvector is there, tables with vectors and HNSW indexes, views, drops.
  t.equal(await outcome(app, 'CREATE EXTENSION IF NOT EXISTS vector'), 'ok', 'CREATE EXTENSION IF NOT EXISTS vector passes (the admin installed it)');
  await app.query('CREATE TABLE roles_probe (id bigserial PRIMARY KEY, v vector(3) NOT NULL)');
  await app.query("INSERT INTO roles_probe (v) VALUES ('[1,0,0]'), ('[0,1,0]')");
  await app.query('CREATE INDEX roles_probe_hnsw ON roles_probe USING hnsw (v vector_cosine_ops)');
  await app.query('CREATE VIEW roles_probe_view AS SELECT * FROM roles_probe');
  const nearest = await app.query<{ id: string }>("SELECT id FROM roles_probe_view ORDER BY v <=> '[0.9,0.1,0]' LIMIT 1");
  t.equal(nearest.rows[0]?.id, '1', 'a nearest-neighbour query answers');
  t.equal(await outcome(app, 'DROP VIEW roles_probe_view; DROP TABLE roles_probe'), 'ok', 'the app drops what it made');
}

t.test('a fresh cluster: the app role is least-privilege, the admin role is the superuser', async (t) => {
  const { instance } = await privateInstance(t, 'fresh');
  t.equal(instance.config.databaseUrl, `postgres://vitrina:vitrina@127.0.0.1:${instance.config.ports.postgres}/vitrina`, 'DATABASE_URL is unchanged');
  const app = await connect(t, instance.config.databaseUrl);
  await assertLeastPrivilege(t, app);
});

t.test('a cluster made when the app role was the superuser is migrated when it starts, its data kept', async (t) => {
  const stateDir = privateStateDir('legacy');
  const port = await freePort();
  const { config } = instanceConfig(stateDir, { ...loadPorts(), postgres: port });
  const ctx = contextFor(postgresService, config, () => undefined);
  // The layout earlier versions made: initdb's bootstrap superuser is the app role `vitrina`, which
  // made the database, pgvector and the tables. Run by hand (this test's own child), then stopped.
  initialiseCluster(ctx, { user: 'vitrina', password: 'vitrina' });
  const spec = await postgresService.command(ctx);
  const legacy = spawn(spec.command, spec.args, { env: { ...process.env, ...spec.env }, cwd: spec.cwd, stdio: 'ignore' });
  const exited = new Promise<void>((resolve) => legacy.once('exit', () => resolve()));
  t.teardown(() => {
    if (legacy.exitCode === null && legacy.signalCode === null) legacy.kill('SIGKILL');
  });
  const deadline = Date.now() + 30_000;
  while (!(await postgresService.health(ctx)).ok) {
    if (Date.now() > deadline) throw new Error('the legacy cluster did not start within 30 s');
    await sleep(200);
  }
  {
    const maintenance = new pg.Client({ connectionString: config.databaseUrl.replace(/\/vitrina$/, '/postgres'), connectionTimeoutMillis: 5_000 });
    await maintenance.connect();
    t.equal((await maintenance.query<{ rolsuper: boolean }>('SELECT rolsuper FROM pg_roles WHERE rolname = current_user')).rows[0]?.rolsuper, true, 'before: the app role is the superuser');
    await maintenance.query('CREATE DATABASE vitrina OWNER vitrina');
    await maintenance.end();
    const old = new pg.Client({ connectionString: config.databaseUrl, connectionTimeoutMillis: 5_000 });
    await old.connect();
    await old.query('CREATE EXTENSION vector');
    await old.query('CREATE TABLE legacy_products (id bigserial PRIMARY KEY, name text NOT NULL, v vector(3) NOT NULL)');
    await old.query("INSERT INTO legacy_products (name, v) VALUES ('a', '[1,0,0]'), ('b', '[0,1,0]'), ('c', '[0,0,1]')");
    await old.query('CREATE VIEW legacy_view AS SELECT * FROM legacy_products');
    await old.end();
  }
  legacy.kill('SIGINT');
  await Promise.race([exited, sleep(15_000)]);
  t.not(legacy.exitCode === null && legacy.signalCode === null, true, 'the legacy server stopped');

  // The stack starts it: the migration runs.
  const { instance } = await privateInstance(t, 'legacy', stateDir, port);
  const app = await connect(t, instance.config.databaseUrl);
  t.equal((await app.query<{ n: string }>('SELECT count(*) AS n FROM legacy_view')).rows[0]?.n, '3', 'the rows made before are there');
  t.equal(await outcome(app, "INSERT INTO legacy_products (name, v) VALUES ('d', '[1,1,0]')"), 'ok', 'the app writes to its old table (and its sequence)');
  const roles = await app.query<{ rolname: string; rolsuper: boolean; rolcanlogin: boolean }>(
    "SELECT rolname, rolsuper, rolcanlogin FROM pg_roles WHERE rolname IN ('vitrina_admin', 'vitrina_bootstrap') ORDER BY rolname",
  );
  t.same(roles.rows, [
    { rolname: 'vitrina_admin', rolsuper: true, rolcanlogin: true },
    { rolname: 'vitrina_bootstrap', rolsuper: true, rolcanlogin: false },
  ], 'the admin role logs in; the old superuser is renamed and cannot log in');
  t.equal(await outcome(app, 'DROP VIEW legacy_view; DROP TABLE legacy_products'), 'ok', 'the app owns the tables made before (it drops them)');
  await assertLeastPrivilege(t, app);
  const adminPassword = fs.readFileSync(path.join(stateDir, 'postgres', 'admin-password'), 'utf8').trim();
  t.equal((fs.statSync(path.join(stateDir, 'postgres', 'admin-password')).mode & 0o077), 0, 'the admin password file is private');
  const admin = await connect(t, `postgres://vitrina_admin:${encodeURIComponent(adminPassword)}@127.0.0.1:${port}/vitrina`);
  t.equal((await admin.query<{ rolsuper: boolean }>('SELECT rolsuper FROM pg_roles WHERE rolname = current_user')).rows[0]?.rolsuper, true, 'the admin logs in with the password file');

  // A second start of the migrated cluster changes nothing and still serves the app.
  await instance.kill('postgres');
  await instance.restart('postgres');
  const again = await connect(t, instance.config.databaseUrl);
  t.equal((await again.query<{ rolsuper: boolean }>('SELECT rolsuper FROM pg_roles WHERE rolname = current_user')).rows[0]?.rolsuper, false, 'after a restart the app role is still no superuser');
});
