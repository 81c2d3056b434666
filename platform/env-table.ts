// Every environment variable Vitrina reads, in one table: its name, type, default and meaning.
// loadSettings parses an environment by this table (one integer reader, integerFrom; one boolean
// reader; the defaults written once here) into one typed object, Settings. The README's
// Configuration table is generated from this one (`npx tsx platform/env-table.ts` prints it) and
// test/unit/env-table.test.ts checks that every VITRINA_* name in the code is listed here.
//
// Read once per process: an entry point (a CLI command, `serve all`, the gateway, the model server,
// a processor's start, a test, a benchmark) calls loadConfig() (`platform/config.ts`) once and
// hands config.settings, or the values each part needs, down through options and the Runtime. What
// a process has only one of (the log level, the topic prefix, the bucket names) and a module's
// fallback when it is handed no value come from processSettings() here, process.env read once, on
// first use (`platform/env-table.ts`), or processConfig() (the addresses derived from it, also read
// once). No other module reads process.env, except these
// (test/unit/env-table.test.ts fails on any other):
// - they pass process.env (plus their own settings) to the child processes they start: the stack
//   manager (`stack/process.ts`, `stack/services/minio.ts`, `stack/services/postgres.ts` with the
//   system's LD_LIBRARY_PATH), the chaos suite (`chaos/processes.ts`, `chaos/instance.ts`,
//   `chaos/load.ts`) and the benchmarks (`bench/ingest.ts`, `bench/services.ts`,
//   `bench/upload-notifications.ts`);
// - the test command (`cli/test.ts`, with `stack/test-stack.ts`) sets the test stack's variables
//   in its own process.env for the tap processes it starts, and `vitrina start` (`cli/start.ts`)
//   reads its environment once with the addresses of the stack it just brought up;
// - the system's own variables: XDG_CACHE_HOME (`platform/config.ts`, next to VITRINA_CACHE_DIR),
//   JAVA_HOME and PATH (`stack/java.ts`, next to VITRINA_JAVA_HOME), and kafkajs' switch
//   KAFKAJS_NO_PARTITIONER_WARNING, which `streams/kafka.ts` sets.
import { pathToFileURL } from 'node:url';

type Kind = 'string' | 'int' | 'count' | 'bool';

export interface EnvVariable {
  name: string;
  /** string; int: a positive integer; count: a non-negative integer; bool: 1/true/yes (anything else is false). */
  kind: Kind;
  /** The value when the variable is unset or empty; absent when there is none or it is computed (see shown). */
  default?: string | number | boolean;
  /** How the README shows a default computed from other settings. */
  shown?: string;
  description: string;
}

const PORTS = 'the local stack (`npx vitrina stack up`) listens on';

