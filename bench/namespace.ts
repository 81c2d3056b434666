// A namespace of its own on the configured stack, for benchmarks that run the real processes: topics
// under a unique prefix ($VITRINA_TOPIC_PREFIX in the processes), consumer groups under the same
// prefix, a PostgreSQL schema of its own first on the processes' search_path (their tables and views
// are made there; pgvector is found in public), and an images bucket of its own. It needs only what
// the app's least-privilege role has (it owns the database). Nothing of the user's catalog is read or
// written; the one thing shared is the projections' advisory lock per projection name, which makes a
// bench projector and the catalog's take turns per batch. remove() deletes all of it: groups, topics,
// the topics' registry subjects, the schema and the bucket with its objects.
import crypto from 'node:crypto';
import type * as Minio from 'minio';
import pg from 'pg';
import type { Runtime } from '../runtime/runtime.ts';
import { ensureBucket } from '../platform/s3.ts';
import { buckets } from '../platform/s3.ts';
import { ensureTopics, TOPIC_PREFIX_VARIABLE, topicPrefix, valueSubject, type TopicSpec } from '../streams/topics.ts';

export interface BenchNamespace {
  /** e.g. "bench-1a2b3c4d". */
  id: string;
  /** Put before every topic and group name of the namespace. */
  prefix: string;
  bucket: string;
  /** The PostgreSQL schema. */
  schema: string;
  /** DATABASE_URL with the schema first on the search_path. */
  databaseUrl: string;
  /** The variables that put a `vitrina` process into the namespace. */
  env: Record<string, string>;
  /** The namespace's name of a topic of streams/topics.ts. */
  topic(spec: TopicSpec): string;
  /** The namespace's consumer group of a processor. */
  group(processor: string): string;
  /** Deletes everything of the namespace; returns what could not be deleted (empty when all went). */
  remove(): Promise<string[]>;
}

/** Every object of a bucket, then the bucket. */
export async function removeBucket(s3: Minio.Client, bucket: string): Promise<void> {
  const keys: string[] = [];
  for await (const item of s3.listObjectsV2(bucket, '', true) as AsyncIterable<{ name?: string }>) if (item.name) keys.push(item.name);
  for (let i = 0; i < keys.length; i += 1000) await s3.removeObjects(bucket, keys.slice(i, i + 1000));
  await s3.removeBucket(bucket);
}

function withSearchPath(url: string, schema: string): string {
  const parsed = new URL(url);
  parsed.searchParams.set('options', `-c search_path=${schema},public`);
  return parsed.toString();
}

async function onServer<T>(url: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 10_000 });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end().catch(() => undefined);
  }
}

async function registryDelete(registryUrl: string, subject: string): Promise<void> {
  for (const query of ['', '?permanent=true']) {
    const reply = await fetch(`${registryUrl}/subjects/${encodeURIComponent(subject)}${query}`, { method: 'DELETE', signal: AbortSignal.timeout(10_000) });
    if (reply.status !== 200 && reply.status !== 404) throw new Error(`DELETE subject ${subject}${query} answered ${reply.status}`);
  }
}

/** Creates the namespace: its topics (`specs`), its database (with pgvector) and its bucket. */
export async function createNamespace(rt: Runtime, specs: TopicSpec[]): Promise<BenchNamespace> {
  const hex = crypto.randomBytes(4).toString('hex');
  const id = `bench-${hex}`;
  const prefix = `${topicPrefix}${id}.`;
  const schema = `vitrina_bench_${hex}`;
  const databaseUrl = withSearchPath(rt.config.databaseUrl, schema);
  const bucket = `${buckets.images}-${id}`.slice(0, 63);
  const topic = (spec: TopicSpec): string => `${prefix}${spec.name.slice(topicPrefix.length)}`;
  const group = (processor: string): string => `${prefix}vitrina.${processor}`;
  const groups = new Set<string>();
  const created = { topics: [] as string[], schema: false, bucket: false };

  const ns: BenchNamespace = {
    id,
    prefix,
    bucket,
    schema,
    databaseUrl,
    env: { [TOPIC_PREFIX_VARIABLE]: prefix, VITRINA_IMAGES_BUCKET: bucket, DATABASE_URL: databaseUrl },
    topic,
    group: (processor) => {
      const name = group(processor);
      groups.add(name);
      return name;
    },
    async remove() {
      const failed: string[] = [];
      const attempt = async (what: string, work: () => Promise<unknown>): Promise<void> => {
        try {
          await work();
        } catch (err) {
          failed.push(`${what}: ${(err as Error).message}`);
        }
      };
      const admin = rt.kafka.admin();
      await attempt('kafka admin', () => admin.connect());
      if (groups.size > 0) await attempt(`groups ${[...groups].join(', ')}`, () => admin.deleteGroups([...groups]));
      if (created.topics.length > 0) await attempt(`topics ${created.topics.join(', ')}`, () => admin.deleteTopics({ topics: created.topics, timeout: 30_000 }));
      await admin.disconnect().catch(() => undefined);
      for (const name of created.topics) await attempt(`subject ${valueSubject(name)}`, () => registryDelete(rt.config.schemaRegistryUrl, valueSubject(name)));
      if (created.schema) await attempt(`schema ${schema}`, () => onServer(rt.config.databaseUrl, (c) => c.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`)));
      if (created.bucket) await attempt(`bucket ${bucket}`, () => removeBucket(rt.s3, bucket));
      return failed;
    },
  };

  try {
    await onServer(rt.config.databaseUrl, async (c) => {
      const vector = await c.query(`SELECT 1 FROM pg_extension WHERE extname = 'vector'`);
      if (vector.rows.length === 0) throw new Error('pgvector is not installed in the configured database (the stack creates it; see README, Configuration)');
      try {
        await c.query(`CREATE SCHEMA "${schema}"`);
      } catch (err) {
        throw new Error(`the benchmark needs a schema of its own, and the configured role may not create one (${(err as Error).message}): give it CREATE on the database`);
      }
      created.schema = true;
    });
    await ensureBucket(rt.s3, bucket);
    created.bucket = true;
    const admin = rt.kafka.admin();
    await admin.connect();
    try {
      const own = specs.map((spec) => ({ ...spec, name: topic(spec) }));
      created.topics.push(...own.map((s) => s.name));
      await ensureTopics(admin, own, rt.config.kafkaReplicationFactor);
    } finally {
      await admin.disconnect();
    }
  } catch (err) {
    await ns.remove();
    throw err;
  }
  return ns;
}
