// A Kafka broker lost under load: on a three-broker KRaft cluster of its own (`stack up --brokers 3`'s
// layout: replication factor 3, min.insync.replicas 2, idempotent producers with acks=all), the
// broker leading most partitions of vitrina.products is SIGKILLed (by its PID) while a few hundred
// products are ingested and embedded. The ingest succeeds on its first try, every product is
// projected once and embedded once (counts, ids and checksums against the input, and each id once
// in the products topic), no dead letter is written, and no processor was restarted: each runs
// with the PID it started with. The killed broker is then restarted and catches up (every replica
// back in sync), and the whole instance is stopped.
//
// Its own instance: PostgreSQL and three Kafka nodes on ports 47xxx in <cache>/cluster-test-state
// (the test stack's registry and MinIO hold the schemas and images: they are not under test here,
// and the product ids are unique).
import fs from 'node:fs';
import path from 'node:path';
import t from 'tap';
import { freePort } from '../../bench/services.ts';
import { startInstance, type ServiceName, type StackInstance } from '../../chaos/instance.ts';
import { IngestLoad } from '../../chaos/load.ts';
import { busiestBroker, checkProjections, deadLetterCount, type ProjectionCheck } from '../../chaos/measure.ts';
import { ownedProcess, type OwnedProcess } from '../../chaos/processes.ts';
import { writeManifest } from '../../models/manifest.ts';
import { defaultCacheDir, loadConfig, type StackPorts } from '../../platform/config.ts';
import { sleep } from '../../platform/sleep.ts';
import { createPool } from '../../projections/db.ts';
import { createEncoderClient } from '../../proto/client.ts';
import { portIsFree } from '../../stack/process.ts';
import { createKafka } from '../../streams/kafka.ts';
import { readToEnd } from '../../streams/read-to-end.ts';
import { allTopics, topics } from '../../streams/topics.ts';

t.setTimeout(600_000);

const PORTS: StackPorts = { kafka: 47092, kafkaController: 47093, registry: 47081, minio: 47000, minioConsole: 47001, postgres: 47432 };
const NODES: ServiceName[] = ['kafka', 'kafka-2', 'kafka-3'];
const PRODUCTS = 200;
const stateDir = path.join(defaultCacheDir(), 'cluster-test-state');
const shared = loadConfig();

const cleanups: Array<() => Promise<unknown>> = [];
async function cleanUp(): Promise<void> {
  for (const cleanup of cleanups.reverse()) await cleanup().catch((err: Error) => t.comment(`cleanup: ${err.message}`));
  cleanups.length = 0;
}

for (const port of [PORTS.postgres, PORTS.kafka, PORTS.kafka + 10, PORTS.kafka + 20]) {
  if (!(await portIsFree(port))) throw new Error(`port ${port} of the cluster test's instance is in use: is another run of this test going on?`);
}
fs.rmSync(stateDir, { recursive: true, force: true });
const logDir = path.join(stateDir, 'logs');
fs.mkdirSync(logDir, { recursive: true });