export const ENV_TABLE = [
  // where the services are
  { name: 'KAFKA_BROKERS', kind: 'string', shown: '`127.0.0.1:<VITRINA_KAFKA_PORT>` (each node of a local cluster)', description: 'Kafka bootstrap brokers, comma-separated' },
  { name: 'KAFKA_REPLICATION_FACTOR', kind: 'int', shown: '1 (3 on a 3-node local cluster)', description: 'replication factor of the topics Vitrina creates' },
  { name: 'SCHEMA_REGISTRY_URL', kind: 'string', shown: 'the local registry', description: 'the Confluent-compatible schema registry' },
  { name: 'S3_ENDPOINT', kind: 'string', shown: '`http://127.0.0.1:<VITRINA_MINIO_PORT>`', description: 'the S3 endpoint (MinIO)' },
  { name: 'S3_ACCESS_KEY', kind: 'string', default: 'vitrina', description: 'the S3 access key' },
  { name: 'S3_SECRET_KEY', kind: 'string', default: 'vitrina-secret-key', description: 'the S3 secret key' },
  { name: 'S3_REGION', kind: 'string', default: 'us-east-1', description: 'the S3 region' },
  { name: 'DATABASE_URL', kind: 'string', shown: '`postgres://vitrina:vitrina@127.0.0.1:<VITRINA_POSTGRES_PORT>/vitrina`', description: 'PostgreSQL with pgvector' },
  { name: 'MODEL_SERVER_ADDRESS', kind: 'string', default: '127.0.0.1:50051', description: 'host:port of the gRPC model server, or several separated by commas (`host1:50051,host2:50051`): clients send each call to the one with the fewest calls in flight and retry one that answers UNAVAILABLE on the next (`serve model` then needs `--address`)' },
  { name: 'VITRINA_IMAGES_BUCKET', kind: 'string', default: 'vitrina-images', description: 'bucket of the original and normalised product images' },
  { name: 'VITRINA_MODELS_BUCKET', kind: 'string', default: 'vitrina-models', description: 'bucket of trained model versions' },
  { name: 'VITRINA_UPLOADS_BUCKET', kind: 'string', default: 'vitrina-uploads', description: 'bucket whose new objects the dispatcher predicts' },
  { name: 'VITRINA_TOPIC_PREFIX', kind: 'string', default: '', description: 'put before every topic name: a namespace of its own on a shared Kafka' },
  // the local stack
  { name: 'VITRINA_CACHE_DIR', kind: 'string', shown: '`$XDG_CACHE_HOME/vitrina` or `~/.cache/vitrina`', description: 'where the stack is installed and models are cached' },
  { name: 'VITRINA_STATE_DIR', kind: 'string', shown: '`<cache>/state`', description: "the local stack's data and logs" },
  { name: 'VITRINA_DATASET_DIR', kind: 'string', default: '../shared/data/fashion-small', description: 'the dataset `start` and `ingest` read' },
  { name: 'VITRINA_KAFKA_PORT', kind: 'int', default: 19092, description: `the port Kafka of ${PORTS}` },
  { name: 'VITRINA_KAFKA_CONTROLLER_PORT', kind: 'int', default: 19093, description: `the port the Kafka controller of ${PORTS}` },
  { name: 'VITRINA_REGISTRY_PORT', kind: 'int', default: 18081, description: `the port the schema registry of ${PORTS}` },
  { name: 'VITRINA_MINIO_PORT', kind: 'int', default: 19000, description: `the port MinIO of ${PORTS}` },
  { name: 'VITRINA_MINIO_CONSOLE_PORT', kind: 'int', default: 19001, description: `the port the MinIO console of ${PORTS}` },
  { name: 'VITRINA_POSTGRES_PORT', kind: 'int', default: 15432, description: `the port PostgreSQL of ${PORTS}` },
  { name: 'VITRINA_JAVA_HOME', kind: 'string', shown: '`JAVA_HOME`, then the `PATH`', description: 'the JDK the stack runs Kafka and the registry with' },
  { name: 'VITRINA_LOG_LEVEL', kind: 'string', default: 'info', description: 'pino log level of every process' },
  { name: 'VITRINA_DEBUG', kind: 'bool', default: false, description: 'print the stack trace of a failed command' },
  // models and the model server
  { name: 'VITRINA_MODEL_NAME', kind: 'string', default: 'vitrina', description: 'the model whose promotions the processes follow and record' },
  { name: 'VITRINA_DEFAULT_MODEL', kind: 'string', shown: 'the bundled `base-v3`', description: 'the model version served while no promotion names one' },
  { name: 'VITRINA_TINY_MODELS', kind: 'bool', default: false, description: 'serve the tiny deterministic test model (the test command sets it)' },
  { name: 'VITRINA_MODEL_THREADS', kind: 'int', shown: 'the cores, at most 4', description: 'onnxruntime threads per inference session' },
  { name: 'VITRINA_ORT_SPIN', kind: 'bool', default: false, description: "let onnxruntime's threads spin while idle (`1`)" },
  { name: 'VITRINA_MODEL_MAX_BATCH', kind: 'count', default: 64, description: 'most inputs the model server encodes in one batch' },
  { name: 'VITRINA_MODEL_MAX_WAIT_MS', kind: 'count', default: 0, description: 'how long the model server waits to fill a batch' },
  { name: 'VITRINA_MODEL_VERSIONS_LOADED', kind: 'count', default: 3, description: 'model versions the model server keeps loaded' },
  { name: 'VITRINA_MAX_IMAGE_BYTES', kind: 'count', default: 10 * 1024 * 1024, description: 'largest image the model server accepts, in bytes' },
  { name: 'VITRINA_MAX_TEXT_CHARS', kind: 'count', default: 2048, description: 'longest text the model server accepts, in characters' },
  { name: 'VITRINA_MODEL_DOWNLOAD_TIMEOUT_MS', kind: 'int', default: 600_000, description: 'how long a model download from a URL may take' },
  { name: 'VITRINA_MODEL_DOWNLOAD_MAX_BYTES', kind: 'int', default: 4 * 1024 ** 3, description: 'largest model file a download accepts' },
  { name: 'VITRINA_PROMOTION_RULE', kind: 'string', shown: 'the built-in rule', description: "the promoter's rule (JSON), unless a run names its own" },
  { name: 'VITRINA_ADMIN_TOKEN', kind: 'string', description: "the gateway's admin token (at least 24 characters; admin actions are off without it), and the token the CLI presents" },
  { name: 'VITRINA_ADMIN_TOKEN_SHA256', kind: 'string', description: "the admin token's sha256, which the CLI checks VITRINA_ADMIN_TOKEN against" },
  // the gateway, search and the dispatcher
  { name: 'VITRINA_GATEWAY_PORT', kind: 'int', default: 8080, description: "the gateway's port" },
  { name: 'VITRINA_GATEWAY_HOST', kind: 'string', default: '127.0.0.1', description: 'the address `serve all` binds the gateway to' },
  { name: 'VITRINA_GATEWAY_PUBLIC_URL', kind: 'string', shown: 'from the request', description: 'absolute base of the image URLs in results' },
  { name: 'VITRINA_SEARCH_MODE', kind: 'string', default: 'name', description: 'text-search mode of a request that names none (vector, hybrid, name)' },
  { name: 'VITRINA_UNDERSTAND_QUERIES', kind: 'string', default: 'true', description: 'query understanding on by default (`false`, `0`, `no`, `off` turn it off)' },
  { name: 'VITRINA_UPLOAD_LIMIT_BYTES', kind: 'int', default: 5 * 1024 * 1024, description: 'largest image upload (gateway and dispatcher), in bytes' },
  { name: 'VITRINA_MAX_IMAGE_PIXELS', kind: 'int', default: 40_000_000, description: 'largest decoded image, width × height' },
  { name: 'VITRINA_MAX_OFFSET', kind: 'int', default: 1000, description: 'largest offset a search may ask for' },
  { name: 'VITRINA_QUERY_EMBEDDING_CACHE', kind: 'count', default: 1000, description: 'query embeddings the gateway keeps, the least recently used dropped first; 0 keeps none' },
  { name: 'VITRINA_FILTER_VALUES_TTL_MS', kind: 'int', default: 30_000, description: "how long the gateway caches the catalog's filter values" },
  { name: 'VITRINA_GRAPHQL_MAX_DEPTH', kind: 'int', default: 8, description: 'deepest GraphQL field nesting' },
  { name: 'VITRINA_GRAPHQL_MAX_COST', kind: 'int', default: 5000, description: 'highest estimated cost of one GraphQL request' },
  { name: 'VITRINA_REQUEST_DEADLINE_MS', kind: 'int', default: 3000, description: 'a gateway request not answered by then gets a 503' },
  { name: 'VITRINA_HNSW_EF_SEARCH', kind: 'int', default: 100, description: "candidates of the HNSW index's first scan round" },
  { name: 'VITRINA_INDEX_BUILD_MEMORY', kind: 'string', default: '256MB', description: 'maintenance_work_mem of an HNSW index build' },
  { name: 'VITRINA_SWEEP_INTERVAL_MS', kind: 'int', default: 60_000, description: "how often the dispatcher sweeps the uploads bucket for objects it missed" },
] as const satisfies readonly EnvVariable[];

