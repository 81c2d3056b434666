import t from 'tap';
import { loadConfig, loadPorts } from '../../platform/config.ts';

t.test('defaults point at the local stack', async (t) => {
  const config = loadConfig({ HOME: '/home/someone' });
  t.same(config.kafkaBrokers, ['127.0.0.1:19092']);
  t.equal(config.databaseUrl, 'postgres://vitrina:vitrina@127.0.0.1:15432/vitrina');
  t.equal(config.s3.port, 19000);
  t.equal(config.s3.useSSL, false);
});

t.test('environment variables override every setting', async (t) => {
  const config = loadConfig({
    KAFKA_BROKERS: 'a:1, b:2',
    DATABASE_URL: 'postgres://x@y/z',
    S3_ENDPOINT: 'https://s3.example.com',
    SCHEMA_REGISTRY_URL: 'http://r:1',
    VITRINA_CACHE_DIR: '/tmp/cache-x',
  });
  t.same(config.kafkaBrokers, ['a:1', 'b:2']);
  t.equal(config.databaseUrl, 'postgres://x@y/z');
  t.equal(config.s3.endPoint, 's3.example.com');
  t.equal(config.s3.port, 443);
  t.equal(config.s3.useSSL, true);
  t.equal(config.schemaRegistryUrl, 'http://r:1');
  t.equal(config.cacheDir, '/tmp/cache-x');
  t.equal(config.stateDir, '/tmp/cache-x/state');
});

t.test('a port that is not a positive integer is rejected with its name', async (t) => {
  t.throws(() => loadPorts({ VITRINA_KAFKA_PORT: 'abc' }), /VITRINA_KAFKA_PORT must be a positive integer/);
  t.throws(() => loadPorts({ VITRINA_POSTGRES_PORT: '-5' }), /VITRINA_POSTGRES_PORT/);
});
