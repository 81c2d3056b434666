// The products projection's upsert sends one array per column (unnest): every value must come back
// as it went in, whatever characters it holds, nulls stay null, the last event of an id wins and
// revision counts the events applied to it. Runs on a generation number of its own, dropped after.
import crypto from 'node:crypto';
import t from 'tap';
import { createRuntime } from '../../runtime/runtime.ts';
import { physical } from '../../projections/catalog.ts';
import { ident, inTransaction } from '../../projections/db.ts';
import { productsProjection } from '../../projections/products/projection.ts';
import type { AnyEvent } from '../../projections/projection.ts';
import type { ProductIngested } from '../../schemas/types.generated.ts';
import type { Incoming } from '../../streams/processor.ts';

function product(id: number, name: string | null, overrides: Partial<ProductIngested> = {}): ProductIngested {
  return {
    id,
    gender: 'Women',
    masterCategory: 'Apparel',
    subCategory: 'Topwear',
    articleType: 'Tops',
    baseColour: 'Red',
    season: 'Summer',
    year: 2016,
    usage: 'Casual',
    productDisplayName: name,
    imageOriginalKey: `originals/${id}.jpg`,
    imageNormalizedKey: `normalized/${id}.jpg`,
    imageSha256: crypto.createHash('sha256').update(String(id)).digest('hex'),
    imageWidth: 60,
    imageHeight: 80,
    datasetSnapshot: 'test',
    source: 'test',
    ingestedAt: 1_700_000_000_123,
    ...overrides,
  } as ProductIngested;
}

function incoming(value: ProductIngested, offset: number): Incoming<AnyEvent> {
  return { topic: 'vitrina.products', partition: 0, offset: String(offset), key: String(value.id), timestamp: '0', message: {} as never, value };
}

t.test('the unnest upsert keeps every value, null and repeat', async (t) => {
  const rt = createRuntime('test-products-upsert');
  t.teardown(() => rt.close());
  const generation = 900_000 + crypto.randomInt(90_000);
  const table = ident(physical('products', generation));
  const hostile = ['quote " in it', 'back\\slash \\" both', '{braces}, commas, (parens)', 'NULL', '', 'ünïcødé 👕 “smart” — quotes', "apostrophe's\ttab\nnewline"];
  const events = [
    ...hostile.map((name, i) => product(i + 1, name)),
    product(100, null, { gender: null, year: null, usage: null } as Partial<ProductIngested>),
    product(200, 'first'),
    product(200, 'second, the one that wins', { baseColour: 'Navy' }),
  ];
  await inTransaction(rt.db, async (client) => {
    await productsProjection.create(client, generation);
    await productsProjection.apply(client, generation, events.map((e, i) => incoming(e, i)));
  });
  t.teardown(() => rt.db.query(`DROP TABLE IF EXISTS ${table}`));
  // A second batch with one of the ids again: an update, and revision counts both events.
  await inTransaction(rt.db, (client) => productsProjection.apply(client, generation, [incoming(product(1, 'renamed'), 99)]));

  const { rows } = await rt.db.query<{ id: number; display_name: string | null; gender: string | null; year: number | null; usage: string | null; base_colour: string; revision: number; ingested_at: Date; image_sha256: string }>(
    `SELECT id, display_name, gender, year, usage, base_colour, revision, ingested_at, image_sha256 FROM ${table} ORDER BY id`,
  );
  const byId = new Map(rows.map((r) => [r.id, r]));
  t.equal(rows.length, hostile.length + 2, 'one row per product id');
  for (const [i, name] of hostile.entries()) {
    if (i === 0) continue;
    t.equal(byId.get(i + 1)?.display_name, name, `display name ${JSON.stringify(name)} round-trips`);
  }
  t.equal(byId.get(1)?.display_name, 'renamed', 'a later batch updates the row');
  t.equal(byId.get(1)?.revision, 2, 'and revision counts both events');
  const nulls = byId.get(100)!;
  t.same([nulls.display_name, nulls.gender, nulls.year, nulls.usage], [null, null, null, null], 'nulls stay null');
  t.equal(byId.get(200)?.display_name, 'second, the one that wins', 'the last event of an id in a batch wins');
  t.equal(byId.get(200)?.base_colour, 'Navy');
  t.equal(byId.get(200)?.revision, 2, 'two events of one id in a batch count twice');
  t.equal(byId.get(3)?.ingested_at.getTime(), 1_700_000_000_123, 'timestamps keep their milliseconds');
  t.equal(byId.get(3)?.year, 2016);
  t.equal(byId.get(3)?.image_sha256, events[2]!.imageSha256);
});
