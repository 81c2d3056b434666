// The settings a Kafka cluster stack (`stack up --brokers 3`) gives every client and topic: all
// brokers in the bootstrap list, replication factor 3 with min.insync.replicas 2, each node on its
// own ports; a single-broker stack stays as it was.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import t from 'tap';
import { kafkaNodePorts, loadConfig } from '../../platform/config.ts';
import { stackEnv } from '../../stack/manager.ts';
import { kafkaServices, newKafkaClusterId, recordKafkaNodes } from '../../stack/services/kafka.ts';
import { minInsyncReplicas, topicConfig, topics } from '../../streams/topics.ts';
import { PRODUCER_OPTIONS, SEND_ACKS } from '../../streams/producer.ts';

const freshState = (): string => fs.mkdtempSync(path.join(os.tmpdir(), 'vitrina-cluster-'));

t.test('without a cluster record the stack has one broker, replication factor 1, min.insync 1', async (t) => {
  const config = loadConfig({ VITRINA_STATE_DIR: freshState() });
  t.equal(config.kafkaNodes, 1);
  t.same(config.kafkaBrokers, ['127.0.0.1:19092']);
  t.equal(config.kafkaReplicationFactor, 1);
  t.equal(topicConfig(topics.products, config.kafkaReplicationFactor)['min.insync.replicas'], '1');
  t.same(kafkaServices(config.kafkaNodes).map((s) => s.name), ['kafka']);
});

t.test('a three-broker record: every broker in the bootstrap list, RF 3, min.insync 2, a service per node', async (t) => {
  const stateDir = freshState();
  const config = recordKafkaNodes(loadConfig({ VITRINA_STATE_DIR: stateDir, VITRINA_KAFKA_PORT: '49092', VITRINA_KAFKA_CONTROLLER_PORT: '49093' }), 3);
  t.equal(config.kafkaNodes, 3);
  t.same(config.kafkaBrokers, ['127.0.0.1:49092', '127.0.0.1:49102', '127.0.0.1:49112']);
  t.equal(config.kafkaReplicationFactor, 3);
  t.equal(minInsyncReplicas(3), 2);
  for (const spec of [topics.products, topics.embeddings, topics.deadLetter]) t.equal(topicConfig(spec, 3)['min.insync.replicas'], '2', spec.name);
  t.same(kafkaNodePorts(config.ports, 3), { broker: 49112, controller: 49113 });
  const services = kafkaServices(config.kafkaNodes);
  t.same(services.map((s) => s.name), ['kafka', 'kafka-2', 'kafka-3']);
  t.same(services.flatMap((s) => s.ports({ config } as never)), [49092, 49093, 49102, 49103, 49112, 49113], 'each node on its own ports');
  const reread = loadConfig({ VITRINA_STATE_DIR: stateDir, VITRINA_KAFKA_PORT: '49092', VITRINA_KAFKA_CONTROLLER_PORT: '49093' });
  t.equal(reread.kafkaNodes, 3, 'a later command (status, env, down) reads the record from the state folder');
  t.equal(stackEnv({ config: reread }).KAFKA_BROKERS, '127.0.0.1:49092,127.0.0.1:49102,127.0.0.1:49112', 'stack env prints every broker');
  t.equal(stackEnv({ config: reread }).KAFKA_REPLICATION_FACTOR, '3');
});

t.test('a stack made with one broker is not silently turned into a cluster (or back)', async (t) => {
  const stateDir = freshState();
  fs.mkdirSync(path.join(stateDir, 'kafka', 'data'), { recursive: true });
  fs.writeFileSync(path.join(stateDir, 'kafka', 'data', 'meta.properties'), 'node.id=1\n');
  t.throws(() => recordKafkaNodes(loadConfig({ VITRINA_STATE_DIR: stateDir }), 3), /made with 1 Kafka broker/);
  const cluster = freshState();
  recordKafkaNodes(loadConfig({ VITRINA_STATE_DIR: cluster }), 3);
  t.throws(() => recordKafkaNodes(loadConfig({ VITRINA_STATE_DIR: cluster }), 1), /made with 3 Kafka brokers/);
  t.equal(recordKafkaNodes(loadConfig({ VITRINA_STATE_DIR: cluster }), 3).kafkaNodes, 3, 'the same count again is fine');
});

t.test('every producer is idempotent with acks=all', async (t) => {
  t.equal(PRODUCER_OPTIONS.idempotent, true);
  t.equal(PRODUCER_OPTIONS.maxInFlightRequests, 1);
  t.equal(SEND_ACKS, -1);
});

t.test('the chaos suite has the fault "one Kafka broker" on a cluster only', async (t) => {
  const { ALL_FAULTS, CLUSTER_FAULTS, parseFault } = await import('../../chaos/run.ts');
  t.ok(CLUSTER_FAULTS.includes('kafka-broker:kill') && CLUSTER_FAULTS.includes('kafka-broker:stop'), 'a cluster run kills and freezes one broker');
  t.notOk(CLUSTER_FAULTS.some((f) => f.startsWith('kafka:')), 'instead of the whole of Kafka');
  t.equal(CLUSTER_FAULTS.length, ALL_FAULTS.length);
  t.same(parseFault('kafka-broker:kill', 3), { target: 'kafka-broker', kind: 'kill' });
  t.throws(() => parseFault('kafka-broker:kill', 1), /needs a Kafka cluster: add --brokers 3/);
});

t.test('a new KRaft cluster id never starts with "-" (kafka-storage would read it as an option)', async (t) => {
  // base64url of 16 random bytes starts with '-' one time in 64: a fresh stack failed to format
  // ("argument --cluster-id/-t: expected one argument") about once per 64 first starts.
  const ids = Array.from({ length: 2000 }, () => newKafkaClusterId());
  t.same(ids.filter((id) => id.startsWith('-')), [], 'no id of 2,000 starts with "-"');
  t.ok(ids.every((id) => /^[A-Za-z0-9_-]{22}$/.test(id)), 'each is 22 base64url characters (16 bytes), as kafka-storage expects');
  t.equal(new Set(ids).size, ids.length, 'all different');
});
