// A Kafka broker frozen (SIGSTOP) under the project's one producer: on a three-broker KRaft cluster
// of its own (`stack up --brokers 3`'s layout), the broker leading most vitrina.products partitions
// is frozen, by its PID, until its partitions have new leaders, then continued. Meanwhile three
// senders keep sending batches that span every partition, and a fourth producer that knew the old
// leaders and sent nothing during the freeze (what the embedder was in the chaos run: idle while the
// ingest waited) sends one batch after the broker continued. Every send that resolved must have
// written each of its messages, and no message may be written twice.
//
// This is the chaos run's `kafka-broker:stop` defect (one of 180 products never embedded): a send
// over partitions of several brokers whose request to the frozen leader failed was retried by
// kafkajs only towards brokers that had not answered yet, so the messages of a partition whose new
// leader had already answered were never sent and the send resolved (streams/producer.ts).
//
// Its own instance: three Kafka nodes on ports 46xxx in <cache>/broker-freeze-test-state.
import fs from 'node:fs';
import path from 'node:path';
import t from 'tap';
import { startInstance, type ServiceName, type StackInstance } from '../../chaos/instance.ts';
import { busiestBroker } from '../../chaos/measure.ts';
import { defaultCacheDir, type StackPorts } from '../../platform/config.ts';
import { sleep } from '../../platform/sleep.ts';
import { withTimeout } from '../../platform/timeout.ts';
import { portIsFree } from '../../stack/process.ts';
import { createKafka } from '../../streams/kafka.ts';
import { EventProducer } from '../../streams/producer.ts';
import { readToEnd } from '../../streams/read-to-end.ts';
import { topics } from '../../streams/topics.ts';

t.setTimeout(600_000);

const PORTS: StackPorts = { kafka: 46092, kafkaController: 46093, registry: 46081, minio: 46000, minioConsole: 46001, postgres: 46432 };
const NODES: ServiceName[] = ['kafka', 'kafka-2', 'kafka-3'];
const TOPIC = topics.products.name; // 6 partitions, 3 replicas, min.insync.replicas 2
const SENDERS = 3;
const KEYS_PER_BATCH = 12;
const MAX_BATCHES_PER_SENDER = 40;
const stateDir = path.join(defaultCacheDir(), 'broker-freeze-test-state');
const run = `freeze-${Date.now().toString(36)}`;

const cleanups: Array<() => Promise<unknown>> = [];
async function cleanUp(): Promise<void> {
  for (const cleanup of cleanups.reverse()) await cleanup().catch((err: Error) => t.comment(`cleanup: ${err.message}`));
  cleanups.length = 0;
}

for (const port of [PORTS.kafka, PORTS.kafka + 10, PORTS.kafka + 20]) {
  if (!(await portIsFree(port))) throw new Error(`port ${port} of the broker-freeze test's instance is in use: is another run of this test going on?`);
}
fs.rmSync(stateDir, { recursive: true, force: true });

const batch = (prefix: string): Array<{ key: string; value: string }> =>
  Array.from({ length: KEYS_PER_BATCH }, (_, i) => ({ key: `${prefix}-${i}`, value: `${prefix}-${i}` }));

