// The products projector on the real stack: killed mid-way and restarted, two instances sharing
// the partitions, and a poison message, each applying every event exactly once.
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import t from 'tap';
import type { ProductIngested } from '../../schemas/types.generated.ts';
import { createRuntime, type Runtime } from '../../runtime/runtime.ts';
import { createProjector } from '../../projections/projector.ts';
import { productsProjection } from '../../projections/products/projection.ts';
import { readToEnd } from '../../streams/read-to-end.ts';
import { topics } from '../../streams/topics.ts';
import { idBase, uniqueGroup, waitFor } from './fixtures.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));

function product(id: number): ProductIngested {
  return {
    id, gender: 'Unisex', masterCategory: 'Accessories', subCategory: 'Watches', articleType: 'Watches', baseColour: 'Silver', season: 'Winter', year: 2016,
    usage: 'Casual', productDisplayName: `Projector Test Watch ${id}`, imageOriginalKey: `original/${id}.jpg`, imageNormalizedKey: `normalized/${id}.jpg`,
    imageSha256: String(id).padStart(64, '0'), imageWidth: 60, imageHeight: 80, datasetSnapshot: 'test', source: 'test', ingestedAt: 1_700_000_000_000 + id,
  };
}

/**
 * n consecutive product ids that no earlier run left in the products table. The test stack keeps its
 * state between runs, and a revision count over ids that an earlier run also emitted would read 2
 * for those rows (a clean-clone run failed that way: one id drawn again, revisions 601 for 600 rows).
 */
async function freshIds(rt: Runtime, n: number): Promise<number[]> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const base = idBase();
    const ids = Array.from({ length: n }, (_, i) => base + i);
    const taken = await rt.db
      .query<{ n: number }>('SELECT count(*)::int AS n FROM products WHERE id = ANY($1)', [ids])
      .then((r) => r.rows[0]!.n)
      .catch((err: { code?: string }) => {
        if (err.code === '42P01') return 0; // no products table yet: a fresh test state
        throw err;
      });
    if (taken === 0) return ids;
  }
  throw new Error(`no range of ${n} unused product ids in 20 draws`);
}

async function emit(rt: Runtime, ids: number[]): Promise<void> {
  for (let i = 0; i < ids.length; i += 200) {
    await rt.producer.send(topics.products.name, ids.slice(i, i + 200).map((id) => ({ key: String(id), value: product(id) })));
  }
}

async function counts(rt: Runtime, ids: number[]): Promise<{ rows: number; revisions: number }> {
  const { rows } = await rt.db.query<{ rows: string; revisions: string | null }>('SELECT count(*) AS rows, sum(revision) AS revisions FROM products WHERE id = ANY($1)', [ids]);
  return { rows: Number(rows[0]!.rows), revisions: Number(rows[0]!.revisions ?? 0) };
}

function startProcess(group: string): ChildProcess {
  return spawn(process.execPath, [path.join(root, 'bin', 'vitrina.js'), 'processor', 'projector.products', '--group', group, '--max-batch', '25'], { cwd: root, env: process.env, stdio: 'ignore' });
}

t.test('a projector killed mid-way and restarted loses no row and applies none twice', async (t) => {
  const rt = createRuntime('test-projector-kill');
  t.teardown(() => rt.close());
  const ids = await freshIds(rt, 1500);
  const group = uniqueGroup('kill');
  await emit(rt, ids);
  const first = startProcess(group);
  await waitFor('the first batches', async () => (await counts(rt, ids)).rows > 0, 90_000);
  first.kill('SIGKILL');
  await new Promise((r) => first.once('exit', r));
  const midway = await counts(rt, ids);
  t.ok(midway.rows < ids.length, `killed mid-way (${midway.rows} of ${ids.length} applied)`);
  const second = startProcess(group);
  t.teardown(() => void second.kill('SIGTERM'));
  await waitFor('every row after the restart', async () => (await counts(rt, ids)).rows === ids.length, 90_000);
  await new Promise((r) => setTimeout(r, 1000));
  t.same(await counts(rt, ids), { rows: ids.length, revisions: ids.length }, 'each event applied exactly once');
});

t.test('two projector instances split the partitions and apply every event once', async (t) => {
  const rt = createRuntime('test-projector-pair');
  t.teardown(() => rt.close());
  const ids = await freshIds(rt, 600);
  const group = uniqueGroup('pair');
  const a = createProjector(productsProjection, rt, { groupId: group, maxBatch: 50 });
  const b = createProjector(productsProjection, rt, { groupId: group, maxBatch: 50 });
  await a.start();
  await b.start();
  t.teardown(async () => {
    await a.stop();
    await b.stop();
  });
  await emit(rt, ids);
  await waitFor('every row', async () => (await counts(rt, ids)).rows === ids.length, 90_000);
  await new Promise((r) => setTimeout(r, 1000));
  t.same(await counts(rt, ids), { rows: ids.length, revisions: ids.length });
  t.ok(a.stats.handled > 0 && b.stats.handled > 0, `both instances worked (${a.stats.handled} and ${b.stats.handled} events)`);
  t.equal(a.stats.handled + b.stats.handled >= ids.length, true);
});

t.test('a poison message goes to the dead-letter topic with its reason and the projector goes on', async (t) => {
  const rt = createRuntime('test-projector-poison');
  t.teardown(() => rt.close());
  const fresh = await freshIds(rt, 2);
  const [before, after] = [fresh[0]!, fresh[1]!];
  const poisonKey = `poison-${before}`;
  await emit(rt, [before]);
  await rt.producer.sendRaw(topics.products.name, [{ key: poisonKey, value: Buffer.from('definitely not avro') }]);
  await emit(rt, [after]);
  const projector = createProjector(productsProjection, rt, { groupId: uniqueGroup('poison') });
  await projector.start();
  t.teardown(() => projector.stop());
  await waitFor('both good events', async () => (await counts(rt, [before, after])).rows === 2, 90_000);
  // The three events sit on different partitions (keys differ), so the good rows being there says
  // nothing about the poison's partition: wait for its dead letter itself.
  type Letter = { key: string | null; errorMessage: string; processor: string; value: string };
  let mine: Letter | undefined;
  await waitFor('the poison message on the dead-letter topic', async () => {
    const letters: Letter[] = [];
    await readToEnd(rt.kafka, [topics.deadLetter.name], async (_t, _p, message) => {
      const letter = await rt.codec.decode(topics.deadLetter.name, message.value!);
      letters.push({ key: letter.key?.toString() ?? null, errorMessage: letter.errorMessage, processor: letter.processor, value: letter.value?.toString() ?? '' });
    });
    mine = letters.find((l) => l.key === poisonKey);
    return mine !== undefined;
  }, 90_000);
  t.ok(mine, 'the poison message is on the dead-letter topic');
  t.equal(mine?.value, 'definitely not avro', 'with its original bytes');
  t.equal(mine?.processor, 'projector.products');
  t.match(mine?.errorMessage, /not a Confluent Avro message/);
  t.ok(projector.stats.deadLettered >= 1, 'counted (earlier poison messages on the shared topic count too)');
});
