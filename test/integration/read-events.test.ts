// The one fold of a topic (streams/read-to-end.ts readEvents / foldLatest) that every reader uses:
// ingest's known products, the embedder's catalog and champion, training-run's catalog, the model
// server's and the CLI's promotion history. Poison on the topic (here a schema id the registry does
// not know) is skipped and counted, as the live projector dead-letters it; a registry that cannot be
// reached fails the read instead of folding an incomplete log.
import t from 'tap';
import { createRuntime } from '../../runtime/runtime.ts';
import { LocalDataset } from '../../processors/ingest/dataset.ts';
import { ingest } from '../../processors/ingest/ingest.ts';
import { EventCodec } from '../../streams/codec.ts';
import { isTransient } from '../../platform/errors.ts';
import { foldLatest, readEvents } from '../../streams/read-to-end.ts';
import { topics } from '../../streams/topics.ts';
import { freePort } from '../../bench/services.ts';
import { idBase, makeDataset } from './fixtures.ts';
import { emitProducts } from './probe-projection.ts';

t.test('poison on the products topic is skipped and counted by every fold, and ingest goes on', async (t) => {
  const rt = createRuntime('test-read-events');
  t.teardown(() => rt.close());
  const id = idBase();
  await emitProducts(rt.producer, [id]);
  const good = await rt.codec.encode(topics.products.name, (await foldLatest(rt.kafka, rt.codec, topics.products.name, (e) => e.id)).get(id)!.event);
  const unknownSchema = Buffer.from(good);
  unknownSchema.writeInt32BE(2_000_000_001, 1);
  const producer = rt.kafka.producer();
  await producer.connect();
  await producer.send({ topic: topics.products.name, messages: [{ key: String(id + 1), value: unknownSchema }] });
  await producer.disconnect();

  const read = await readEvents(rt.kafka, rt.codec, topics.products.name, () => undefined);
  t.ok(read.poison >= 1, `the unknown schema id is counted as poison (${read.poison})`);
  t.ok(read.events >= 1);
  const latest = await foldLatest(rt.kafka, rt.codec, topics.products.name, (e) => e.id);
  t.equal(latest.get(id)?.event.id, id, 'the good product is folded');
  t.notOk(latest.has(id + 1), 'the poison is not');

  // Ingest folds the same topic to recognise unchanged rows; it threw on this poison before.
  const fixture = await makeDataset(2);
  const report = await ingest(new LocalDataset(fixture.dir), rt, { concurrency: 2 });
  t.equal(report.emitted, fixture.goodIds.length, `ingest emits its good rows although the topic holds poison: ${JSON.stringify(report.rejected)}`);
});

t.test('a registry that cannot be reached fails the fold instead of skipping', async (t) => {
  const rt = createRuntime('test-read-events-outage');
  t.teardown(() => rt.close());
  const unreachable = new EventCodec(`http://127.0.0.1:${await freePort()}`, 500);
  const err = await readEvents(rt.kafka, unreachable, topics.products.name, () => undefined, { retry: { retries: 1, initialMs: 10, maxMs: 20 } }).catch((e: unknown) => e);
  t.ok(isTransient(err), `the read fails with the transient cause: ${String(err)}`);
});
