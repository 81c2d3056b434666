// The schema registry briefly unreachable (a loopback proxy in front of the test stack's registry
// stalls or resets the codec's connections; the registry itself keeps running): decoding fails
// with a transient error, the processor retries it and dead-letters nothing; only real poison
// (no magic byte, a schema id the registry answers 404 for, a body that does not decode) is poison.
import crypto from 'node:crypto';
import t from 'tap';
import { createRuntime } from '../../runtime/runtime.ts';
import { EventCodec } from '../../streams/codec.ts';
import { loadConfig } from '../../platform/config.ts';
import { isTransient, PoisonError } from '../../platform/errors.ts';
import { ProcessorRunner } from '../../streams/processor.ts';
import { readToEnd } from '../../streams/read-to-end.ts';
import { sleep } from '../../platform/sleep.ts';
import { topics } from '../../streams/topics.ts';
import { idBase, startGroupAtEnd, uniqueGroup, waitFor } from './fixtures.ts';
import { emitProducts, testProduct } from './probe-projection.ts';
import { startStallProxy } from './stall-proxy.ts';

const registry = new URL(loadConfig().schemaRegistryUrl);

async function proxiedCodec(t: { teardown: (fn: () => Promise<void> | void) => void }) {
  const proxy = await startStallProxy({ host: registry.hostname, port: Number(registry.port) });
  t.teardown(() => proxy.close());
  return { proxy, codec: new EventCodec(`${proxy.url}${registry.pathname}`, 1000) };
}

t.test('the codec tells a registry outage from poison', async (t) => {
  const rt = createRuntime('test-registry-outage-codec');
  t.teardown(() => rt.close());
  const product = testProduct(idBase());
  const good = await rt.codec.encode(topics.products.name, product);

  const stalled = await proxiedCodec(t);
  stalled.proxy.stall();
  const stallErr = await stalled.codec.decode(topics.products.name, good).catch((err: unknown) => err);
  t.ok(isTransient(stallErr), `a registry that accepts and never answers is transient: ${String(stallErr)}`);
  t.notOk(stallErr instanceof PoisonError);

  const refused = await proxiedCodec(t);
  refused.proxy.refuse();
  const refusedErr = await refused.codec.decode(topics.products.name, good).catch((err: unknown) => err);
  t.ok(isTransient(refusedErr), `a registry that resets connections is transient: ${String(refusedErr)}`);

  stalled.proxy.resume();
  t.equal((await stalled.codec.decode(topics.products.name, good)).id, product.id, 'once it answers, the same bytes decode');

  const unknownId = Buffer.from(good);
  unknownId.writeInt32BE(2_000_000_000, 1);
  await t.rejects(rt.codec.decode(topics.products.name, unknownId), { name: 'PoisonError', message: /schema id 2000000000 is unknown/ }, 'a schema id the registry answers 404 for is poison');
  await t.rejects(rt.codec.decode(topics.products.name, Buffer.from('{"id": 1}')), { name: 'NotAvroError' }, 'no magic byte is poison');
  const cut = good.subarray(0, 12);
  const cutErr = await rt.codec.decode(topics.products.name, cut).catch((err: unknown) => err);
  t.ok(cutErr instanceof PoisonError, `a body that does not decode is poison: ${String(cutErr)}`);
});

t.test('a processor retries while the registry is briefly unreachable and dead-letters nothing', async (t) => {
  const rt = createRuntime('test-registry-outage');
  t.teardown(() => rt.close());
  const { proxy, codec } = await proxiedCodec(t);
  const name = `registry-outage-${crypto.randomBytes(4).toString('hex')}`;
  const group = uniqueGroup('registry-outage');
  await startGroupAtEnd(rt, group, [topics.products.name]);
  const handled = new Set<number>();
  const runner = new ProcessorRunner(
    {
      name,
      groupId: group,
      topics: [topics.products.name],
      decode: (topic, message) => codec.decode(topic as typeof topics.products.name, message.value!),
      handle: async (batch) => {
        for (const m of batch) handled.add(m.value.id);
      },
      retry: { retries: 12, initialMs: 200, maxMs: 2000 },
    },
    rt.kafka,
    rt.producer,
  );
  await runner.start();
  t.teardown(() => runner.stop());

  proxy.stall();
  const id = idBase();
  await emitProducts(rt.producer, [id]);
  await sleep(5000);
  t.notOk(handled.has(id), 'nothing is handled while the registry stalls');
  proxy.resume();
  await waitFor('the event to be handled once the registry answers', async () => handled.has(id), 60_000);
  t.equal(runner.stats.deadLettered, 0, 'nothing was dead-lettered');
  t.ok(runner.stats.retries > 0, `the decode was retried (${runner.stats.retries} retries)`);
  let letters = 0;
  await readToEnd(rt.kafka, [topics.deadLetter.name], async (_t, _p, message) => {
    if ((await rt.codec.decode(topics.deadLetter.name, message.value!)).processor === name) letters += 1;
  });
  t.equal(letters, 0, 'no dead letter on the topic from this processor');
});