let completed = false;
try {
  const began = Date.now();
  let instance: StackInstance | undefined;
  cleanups.push(async () => instance?.stop());
  instance = await startInstance({ stateDir, ports: PORTS, services: ['postgres', ...NODES], kafkaNodes: 3 });
  t.comment(`instance up in ${((Date.now() - began) / 1000).toFixed(1)} s`);

  const kafka = createKafka('vitrina-cluster-test', instance.config.kafkaBrokers);
  const admin = kafka.admin();
  await admin.connect();
  cleanups.push(() => admin.disconnect());

  await t.test('the cluster: three brokers, every topic on three replicas with min.insync.replicas 2', async (t) => {
    t.same(instance!.config.kafkaBrokers, ['127.0.0.1:47092', '127.0.0.1:47102', '127.0.0.1:47112'], 'the bootstrap list names every broker');
    t.same((await admin.describeCluster()).brokers.map((b) => b.nodeId).sort(), [1, 2, 3]);
    const names = allTopics.map((spec) => spec.name).filter((name) => name !== 'vitrina.uploads.notifications');
    const metadata = await admin.fetchTopicMetadata({ topics: names });
    for (const topic of metadata.topics) t.ok(topic.partitions.every((p) => p.replicas.length === 3), `${topic.name}: 3 replicas per partition`);
    const configs = await admin.describeConfigs({ includeSynonyms: false, resources: names.map((name) => ({ type: 2, name, configNames: ['min.insync.replicas'] })) });
    for (const r of configs.resources) t.equal(r.configEntries[0]?.configValue, '2', `${r.resourceName}: min.insync.replicas 2`);
  });

  // The system's processes against the cluster, with the test stack's registry and MinIO.
  const env: Record<string, string> = {
    ...instance.env,
    SCHEMA_REGISTRY_URL: shared.schemaRegistryUrl,
    S3_ENDPOINT: `${shared.s3.useSSL ? 'https' : 'http'}://${shared.s3.endPoint}:${shared.s3.port}`,
    S3_ACCESS_KEY: shared.s3.accessKey,
    S3_SECRET_KEY: shared.s3.secretKey,
    S3_REGION: shared.s3.region,
    VITRINA_TINY_MODELS: '1',
  };
  const version = `tiny-${30_000 + Math.floor(Math.random() * 1000)}`;
  const modelDir = path.join(stateDir, 'models', version);
  writeManifest(modelDir, { source: 'tiny', seed: 7, version });
  const modelAddress = `127.0.0.1:${await freePort()}`;
  env.MODEL_SERVER_ADDRESS = modelAddress;
  const encoder = createEncoderClient(modelAddress, 3000);
  cleanups.push(async () => encoder.close());
  const procs: OwnedProcess[] = [
    ownedProcess({ name: 'model-server', args: ['serve', 'model', '--model', modelDir, '--address', modelAddress, '--threads', '1'], env, logDir, ready: async () => Boolean(await encoder.describe()) }),
    ownedProcess({ name: 'projector.products', args: ['processor', 'projector.products'], env, logDir }),
    ownedProcess({ name: 'embedder', args: ['processor', 'embedder', '--model-version', version], env, logDir }),
    ownedProcess({ name: 'projector.embeddings', args: ['processor', 'projector.embeddings'], env, logDir }),
  ];
  cleanups.push(async () => Promise.allSettled([...procs].reverse().map((p) => p.stop())));
  for (const p of procs) await p.start();
  const startPids = procs.map((p) => p.pid());

  const db = createPool(instance.config.databaseUrl, 2, { connectTimeoutMs: 3000, queryTimeoutMs: 10_000 });
  cleanups.push(() => db.end());

  async function producedSoFar(): Promise<number> {
    const offsets = await admin.fetchTopicOffsets(topics.products.name);
    return offsets.reduce((sum, o) => sum + Number(o.high), 0);
  }

  const firstId = 800_000_000 + Math.floor(Math.random() * 90_000) * 1000;
  const ingest = new IngestLoad({ env, workDir: path.join(stateDir, 'datasets'), firstId, batchSize: PRODUCTS, intervalMs: 0, maxBatches: 1, timeoutMs: 240_000 });
  const deadBefore = await deadLetterCount(kafka);

  const ingestBegan = Date.now();
  const ingesting = ingest.ingestBatch(1);
  // The kill lands while the products are being written: once a fifth of them are in the topic.
  let killedNode: number | undefined;
  let producedAtKill = 0;
  for (const deadline = Date.now() + 180_000; Date.now() < deadline; await sleep(100)) {
    producedAtKill = await producedSoFar().catch(() => 0);
    if (producedAtKill >= PRODUCTS / 5) {
      killedNode = await busiestBroker(kafka);
      await instance.kill(NODES[killedNode - 1]!);
      break;
    }
  }
  const ingestedFirstTry = await ingesting;
  const ingestSeconds = (Date.now() - ingestBegan) / 1000;
  t.comment(`broker ${killedNode} killed with ${producedAtKill} of ${PRODUCTS} products written; ingest took ${ingestSeconds.toFixed(1)} s`);

  let check: ProjectionCheck | undefined;
  const expected = [...ingest.ingested.values()];
  for (const deadline = Date.now() + 180_000; Date.now() < deadline; await sleep(1000)) {
    check = await checkProjections(db, expected, ingest.retried).catch(() => undefined);
    if (check && check.productsLost === 0 && check.embeddingsLost === 0) break;
  }
  const settledSeconds = (Date.now() - ingestBegan) / 1000;

  await t.test('one broker SIGKILLed mid-ingest: nothing lost, nothing twice, nobody restarted', async (t) => {
    t.ok(killedNode !== undefined, `a broker was killed while the products were written (broker ${killedNode}, ${producedAtKill} of ${PRODUCTS} written)`);
    t.ok(producedAtKill < PRODUCTS, 'the kill came before the last product was written');
    t.equal(ingestedFirstTry, true, 'the ingest succeeded on its first try');
    t.equal(ingest.failures, 0, 'no ingest had to be repeated');
    t.equal(expected.length, PRODUCTS, `all ${PRODUCTS} products ingested`);
    t.comment(`projected and embedded ${settledSeconds.toFixed(1)} s after the ingest began`);
    t.ok(check, 'the projections were read');
    t.equal(check?.expected, PRODUCTS);
    t.equal(check?.productsLost, 0, 'no product lost');
    t.equal(check?.productsDuplicated, 0, 'no product applied twice');
    t.ok(check?.productsChecksumOk, 'md5 of id:name over the products projection equals the input');
    t.equal(check?.embeddingsLost, 0, 'no embedding lost');
    t.equal(check?.embeddingsDuplicated, 0, 'no embedding duplicated');
    t.ok(check?.embeddingsChecksumOk, 'md5 of the embedded ids equals the input');

    const ids = new Set(expected.map((p) => String(p.id)));
    const seen = new Map<string, number>();
    await readToEnd(kafka, [topics.products.name], (_topic, _partition, message) => {
      const key = message.key?.toString() ?? '';
      if (ids.has(key)) seen.set(key, (seen.get(key) ?? 0) + 1);
    }, 120_000);
    t.equal(seen.size, PRODUCTS, 'every product id is in vitrina.products');
    t.same([...seen.values()].filter((n) => n !== 1), [], 'each exactly once: the idempotent producer wrote no retry twice');

    t.equal((await deadLetterCount(kafka)) - deadBefore, 0, 'no dead letter');
    t.same(procs.map((p) => p.pid()), startPids, 'every processor runs with the PID it started with (none exited, none restarted)');
  });

  await t.test('the killed broker restarts and catches up', async (t) => {
    t.ok(killedNode !== undefined, 'a broker was killed');
    if (killedNode === undefined) return;
    await instance!.restart(NODES[killedNode - 1]!);
    let lagging: string[] = ['(not checked)'];
    for (const deadline = Date.now() + 90_000; Date.now() < deadline && lagging.length > 0; await sleep(1000)) {
      const meta = await admin.fetchTopicMetadata({ topics: [topics.products.name, topics.embeddings.name, topics.deadLetter.name] }).catch(() => undefined);
      lagging = meta ? meta.topics.flatMap((topic) => topic.partitions.filter((p) => p.isr.length < 3).map((p) => `${topic.name}#${p.partitionId}`)) : ['(no metadata)'];
    }
    t.same(lagging, [], `broker ${killedNode} is back in sync on every partition`);
    t.same((await admin.describeCluster()).brokers.map((b) => b.nodeId).sort(), [1, 2, 3], 'three brokers alive');
  });
  completed = true;
} finally {
  // Everything this test started stops here, also when a step above threw; on failure the logs stay
  // in <state>/logs (the next run wipes the folder first).
  await cleanUp();
  if (completed && t.passing()) fs.rmSync(stateDir, { recursive: true, force: true });
}
