// Replay rebuilds the products projection from offset 0 into a new generation; twice gives the
// same table, equal to the live one it replaced.
import t from 'tap';
import { createRuntime } from '../../runtime/runtime.ts';
import { ensureCatalog, liveGeneration } from '../../projections/catalog.ts';
import { createProjector } from '../../projections/projector.ts';
import { productsProjection } from '../../projections/products/projection.ts';
import { checksum, replay } from '../../projections/replay.ts';
import { totalLag } from '../../streams/lag.ts';
import { topics } from '../../streams/topics.ts';
import { idBase, uniqueGroup, waitFor } from './fixtures.ts';

t.test('replaying twice yields identical tables and swaps generations atomically', async (t) => {
  const rt = createRuntime('test-replay');
  t.teardown(() => rt.close());
  const base = idBase();
  const ids = Array.from({ length: 50 }, (_, i) => base + i);
  await rt.producer.send(topics.products.name, ids.map((id) => ({
    key: String(id),
    value: { id, gender: 'Men', masterCategory: 'Apparel', subCategory: 'Topwear', articleType: 'Shirts', baseColour: 'Blue', season: 'Fall', year: 2012, usage: 'Casual', productDisplayName: `Replay ${id}`, imageOriginalKey: 'o', imageNormalizedKey: 'n', imageSha256: 's', imageWidth: 60, imageHeight: 80, datasetSnapshot: 'test', source: 'test', ingestedAt: 1_700_000_000_000 },
  })));
  const projector = createProjector(productsProjection, rt, { groupId: uniqueGroup('replay') });
  await projector.start();
  await waitFor('the live projection', async () => {
    const { rows } = await rt.db.query<{ n: string }>('SELECT count(*) AS n FROM products WHERE id = ANY($1)', [ids]);
    return Number(rows[0]!.n) === ids.length;
  });
  await waitFor('the projector to reach the end of the topic', async () => totalLag(await projector.lag()) === 0);
  await projector.stop();

  const client = await rt.db.connect();
  t.teardown(() => client.release());
  await ensureCatalog(client);
  const liveBefore = await checksum(client, productsProjection);
  const generationBefore = await liveGeneration(client, 'products');

  const first = await replay(productsProjection, rt);
  const afterFirst = await checksum(client, productsProjection);
  const second = await replay(productsProjection, rt);
  const afterSecond = await checksum(client, productsProjection);

  t.ok(first.generation > (generationBefore ?? 0), 'the first replay built a new generation');
  t.equal(second.generation, first.generation + 1);
  t.equal(await liveGeneration(client, 'products'), second.generation, 'the newest generation is live');
  t.ok(afterFirst.products!.rows >= ids.length);
  t.same(afterSecond, afterFirst, 'replaying twice gives the same table');
  t.same(afterFirst, liveBefore, 'and the same table the live projector built');
  const old = await client.query(`SELECT to_regclass($1) AS t`, [`products_g${first.generation}`]);
  t.equal(old.rows[0].t, null, 'the replaced generation is dropped');
});
