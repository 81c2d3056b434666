// docker-compose.yml describes the same stack as the local stack manager: same ports, credentials,
// notification topic and registry storage. No Docker engine runs here, so the file is checked.
import fs from 'node:fs';
import t from 'tap';
import { parse } from 'yaml';
import { loadConfig } from '../../streams/config.ts';
import { topics } from '../../streams/topics.ts';

interface ComposeService {
  image?: string;
  build?: string;
  ports?: string[];
  environment?: Record<string, string>;
}

const compose = parse(fs.readFileSync(new URL('../../docker-compose.yml', import.meta.url), 'utf8')) as { services: Record<string, ComposeService> };
const config = loadConfig({});

function hostPorts(service: ComposeService): number[] {
  return (service.ports ?? []).map((p) => Number(p.split(':')[0]));
}

t.test('the compose file has the four services with pinned images, and Vitrina built from its Dockerfile', async (t) => {
  t.same(Object.keys(compose.services).sort(), ['kafka', 'minio', 'postgres', 'registry', 'vitrina']);
  for (const [name, service] of Object.entries(compose.services)) if (name !== 'vitrina') t.match(service.image, /:[^:]+$/, `${name} image has a tag`);
  t.equal(compose.services.vitrina!.build, '.');
  t.ok(fs.existsSync(new URL('../../Dockerfile', import.meta.url)), 'the Dockerfile exists');
  t.notMatch(JSON.stringify(compose.services), /:latest"/, 'no image uses latest');
});

t.test('host ports are the local stack defaults', async (t) => {
  t.same(hostPorts(compose.services.kafka!), [config.ports.kafka]);
  t.same(hostPorts(compose.services.registry!), [config.ports.registry]);
  t.same(hostPorts(compose.services.minio!), [config.ports.minio, config.ports.minioConsole]);
  t.same(hostPorts(compose.services.postgres!), [config.ports.postgres]);
});

t.test('credentials and names match what the project reads', async (t) => {
  const minio = compose.services.minio!.environment!;
  t.equal(minio.MINIO_ROOT_USER, config.s3.accessKey);
  t.equal(minio.MINIO_ROOT_PASSWORD, config.s3.secretKey);
  t.equal(minio.MINIO_NOTIFY_KAFKA_TOPIC_PRIMARY, topics.uploads.name);
  t.equal(minio.MINIO_NOTIFY_KAFKA_ENABLE_PRIMARY, 'on');
  t.ok(minio.MINIO_NOTIFY_KAFKA_QUEUE_DIR_PRIMARY, 'events survive a restart');
  const pg = compose.services.postgres!.environment!;
  const url = new URL(config.databaseUrl);
  t.equal(pg.POSTGRES_USER, url.username);
  t.equal(pg.POSTGRES_PASSWORD, url.password);
  t.equal(pg.POSTGRES_DB, url.pathname.slice(1));
  t.equal(compose.services.kafka!.environment!.KAFKA_AUTO_CREATE_TOPICS_ENABLE, 'false');
  t.equal(compose.services.registry!.environment!.APICURIO_STORAGE_KIND, 'kafkasql');
});

t.test('the Vitrina service reaches each service by its compose name with the same settings', async (t) => {
  const env = compose.services.vitrina!.environment!;
  const internalKafka = (): string | undefined => compose.services.kafka!.environment!.KAFKA_ADVERTISED_LISTENERS!.split(',').find((l) => l.startsWith('INTERNAL://'))?.slice('INTERNAL://'.length);
  t.equal(env.KAFKA_BROKERS, internalKafka());
  t.equal(env.SCHEMA_REGISTRY_URL, 'http://registry:8080/apis/ccompat/v7');
  t.equal(env.S3_ACCESS_KEY, config.s3.accessKey);
  t.equal(env.S3_SECRET_KEY, config.s3.secretKey);
  const db = new URL(env.DATABASE_URL!);
  t.equal(db.hostname, 'postgres');
  t.equal(db.username, compose.services.postgres!.environment!.POSTGRES_USER);
  t.equal(db.password, compose.services.postgres!.environment!.POSTGRES_PASSWORD);
  t.same(hostPorts(compose.services.vitrina!), [config.gatewayPort]);
});
