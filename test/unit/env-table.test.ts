// The one table of environment variables (platform/env-table.ts): every VITRINA_* name the code
// reads is in it, nothing in it is read nowhere, the README's Configuration table is generated from
// it, and its loader parses each variable by its type with the table's default.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import t from 'tap';
import { loadConfig, processConfig } from '../../platform/config.ts';
import { ENV_TABLE, envTableMarkdown, loadSettings, TABLE_DEFAULTS } from '../../platform/env-table.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const SKIP = new Set(['node_modules', '.git', 'test', 'coverage', '.tap']);

/** Every source file outside the tests (TypeScript and JavaScript, the UI's scripts included). */
function sources(dir: string, out: string[] = []): string[] {
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    if (SKIP.has(entry.name) || entry.name.startsWith('.') && entry.name !== '.ci') continue;
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) sources(full, out);
    else if (/\.(ts|js|mjs|cjs)$/.test(entry.name) || entry.name === 'run') out.push(full);
  }
  return out;
}

const files = sources(root);
const text = new Map(files.map((f) => [path.relative(root, f), fs.readFileSync(f, 'utf8')]));
const names = new Set<string>(ENV_TABLE.map((v) => v.name));

t.test('every VITRINA_* variable the code names is in the table, and every entry is read somewhere', async (t) => {
  t.ok(files.length > 100, `${files.length} source files scanned`);
  const found = new Map<string, string>();
  for (const [file, body] of text) {
    for (const m of body.matchAll(/\bVITRINA_[A-Z0-9_]*[A-Z0-9]\b/g)) if (!found.has(m[0])) found.set(m[0], file);
  }
  t.ok(found.size > 30, `${found.size} VITRINA_* names found`);
  for (const [name, file] of found) t.ok(names.has(name), `${name} (read in ${file}) is in platform/env-table.ts`);
  const everything = [...text.entries()].filter(([file]) => file !== path.join('platform', 'env-table.ts')).map(([, body]) => body).join('\n');
  for (const name of names) t.ok(everything.includes(name), `${name} is read outside the table itself`);
  t.equal(names.size, ENV_TABLE.length, 'no variable is listed twice');
});

