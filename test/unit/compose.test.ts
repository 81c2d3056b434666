// docker-compose.yml describes the same stack as the local stack manager (same host ports,
// notification topic and registry storage), hardened for a shared host: every published port is
// bound to loopback, every credential comes from the env file (.env, ignored by git; .env.example
// committed) with no default in the compose file, PostgreSQL's admin role is not the app's, and
// the app image runs as a non-root user; Vitrina runs in the production layout (the model server,
// two gateways behind the balancer and every processor each in a service of its own). No Docker
// engine runs here, so the files are checked.
import fs from 'node:fs';
import t from 'tap';
import { parse } from 'yaml';
import { processors } from '../../cli/processors.ts';
import { loadConfig } from '../../platform/config.ts';
import { topics } from '../../streams/topics.ts';

interface ComposeService {
  image?: string;
  build?: string;
  ports?: string[];
  environment?: Record<string, string>;
  volumes?: string[];
  command?: string[];
  depends_on?: string[];
}

const read = (file: string): string => fs.readFileSync(new URL(`../../${file}`, import.meta.url), 'utf8');
const composeText = read('docker-compose.yml');
const compose = parse(composeText) as { services: Record<string, ComposeService> };
const config = loadConfig({});
/** Vitrina's own services: those built from the project's Dockerfile. */
const appServices = Object.entries(compose.services).filter(([, service]) => service.build === '.');
/** The services that run `serve gateway`, and the one gateway whose settings the others are compared with. */
const gatewayServices = appServices.filter(([, service]) => service.command?.[0] === 'serve' && service.command[1] === 'gateway');
const gateway = gatewayServices[0]?.[1] ?? {};
const balancer = compose.services.balancer ?? {};

/** The variables .env.example defines (NAME=value lines). */
const exampleVars = new Map(
  read('.env.example')
    .split('\n')
    .map((line) => /^([A-Z][A-Z0-9_]*)=(.*)$/.exec(line.trim()))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => [m[1]!, m[2]!]),
);

/** "host:port:container" parts of each published port. */
function published(service: ComposeService): Array<{ host: string; port: number }> {
  return (service.ports ?? []).map((p) => {
    const parts = p.split(':');
    return { host: parts.length === 3 ? parts[0]! : '', port: Number(parts[parts.length - 2]) };
  });
}

/** The variable a value is taken from, required (`${NAME:?message}`), or undefined for a literal. */
function requiredVar(value: string | undefined): string | undefined {
  return /^\$\{([A-Z][A-Z0-9_]*):\?[^}]+\}$/.exec(value ?? '')?.[1];
}