let completed = false;
try {
  const began = Date.now();
  let instance: StackInstance | undefined;
  cleanups.push(async () => instance?.stop());
  instance = await startInstance({ stateDir, ports: PORTS, services: NODES, kafkaNodes: 3 });
  t.comment(`instance up in ${((Date.now() - began) / 1000).toFixed(1)} s`);
  const brokers = instance.config.kafkaBrokers;

  const kafka = createKafka('vitrina-freeze-test', brokers);
  const producer = new EventProducer(kafka);
  const idle = new EventProducer(createKafka('vitrina-freeze-test-idle', brokers));
  cleanups.push(() => producer.disconnect(), () => idle.disconnect());
  // Both learn every partition's leader before the freeze.
  await producer.sendRaw(TOPIC, batch(`${run}-warm-a`));
  await idle.sendRaw(TOPIC, batch(`${run}-warm-b`));

  const frozenNode = await busiestBroker(kafka);
  const ledBefore = (await leadersOf(kafka)).filter((p) => p.leader === frozenNode).map((p) => p.partitionId);
  const frozenService = NODES[frozenNode - 1]!;
  instance.freeze(frozenService);
  cleanups.push(async () => instance?.thaw(frozenService));
  const frozeAt = Date.now();

  const acked = new Set<string>();
  const attempted = new Set<string>();
  let failedSends = 0;
  let sending = true;
  const senders = Array.from({ length: SENDERS }, async (_, s) => {
    for (let b = 0; sending && b < MAX_BATCHES_PER_SENDER; b += 1) {
      const messages = batch(`${run}-s${s}-b${b}`);
      for (const m of messages) attempted.add(m.key);
      try {
        await producer.sendRaw(TOPIC, messages);
        for (const m of messages) acked.add(m.key);
      } catch {
        failedSends += 1;
      }
      await sleep(1000);
    }
  });

  // The frozen broker's partitions move to the other two (its session with the controllers expires).
  const survivors = createKafka('vitrina-freeze-test-survivors', brokers.filter((_, i) => i !== frozenNode - 1));
  let moved = false;
  for (const deadline = Date.now() + 90_000; !moved && Date.now() < deadline; await sleep(1000)) {
    const leaders = await leadersOf(survivors).catch(() => undefined);
    moved = leaders !== undefined && leaders.every((p) => p.leader !== frozenNode && p.leader >= 0);
  }
  await sleep(Math.max(0, 15_000 - (Date.now() - frozeAt)));
  const frozenSeconds = (Date.now() - frozeAt) / 1000;
  instance.thaw(frozenService);

  // The idle producer still has the old leaders: its first send after the freeze meets the
  // continued broker, which answers that it no longer leads its partitions.
  const idleMessages = batch(`${run}-idle`);
  const idleSent = await idle.sendRaw(TOPIC, idleMessages).then(() => true, (err: Error) => (t.comment(`idle send failed: ${err.message}`), false));
  await sleep(5000);
  sending = false;
  const sendersDone = await withTimeout(Promise.all(senders), 240_000, 'the senders').then(() => true, () => false);

  // Where each key was written: a message the reader is handed again (its group rebalanced) is the
  // same partition and offset, a message written twice is at two offsets.
  const written = new Map<string, Set<string>>();
  await readToEnd(kafka, [TOPIC], (_topic, partition, message) => {
    const key = message.key?.toString() ?? '';
    if (key.startsWith(run)) written.set(key, (written.get(key) ?? new Set()).add(`${partition}:${message.offset}`));
  }, 120_000);
  const seen = new Map([...written].map(([key, at]) => [key, at.size]));

  await t.test('one broker frozen: every acknowledged message written, none twice', async (t) => {
    t.ok(ledBefore.length > 0, `broker ${frozenNode} led partitions ${ledBefore.join(', ')} of ${TOPIC} when it was frozen`);
    t.ok(moved, `its partitions had new leaders before it continued (frozen ${frozenSeconds.toFixed(1)} s)`);
    t.comment(`${acked.size} of ${attempted.size} messages of the senders acknowledged, ${failedSends} sends failed`);
    t.ok(sendersDone, 'every send of the senders ended within 240 s');
    t.ok(acked.size > 0, 'the senders had sends acknowledged');
    t.equal(idleSent, true, 'the idle producer\'s send after the freeze resolved');
    const idleMissing = idleMessages.map((m) => m.key).filter((key) => seen.get(key) !== 1);
    t.same(idleMissing, [], 'each message of the idle producer\'s send is in the topic once');
    const missing = [...acked].filter((key) => !seen.has(key));
    t.same(missing, [], 'every message of an acknowledged send is in the topic');
    const twice = [...seen.entries()].filter(([, n]) => n > 1).map(([key]) => key);
    t.same(twice, [], 'no message written twice (idempotent producer)');
    t.same([...seen.keys()].filter((key) => !attempted.has(key) && !key.includes('-warm-') && !key.includes('-idle-')), [], 'nothing written that was not sent');
  });
  completed = true;
} finally {
  // Everything this test started stops here, also when a step above threw; on failure the logs stay
  // in the state folder (the next run wipes it first).
  await cleanUp();
  if (completed && t.passing()) fs.rmSync(stateDir, { recursive: true, force: true });
}

async function leadersOf(kafka: ReturnType<typeof createKafka>): Promise<Array<{ partitionId: number; leader: number }>> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const [meta] = (await admin.fetchTopicMetadata({ topics: [TOPIC] })).topics;
    return meta!.partitions.map((p) => ({ partitionId: p.partitionId, leader: p.leader }));
  } finally {
    await admin.disconnect();
  }
}