type Table = (typeof ENV_TABLE)[number];
type ValueOf<K extends Kind> = K extends 'int' | 'count' ? number : K extends 'bool' ? boolean : string;
type Env = Record<string, string | undefined>;

/** Each variable's value: parsed by its kind; the table's default when unset; undefined when it has none (or a computed one). */
export type Settings = { readonly [V in Table as V['name']]: V extends { default: unknown } ? ValueOf<V['kind']> : ValueOf<V['kind']> | undefined };

/**
 * The one integer reader: the variable `name` of `env` as an integer of at least `min` (1 for an
 * int, 0 for a count), or `fallback` when it is unset or empty; anything else throws, naming it.
 */
export function integerFrom(env: Env, name: string, fallback: number, min: 0 | 1 = 1): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min) throw new Error(`${name} must be a ${min === 1 ? 'positive' : 'non-negative'} integer, got "${raw}"`);
  return value;
}

function parse(variable: EnvVariable, env: Env): string | number | boolean | undefined {
  const raw = env[variable.name];
  const fallback = variable.default;
  switch (variable.kind) {
    case 'int':
    case 'count':
      return raw === undefined || raw === '' ? fallback : integerFrom(env, variable.name, 0, variable.kind === 'int' ? 1 : 0);
    case 'bool':
      return raw === undefined || raw === '' ? fallback : ['1', 'true', 'yes'].includes(raw.toLowerCase());
    default:
      return raw === undefined || raw === '' ? fallback : raw;
  }
}

/** Every variable of the table, read from `env` (a bad integer throws, naming the variable). */
export function loadSettings(env: Env): Settings {
  return Object.freeze(Object.fromEntries(ENV_TABLE.map((v) => [v.name, parse(v, env)]))) as Settings;
}

/** The table's defaults: every variable as if unset (what a module falls back to when not handed a value). */
export const TABLE_DEFAULTS: Settings = loadSettings({});

let once: Settings | undefined;

/** The settings of this process: process.env read once, on first use. */
export function processSettings(): Settings {
  once ??= loadSettings(process.env);
  return once;
}

/** The README's Configuration table. */
export function envTableMarkdown(): string {
  const shown = (v: EnvVariable): string => v.shown ?? (v.default === undefined ? 'unset' : v.default === '' ? 'empty' : `\`${String(v.default)}\``);
  return ['| variable | default | what it sets |', '| --- | --- | --- |', ...ENV_TABLE.map((v: EnvVariable) => `| \`${v.name}\` | ${shown(v)} | ${v.description} |`)].join('\n');
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) process.stdout.write(`${envTableMarkdown()}\n`);