t.test('the compose file has the four services with pinned images, and Vitrina built from its Dockerfile', async (t) => {
  const app = appServices.map(([name]) => name);
  t.same(Object.keys(compose.services).filter((name) => !app.includes(name)).sort(), ['kafka', 'minio', 'postgres', 'registry']);
  for (const [name, service] of Object.entries(compose.services)) if (!app.includes(name)) t.match(service.image, /:[^:]+$/, `${name} image has a tag`);
  t.ok(gatewayServices.length > 0 && app.includes('model-server') && app.includes('balancer'), 'the gateways, the balancer and the model server are built from the Dockerfile');
  t.ok(fs.existsSync(new URL('../../Dockerfile', import.meta.url)), 'the Dockerfile exists');
  t.notMatch(JSON.stringify(compose.services), /:latest"/, 'no image uses latest');
});

t.test('every published port is bound to loopback, on the local stack default ports', async (t) => {
  for (const [name, service] of Object.entries(compose.services)) {
    for (const { host, port } of published(service)) t.equal(host, '127.0.0.1', `${name} publishes ${port} on 127.0.0.1 only`);
  }
  t.same(published(compose.services.kafka!).map((p) => p.port), [config.ports.kafka]);
  t.same(published(compose.services.registry!).map((p) => p.port), [config.ports.registry]);
  t.same(published(compose.services.minio!).map((p) => p.port), [config.ports.minio, config.ports.minioConsole]);
  t.same(published(compose.services.postgres!).map((p) => p.port), [config.ports.postgres]);
  t.same(published(balancer).map((p) => p.port), [config.gatewayPort], 'the balancer publishes the gateway port');
  for (const [name, service] of appServices) if (name !== 'balancer') t.same(published(service), [], `${name} publishes nothing`);
});

t.test('credentials come from the env file: required variables, none written in the compose file', async (t) => {
  const minio = compose.services.minio!.environment!;
  const pg = compose.services.postgres!.environment!;
  const app = gateway.environment!;
  const secrets = { 'minio MINIO_ROOT_USER': minio.MINIO_ROOT_USER, 'minio MINIO_ROOT_PASSWORD': minio.MINIO_ROOT_PASSWORD, 'postgres POSTGRES_USER': pg.POSTGRES_USER, 'postgres POSTGRES_PASSWORD': pg.POSTGRES_PASSWORD, 'vitrina S3_ACCESS_KEY': app.S3_ACCESS_KEY, 'vitrina S3_SECRET_KEY': app.S3_SECRET_KEY };
  for (const [what, value] of Object.entries(secrets)) {
    const name = requiredVar(value);
    t.ok(name, `${what} is \${NAME:?...}, not a literal (got ${value})`);
    if (name) t.ok(exampleVars.has(name), `.env.example defines ${name}`);
  }
  t.equal(requiredVar(app.S3_ACCESS_KEY), requiredVar(minio.MINIO_ROOT_USER), 'the app uses the MinIO user MinIO is started with');
  t.equal(requiredVar(app.S3_SECRET_KEY), requiredVar(minio.MINIO_ROOT_PASSWORD));
  for (const literal of [config.s3.secretKey, 'POSTGRES_PASSWORD: vitrina']) t.notOk(composeText.includes(literal), `the compose file does not hold the default credential "${literal}"`);
  const ignored = read('.gitignore').split('\n').map((l) => l.trim());
  t.ok(ignored.includes('.env'), '.env is ignored by git');
  for (const [name, value] of exampleVars) if (/PASSWORD|SECRET/.test(name)) t.notOk([config.s3.secretKey, 'vitrina', ''].includes(value), `.env.example's ${name} is a placeholder to change, not a working default`);
});

t.test('the app connects to PostgreSQL as its own role, not as the admin role the image creates', async (t) => {
  const pg = compose.services.postgres!.environment!;
  const db = /^postgres:\/\/([^:@]+):([^@]+)@([^:/]+):\d+\/\w+$/.exec(gateway.environment!.DATABASE_URL!);
  t.ok(db, 'DATABASE_URL is postgres://user:password@host:port/database');
  t.same(db?.slice(1), ['${VITRINA_DB_USER}', '${VITRINA_DB_PASSWORD}', 'postgres']);
  t.not(requiredVar(pg.POSTGRES_USER), 'VITRINA_DB_USER', 'the app role is not the superuser');
  t.ok(exampleVars.has('VITRINA_DB_USER') && exampleVars.has('VITRINA_DB_PASSWORD'));
  t.equal(pg.VITRINA_DB_USER, '${VITRINA_DB_USER:?set VITRINA_DB_USER in .env}', 'the init script creates that role');
  const init = (compose.services.postgres!.volumes ?? []).find((v) => v.includes('/docker-entrypoint-initdb.d/'));
  t.ok(init, 'an init script is mounted');
  const script = read(init!.split(':')[0]!.replace(/^\.\//, ''));
  t.match(script, /NOSUPERUSER/);
  t.match(script, /NOCREATEDB/);
  t.match(script, /NOCREATEROLE/);
  t.match(script, /CREATE EXTENSION IF NOT EXISTS vector/);
});

t.test('names match what the project reads', async (t) => {
  const minio = compose.services.minio!.environment!;
  t.equal(minio.MINIO_NOTIFY_KAFKA_TOPIC_PRIMARY, topics.uploads.name);
  t.equal(minio.MINIO_NOTIFY_KAFKA_ENABLE_PRIMARY, 'on');
  t.ok(minio.MINIO_NOTIFY_KAFKA_QUEUE_DIR_PRIMARY, 'events survive a restart');
  t.equal(compose.services.kafka!.environment!.KAFKA_AUTO_CREATE_TOPICS_ENABLE, 'false');
  t.equal(compose.services.registry!.environment!.APICURIO_STORAGE_KIND, 'kafkasql');
  const env = gateway.environment!;
  const internalKafka = compose.services.kafka!.environment!.KAFKA_ADVERTISED_LISTENERS!.split(',').find((l) => l.startsWith('INTERNAL://'))?.slice('INTERNAL://'.length);
  t.equal(env.KAFKA_BROKERS, internalKafka);
  t.equal(env.SCHEMA_REGISTRY_URL, 'http://registry:8080/apis/ccompat/v7');
  t.equal(new URL(env.DATABASE_URL!).pathname, '/vitrina');
});

t.test('the app image runs as a non-root user', async (t) => {
  const users = read('Dockerfile')
    .split('\n')
    .map((l) => /^USER\s+(\S+)/.exec(l.trim())?.[1])
    .filter((u): u is string => u !== undefined);
  t.ok(users.length > 0, 'the Dockerfile sets USER');
  t.notOk(['root', '0', '0:0'].includes(users[users.length - 1] ?? 'root'), `the last USER is not root (${users.at(-1)})`);
});

t.test('the production layout: the model server, the gateways, the balancer and each processor in a service of its own', async (t) => {
  const commands = new Map(appServices.map(([name, service]) => [name, service.command ?? []]));
  t.same(commands.get('model-server')?.slice(0, 2), ['serve', 'model'], 'the model server');
  t.ok(gatewayServices.length >= 2, `two or more gateways (${gatewayServices.map(([name]) => name).join(', ')}), so one killed or frozen costs no search`);
  const address = gateway.environment!.MODEL_SERVER_ADDRESS;
  t.equal(address, `model-server:${commands.get('model-server')?.at(-1)?.split(':').at(-1)}`, 'the others reach the model server where it listens');
  for (const name of Object.keys(processors)) {
    const running = [...commands].filter(([, command]) => command[0] === 'processor' && command[1] === name).map(([service]) => service);
    t.equal(running.length, 1, `processor ${name} runs in one service (${running.join(', ')})`);
  }
  t.notOk([...commands.values()].some((command) => command[0] === 'serve' && command[1] === 'all'), 'no service runs serve all');
  for (const [name, service] of appServices) if (name !== 'balancer') t.same(service.environment, gateway.environment, `${name} has the same settings`);
});

t.test('the balancer forwards to every gateway, at the port each listens on, and holds no credential', async (t) => {
  const command = balancer.command ?? [];
  t.same(command.slice(0, 2), ['serve', 'balancer'], 'the balancer service runs serve balancer');
  const flag = (args: string[], name: string): string | undefined => args[args.indexOf(name) + 1];
  const upstreams = (flag(command, '--upstreams') ?? '').split(',').sort();
  const expected = gatewayServices.map(([name, service]) => `${name}:${flag(service.command!, '--port')}`).sort();
  t.same(upstreams, expected, 'its upstreams are exactly the gateway services');
  for (const [name, service] of gatewayServices) t.equal(flag(service.command!, '--host'), '0.0.0.0', `${name} listens where the balancer reaches it`);
  t.same(balancer.environment ?? {}, {}, 'the balancer gets no settings, so no credential');
  t.same([...(balancer.depends_on ?? [])].sort(), gatewayServices.map(([name]) => name).sort(), 'it starts after the gateways');
});
