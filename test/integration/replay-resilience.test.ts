// Replay under the faults a live system has: a poison event the live projector dead-letters, the
// schema registry unreachable, and producers that never stop writing. Each test replays a probe
// projection of the products topic (test/integration/probe-projection.ts), never the products
// projection other tests read.
import t from 'tap';
import { createRuntime } from '../../runtime/runtime.ts';
import { ensureCatalog, liveGeneration } from '../../projections/catalog.ts';
import { createProjector } from '../../projections/projector.ts';
import { replay } from '../../projections/replay.ts';
import { EventCodec } from '../../streams/codec.ts';
import { loadConfig } from '../../platform/config.ts';
import { readToEnd } from '../../streams/read-to-end.ts';
import { sleep } from '../../platform/sleep.ts';
import { topics } from '../../streams/topics.ts';
import { idBase, uniqueGroup, waitFor } from './fixtures.ts';
import { discardProbe, emitProducts, probeCounts, probeProjection, testProduct } from './probe-projection.ts';
import { startStallProxy } from './stall-proxy.ts';

async function live(db: import('../../projections/db.ts').Db, projection: string): Promise<number | undefined> {
  const client = await db.connect();
  try {
    await ensureCatalog(client);
    return await liveGeneration(client, projection);
  } finally {
    client.release();
  }
}

t.test('replay skips and counts the poison the live projector dead-letters, and goes live', async (t) => {
  const rt = createRuntime('test-replay-poison');
  t.teardown(() => rt.close());
  const base = idBase();
  const ids = Array.from({ length: 20 }, (_, i) => base + i);
  const poisonId = base + 7;
  const projection = probeProjection({ refuseId: poisonId });
  t.teardown(() => discardProbe(rt.db, projection));
  await emitProducts(rt.producer, ids);

  const projector = createProjector(projection, rt, { groupId: uniqueGroup('replay-poison') });
  await projector.start();
  t.teardown(() => projector.stop());
  const letter = await waitFor('the live projector to dead-letter the poison', async () => {
    let found: { errorMessage: string } | undefined;
    await readToEnd(rt.kafka, [topics.deadLetter.name], async (_t, _p, message) => {
      const d = await rt.codec.decode(topics.deadLetter.name, message.value!);
      if (d.processor === `projector.${projection.name}` && d.key?.toString() === String(poisonId)) found = d;
    });
    return found;
  }, 90_000);
  t.match(letter.errorMessage, new RegExp(`refuses_product_${poisonId}`), 'the live projector dead-letters it with the reason');
  await waitFor('the good rows', async () => (await probeCounts(rt.db, projection, ids)).rows === ids.length - 1);
  await projector.stop();

  const result = await replay(projection, rt);
  const poison = result.poisoned.find((p) => p.key === String(poisonId));
  t.ok(poison, 'the replay reports the poison event');
  t.match(poison!.reason, new RegExp(`refuses_product_${poisonId}`), 'with the same reason');
  t.ok(result.skipped >= 1, 'and counts it as skipped');
  t.equal(await live(rt.db, projection.name), result.generation, 'the replayed generation is live');
  t.same(await probeCounts(rt.db, projection, ids), { rows: ids.length - 1, revisions: ids.length - 1 }, 'with every good row, once');
});

t.test('replay fails rather than skip events while the schema registry is unreachable', async (t) => {
  const rt = createRuntime('test-replay-registry');
  t.teardown(() => rt.close());
  const projection = probeProjection();
  t.teardown(() => discardProbe(rt.db, projection));
  await emitProducts(rt.producer, [idBase()]);
  const registry = new URL(loadConfig().schemaRegistryUrl);
  const proxy = await startStallProxy({ host: registry.hostname, port: Number(registry.port) });
  t.teardown(() => proxy.close());
  proxy.refuse();
  const codec = new EventCodec(`${proxy.url}${registry.pathname}`, 1000);
  const began = Date.now();
  await t.rejects(
    replay(projection, { db: rt.db, kafka: rt.kafka, codec, retry: { retries: 2, initialMs: 100, maxMs: 400 }, timeoutMs: 60_000 }),
    /schema registry/,
    'the replay fails, naming the registry',
  );
  t.ok(Date.now() - began < 60_000, 'within its retries, not its timeout');
  t.equal(await live(rt.db, projection.name), undefined, 'no incomplete generation went live');
});

t.test('replay catches up and goes live while a producer keeps writing', async (t) => {
  const rt = createRuntime('test-replay-writes');
  t.teardown(() => rt.close());
  const projection = probeProjection();
  t.teardown(() => discardProbe(rt.db, projection));
  const projector = createProjector(projection, rt, { groupId: uniqueGroup('replay-writes') });
  await projector.start();
  t.teardown(() => projector.stop());

  // Four writers, each putting five products on the topic every few ms, for as long as the replay
  // runs: at most 60,000 products or 90 s. The topic's end moves all the time, as in production.
  const base = idBase();
  const produced: number[] = [];
  let writing = true;
  let next = 0;
  const until = Date.now() + 90_000;
  const writeSteadily = async (): Promise<void> => {
    while (writing && Date.now() < until && next < 60_000) {
      const ids = Array.from({ length: 5 }, () => base + next++);
      await rt.producer.send(topics.products.name, ids.map((id) => ({ key: String(id), value: testProduct(id) })));
      produced.push(...ids);
      await sleep(2);
    }
  };
  const writer = Promise.all([writeSteadily(), writeSteadily(), writeSteadily(), writeSteadily()]);
  t.teardown(async () => {
    writing = false;
    await writer;
  });
  await waitFor('the live projector to apply the first writes', async () => produced.length > 20 && (await probeCounts(rt.db, projection, produced.slice(0, 10))).rows === 10, 60_000);

  let result;
  try {
    result = await replay(projection, { ...rt, timeoutMs: 45_000 });
  } finally {
    await sleep(1000); // a few writes after the switch, applied by the live projector to the new generation
    writing = false;
    await writer;
  }
  t.ok(produced.length > 1000, `the producer kept writing during the replay (${produced.length} products)`);
  t.equal(await live(rt.db, projection.name), result.generation, 'the replayed generation went live');
  await waitFor('every written product in the live generation', async () => (await probeCounts(rt.db, projection, produced)).rows === produced.length, 60_000);
  t.same(await probeCounts(rt.db, projection, produced), { rows: produced.length, revisions: produced.length }, 'each applied exactly once across the switch');
});