t.test('only the entry points and the exceptions named in env-table.ts read process.env', async (t) => {
  const header = text.get(path.join('platform', 'env-table.ts'))!.split('\nimport ')[0]!;
  const allowed = [...header.matchAll(/`([\w./-]+\.ts)`/g)].map((m) => m[1]!);
  t.ok(allowed.length >= 10, `env-table.ts's header names the allowed readers (${allowed.length})`);
  for (const file of allowed) t.ok(text.has(file), `${file}, named in the header, exists`);
  const readers = [...text.entries()].filter(([, body]) => /\bprocess\.env\b/.test(body.replace(/^\s*(\/\/|\*).*$/gm, ''))).map(([file]) => file).sort();
  t.same(readers.filter((file) => !allowed.includes(file)), [], 'no other module reads process.env: it takes the settings its entry point read once');
  t.ok(readers.length <= 20, `${readers.length} files read process.env`);
  // loadConfig() reads the environment: entry points call it (the CLI, benchmarks, the chaos suite,
  // the stack manager, a command's Runtime, the model server's start); a module below them is handed
  // the config, or falls back to processConfig() (read once).
  const entry = /^(cli|bench|chaos|stack)\/|^runtime\/runtime\.ts$|^models\/server\.ts$|^platform\/(config|env-table)\.ts$/;
  const loaders = [...text.entries()].filter(([file, body]) => !entry.test(file) && /\bloadConfig\(/.test(body)).map(([file]) => file);
  t.same(loaders, [], 'only entry points call loadConfig()');
  t.equal(processConfig(), processConfig(), "processConfig() is the process's one read");
});

t.test('the README lists exactly the table, as generated from it', async (t) => {
  const readme = fs.readFileSync(path.join(root, 'README.md'), 'utf8');
  const section = readme.split(/^## Configuration$/m)[1]?.split(/^## /m)[0] ?? '';
  const rows = section.split('\n').filter((line) => line.startsWith('| `'));
  const listed = rows.flatMap((row) => [...row.split('|')[1]!.matchAll(/`([A-Z][A-Z0-9_]*)`/g)].map((m) => m[1]!));
  t.same([...listed].sort(), [...names].sort(), 'the README table names exactly the variables of the table');
  t.ok(section.includes(envTableMarkdown()), 'the README table is the one `npx tsx platform/env-table.ts` prints');
});

t.test('one default per variable, parsed by its type', async (t) => {
  const defaults = loadSettings({});
  t.equal(defaults.VITRINA_MODEL_NAME, 'vitrina');
  t.equal(defaults.VITRINA_GATEWAY_PORT, 8080);
  t.equal(defaults.VITRINA_TINY_MODELS, false);
  t.equal(defaults.VITRINA_ADMIN_TOKEN, undefined, 'no default: unset');
  t.same(TABLE_DEFAULTS, defaults, 'TABLE_DEFAULTS is the table read with nothing set');
  t.equal(loadSettings({ VITRINA_MODEL_NAME: 'm2' }).VITRINA_MODEL_NAME, 'm2');
  t.equal(loadSettings({ VITRINA_GATEWAY_PORT: '9090' }).VITRINA_GATEWAY_PORT, 9090);
  t.equal(loadSettings({ VITRINA_TINY_MODELS: 'yes' }).VITRINA_TINY_MODELS, true);
  t.throws(() => loadSettings({ VITRINA_GATEWAY_PORT: 'eighty' }), /VITRINA_GATEWAY_PORT must be a positive integer, got "eighty"/);
  t.throws(() => loadSettings({ VITRINA_GATEWAY_PORT: '0' }), /VITRINA_GATEWAY_PORT must be a positive integer, got "0"/, 'an int is at least 1');
  t.equal(loadSettings({ VITRINA_QUERY_EMBEDDING_CACHE: '0' }).VITRINA_QUERY_EMBEDDING_CACHE, 0, 'a count may be 0');
  t.throws(() => loadSettings({ VITRINA_QUERY_EMBEDDING_CACHE: '-1' }), /VITRINA_QUERY_EMBEDDING_CACHE must be a non-negative integer, got "-1"/);
  const config = loadConfig({});
  t.same(
    [config.ports.kafka, config.ports.registry, config.ports.postgres, config.gatewayPort, config.modelServerAddress, config.s3.accessKey, config.s3.secretKey],
    [defaults.VITRINA_KAFKA_PORT, defaults.VITRINA_REGISTRY_PORT, defaults.VITRINA_POSTGRES_PORT, defaults.VITRINA_GATEWAY_PORT, defaults.MODEL_SERVER_ADDRESS, defaults.S3_ACCESS_KEY, defaults.S3_SECRET_KEY],
    "loadConfig's defaults are the table's",
  );
  t.equal(loadConfig({ VITRINA_GATEWAY_PORT: '9191' }).settings.VITRINA_GATEWAY_PORT, 9191, 'the typed settings ride along in the config');
  const configSource = text.get(path.join('platform', 'config.ts'))!;
  for (const literal of ['19092', '18081', '15432', "'vitrina-secret-key'", '50051', '8080']) t.notOk(configSource.includes(literal), `platform/config.ts does not repeat the default ${literal}`);
  for (const v of ENV_TABLE) t.ok(v.description.length > 10, `${v.name} is described`);
  const repeats = [...text.entries()].filter(([file, body]) => file !== path.join('platform', 'env-table.ts') && /VITRINA_MODEL_NAME\s*\?\?/.test(body)).map(([file]) => file);
  t.same(repeats, [], 'the model name default is written once, in the table');
});
