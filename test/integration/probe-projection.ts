// A small projection of the products topic for tests that replay or project it: its own tables
// (one row per product id with the name and how many events were applied to it), so a test can
// replay and swap generations without touching the products projection other tests read. With
// `refuseId`, its table has a CHECK constraint that refuses that one id: a real, permanent database
// error the live projector dead-letters, the way a NUL in a name is refused by PostgreSQL.
import crypto from 'node:crypto';
import { physical } from '../../projections/catalog.ts';
import { ident, type Db } from '../../projections/db.ts';
import { discardProjection, type Projection } from '../../projections/projection.ts';
import type { ProductIngested } from '../../schemas/types.generated.ts';
import type { EventProducer } from '../../streams/producer.ts';
import { topics } from '../../streams/topics.ts';

export function probeProjection(options: { refuseId?: number } = {}): Projection {
  const name = `probe_${crypto.randomBytes(4).toString('hex')}`;
  return {
    name,
    topics: [topics.products.name],
    tables: [name],
    async create(client, generation) {
      const check = options.refuseId === undefined ? '' : `, CONSTRAINT refuses_product_${options.refuseId} CHECK (id <> ${Number(options.refuseId)})`;
      await client.query(`CREATE TABLE ${ident(physical(name, generation))} (id bigint PRIMARY KEY, display_name text NOT NULL, revision int NOT NULL${check})`);
    },
    async apply(client, generation, batch) {
      const latest = new Map<number, { name: string; events: number }>();
      for (const m of batch) {
        const event = m.value as ProductIngested;
        latest.set(event.id, { name: event.productDisplayName ?? '', events: (latest.get(event.id)?.events ?? 0) + 1 });
      }
      const table = ident(physical(name, generation));
      await client.query(
        `INSERT INTO ${table} AS t (id, display_name, revision) SELECT * FROM unnest($1::bigint[], $2::text[], $3::int[])
         ON CONFLICT (id) DO UPDATE SET display_name = EXCLUDED.display_name, revision = t.revision + EXCLUDED.revision`,
        [[...latest.keys()], [...latest.values()].map((v) => v.name), [...latest.values()].map((v) => v.events)],
      );
    },
  };
}

export async function discardProbe(db: Db, projection: Projection): Promise<void> {
  const client = await db.connect();
  try {
    await discardProjection(client, projection);
  } finally {
    client.release();
  }
}

/** Rows and summed revisions of the given ids in the probe's live view. */
export async function probeCounts(db: Db, projection: Projection, ids: number[]): Promise<{ rows: number; revisions: number }> {
  const { rows } = await db.query<{ rows: string; revisions: string | null }>(`SELECT count(*) AS rows, sum(revision) AS revisions FROM ${ident(projection.name)} WHERE id = ANY($1)`, [ids]);
  return { rows: Number(rows[0]!.rows), revisions: Number(rows[0]!.revisions ?? 0) };
}

export function testProduct(id: number, name = `Probe Product ${id}`): ProductIngested {
  return {
    id, gender: 'Unisex', masterCategory: 'Accessories', subCategory: 'Watches', articleType: 'Watches', baseColour: 'Silver', season: 'Winter', year: 2016,
    usage: 'Casual', productDisplayName: name, imageOriginalKey: `original/${id}.jpg`, imageNormalizedKey: `normalized/${id}.jpg`,
    imageSha256: String(id).padStart(64, '0'), imageWidth: 60, imageHeight: 80, datasetSnapshot: 'test', source: 'test', ingestedAt: 1_700_000_000_000 + id,
  };
}

export async function emitProducts(producer: EventProducer, ids: number[]): Promise<void> {
  for (let i = 0; i < ids.length; i += 200) {
    await producer.send(topics.products.name, ids.slice(i, i + 200).map((id) => ({ key: String(id), value: testProduct(id) })));
  }
}
