// The products read model: one row per product, the latest ProductIngested of each id.
import type { ProductIngested } from '../../schemas/types.generated.ts';
import { topics } from '../../streams/topics.ts';
import { physical } from '../catalog.ts';
import { ident } from '../db.ts';
import type { Projection } from '../projection.ts';

/** Products per INSERT statement (× the column count stays far below 65,535 parameters). */
const UPSERT_CHUNK = 1000;

export const PRODUCT_COLUMNS = [
  'id',
  'gender',
  'master_category',
  'sub_category',
  'article_type',
  'base_colour',
  'season',
  'year',
  'usage',
  'display_name',
  'image_original_key',
  'image_normalized_key',
  'image_sha256',
  'image_width',
  'image_height',
  'dataset_snapshot',
  'source',
  'ingested_at',
  'revision',
] as const;

function row(e: ProductIngested, events: number): unknown[] {
  return [
    e.id,
    e.gender,
    e.masterCategory,
    e.subCategory,
    e.articleType,
    e.baseColour,
    e.season,
    e.year,
    e.usage,
    e.productDisplayName,
    e.imageOriginalKey,
    e.imageNormalizedKey,
    e.imageSha256,
    e.imageWidth,
    e.imageHeight,
    e.datasetSnapshot,
    e.source,
    new Date(e.ingestedAt),
    events,
  ];
}

export const productsProjection: Projection = {
  name: 'products',
  topics: [topics.products.name],
  tables: ['products'],

  async create(client, generation) {
    await client.query(`
      CREATE TABLE IF NOT EXISTS ${ident(physical('products', generation))} (
        id int PRIMARY KEY,
        gender text,
        master_category text,
        sub_category text,
        article_type text,
        base_colour text,
        season text,
        year int,
        usage text,
        display_name text,
        image_original_key text NOT NULL,
        image_normalized_key text NOT NULL,
        image_sha256 text NOT NULL,
        image_width int NOT NULL,
        image_height int NOT NULL,
        dataset_snapshot text NOT NULL,
        source text NOT NULL,
        ingested_at timestamptz NOT NULL,
        revision int NOT NULL
      )`);
  },

  async apply(client, generation, batch) {
    // Within a batch, the last event of an id wins (events of one id share a partition, in order).
    // revision counts the events applied to a product, so applying one twice would show.
    const latest = new Map<number, { event: ProductIngested; events: number }>();
    for (const m of batch) {
      const event = m.value as ProductIngested;
      latest.set(event.id, { event, events: (latest.get(event.id)?.events ?? 0) + 1 });
    }
    const rows = [...latest.values()].map(({ event, events }) => row(event, events));
    const width = PRODUCT_COLUMNS.length;
    const table = ident(physical('products', generation));
    const updates = PRODUCT_COLUMNS.filter((c) => c !== 'id' && c !== 'revision')
      .map((c) => `${c} = EXCLUDED.${c}`)
      .concat(`revision = ${table}.revision + EXCLUDED.revision`)
      .join(', ');
    // One statement per chunk: the protocol counts a statement's parameters in 16 bits, and a
    // replay batch can hold thousands of products (one over 65,535 parameters failed as one statement).
    for (let start = 0; start < rows.length; start += UPSERT_CHUNK) {
      const chunk = rows.slice(start, start + UPSERT_CHUNK);
      const values = chunk.map((_, r) => `(${PRODUCT_COLUMNS.map((__, c) => `$${r * width + c + 1}`).join(', ')})`).join(', ');
      await client.query(
        `INSERT INTO ${table} (${PRODUCT_COLUMNS.join(', ')}) VALUES ${values}
         ON CONFLICT (id) DO UPDATE SET ${updates}`,
        chunk.flat(),
      );
    }
  },

  async finish(client, generation) {
    const table = ident(physical('products', generation));
    await client.query(`CREATE INDEX IF NOT EXISTS ${ident(`products_g${generation}_article_type`)} ON ${table} (article_type)`);
  },
};
