// The schema registry of the local stack (SCHEMA_REGISTRY_URL): registering and fetching by id,
// BACKWARD_TRANSITIVE compatibility (409 for a breaking change, success for an added field with a
// default), and the round trip through @kafkajs/confluent-schema-registry: a record encoded with
// the first version decodes with the newest. Fails (not skips) when the registry is unreachable.
import t from 'tap';
import { COMPATIBILITY, SchemaRegistry, SchemaType } from '@kafkajs/confluent-schema-registry';
import { loadConfig } from '../../platform/config.ts';

const CONTENT_TYPE = 'application/vnd.schemaregistry.v1+json';
const registryUrl = (process.env.SCHEMA_REGISTRY_URL ?? loadConfig().schemaRegistryUrl).replace(/\/+$/, '');
/** Subjects unique to this run: the registry keeps what earlier runs registered. */
const run = `${Date.now().toString(36)}${Math.floor(Math.random() * 1e6).toString(36)}`;

interface Reply {
  status: number;
  body: Record<string, unknown>;
}

async function call(method: string, path: string, body?: unknown): Promise<Reply> {
  const response = await fetch(`${registryUrl}${path}`, {
    method,
    headers: { accept: CONTENT_TYPE, ...(body === undefined ? {} : { 'content-type': CONTENT_TYPE }) },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(10_000),
  });
  const text = await response.text();
  return { status: response.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
}

function productSchema(extraFields: object[] = []): object {
  return {
    type: 'record',
    name: 'Product',
    namespace: `vitrina.test.r${run}`,
    fields: [{ name: 'id', type: 'string' }, { name: 'title', type: 'string' }, ...extraFields],
  };
}

const v1 = productSchema();
const v2 = productSchema([{ name: 'brand', type: 'string', default: 'unknown' }]);
/** A new required field without a default: readers of v3 cannot read v1 or v2 data. */
const incompatible = productSchema([{ name: 'brand', type: 'string', default: 'unknown' }, { name: 'price', type: 'double' }]);

t.before(async () => {
  try {
    const reply = await call('GET', '/subjects');
    if (reply.status !== 200) throw new Error(`GET /subjects answered ${reply.status}`);
  } catch (err) {
    throw new Error(`schema registry unreachable at ${registryUrl} (${(err as Error).message}); start it with 'npx vitrina stack up' or set SCHEMA_REGISTRY_URL`);
  }
});

/** Subjects this run created, deleted at the end (soft, then permanently) so reruns leave nothing behind. */
const created = new Set<string>();
const subjectName = (purpose: string): string => {
  const name = `registry-test-${run}-${purpose}-value`;
  created.add(name);
  return name;
};

t.teardown(async () => {
  for (const subject of created) {
    await call('DELETE', `/subjects/${subject}`).catch(() => undefined);
    await call('DELETE', `/subjects/${subject}?permanent=true`).catch(() => undefined);
  }
});

t.test('registers an Avro schema and fetches it back by id', async (t) => {
  const subject = subjectName('fetch');
  const first = await call('POST', `/subjects/${subject}/versions`, { schema: JSON.stringify(v1) });
  t.equal(first.status, 200, `register: ${JSON.stringify(first.body)}`);
  const id = first.body.id;
  t.type(id, 'number');

  const again = await call('POST', `/subjects/${subject}/versions`, { schema: JSON.stringify(v1) });
  t.equal(again.body.id, id, 'the same schema registered twice keeps its id');

  const byId = await call('GET', `/schemas/ids/${id}`);
  t.equal(byId.status, 200);
  t.same(JSON.parse(byId.body.schema as string), v1, 'the schema fetched by id is the one registered');

  const version = await call('GET', `/subjects/${subject}/versions/1`);
  t.equal(version.status, 200);
  t.equal(version.body.id, id);
  t.equal(version.body.subject, subject);

  const missing = await call('GET', `/subjects/${subject}-missing/versions/1`);
  t.equal(missing.status, 404, 'an unknown subject is a 404');
  t.equal(missing.body.error_code, 40401, 'in Confluent error shape');
});

t.test('BACKWARD_TRANSITIVE rejects a breaking change and accepts an added field with a default', async (t) => {
  const subject = subjectName('compat');
  t.equal((await call('POST', `/subjects/${subject}/versions`, { schema: JSON.stringify(v1) })).status, 200);

  const config = await call('PUT', `/config/${subject}`, { compatibility: 'BACKWARD_TRANSITIVE' });
  t.equal(config.status, 200, `set compatibility: ${JSON.stringify(config.body)}`);
  t.equal((await call('GET', `/config/${subject}`)).body.compatibilityLevel, 'BACKWARD_TRANSITIVE');

  const compatible = await call('POST', `/subjects/${subject}/versions`, { schema: JSON.stringify(v2) });
  t.equal(compatible.status, 200, `compatible change: ${JSON.stringify(compatible.body)}`);

  const check = await call('POST', `/compatibility/subjects/${subject}/versions/latest`, { schema: JSON.stringify(incompatible) });
  t.equal(check.status, 200);
  t.equal(check.body.is_compatible, false, 'the compatibility check reports the breaking change');

  const rejected = await call('POST', `/subjects/${subject}/versions`, { schema: JSON.stringify(incompatible) });
  t.equal(rejected.status, 409, `breaking change: ${JSON.stringify(rejected.body)}`);
  t.equal(rejected.body.error_code, 409);

  const versions = await call('GET', `/subjects/${subject}/versions`);
  t.same(versions.body, [1, 2], 'the rejected schema added no version');
});

t.test('a record encoded with the first version decodes with the newest (confluent-schema-registry client)', async (t) => {
  const registry = new SchemaRegistry({ host: registryUrl });
  const subject = subjectName('client');
  const options = { subject, compatibility: COMPATIBILITY.BACKWARD_TRANSITIVE };
  const { id: firstId } = await registry.register({ type: SchemaType.AVRO, schema: JSON.stringify(v1) }, options);
  const { id: newestId } = await registry.register({ type: SchemaType.AVRO, schema: JSON.stringify(v2) }, options);
  t.not(firstId, newestId, 'the second version has an id of its own');
  t.equal(await registry.getLatestSchemaId(subject), newestId);

  const product = { id: 'p-1', title: 'Linen shirt' };
  const encoded = await registry.encode(firstId, product);
  t.equal(encoded.readUInt8(0), 0, 'Confluent wire format: magic byte');
  t.equal(encoded.readInt32BE(1), firstId, 'Confluent wire format: schema id');

  t.same(await registry.decode(encoded), product, 'decodes with the writer schema');
  const latest = await call('GET', `/subjects/${subject}/versions/latest`);
  t.equal(latest.body.id, newestId, 'the latest version is the newest registered');
  const readerSchema = JSON.parse(latest.body.schema as string) as { name: string; type: 'record'; fields: unknown[] };
  const decoded = await new SchemaRegistry({ host: registryUrl }).decode(encoded, { [SchemaType.AVRO]: { readerSchema } });
  t.same(decoded, { ...product, brand: 'unknown' }, 'decodes with the newest version as reader, filling the default');

  await t.rejects(
    registry.register({ type: SchemaType.AVRO, schema: JSON.stringify(incompatible) }, options),
    'the client surfaces the 409 of a breaking change',
  );
});
