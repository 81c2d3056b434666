// The products read model: one row per product, the latest ProductIngested of each id.
import { PRODUCT_ATTRIBUTES, SQL_TYPES } from '../../schemas/product-attributes.ts';
import type { ProductIngested } from '../../schemas/types.generated.ts';
import { topics } from '../../streams/topics.ts';
import { physical } from '../catalog.ts';
import { ident } from '../db.ts';
import type { Projection } from '../projection.ts';

/** The columns of products in table order: the id, the product attributes (schemas/product-attributes.ts), the image, where it came from, the revision. */
export const PRODUCT_COLUMNS = [
  'id',
  ...PRODUCT_ATTRIBUTES.map((a) => a.column),
  'image_original_key',
  'image_normalized_key',
  'image_sha256',
  'image_width',
  'image_height',
  'dataset_snapshot',
  'source',
  'ingested_at',
  'revision',
];

/** The Postgres type of each column: the upsert sends one array per column, cast to <type>[]. */
const COLUMN_TYPES: Record<string, string> = {
  id: 'int',
  ...Object.fromEntries(PRODUCT_ATTRIBUTES.map((a) => [a.column, SQL_TYPES[a.type]])),
  image_original_key: 'text',
  image_normalized_key: 'text',
  image_sha256: 'text',
  image_width: 'int',
  image_height: 'int',
  dataset_snapshot: 'text',
  source: 'text',
  ingested_at: 'timestamptz',
  revision: 'int',
};

function row(e: ProductIngested, events: number): unknown[] {
  return [
    e.id,
    ...PRODUCT_ATTRIBUTES.map((a) => e[a.field]),
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
        ${PRODUCT_ATTRIBUTES.map((a) => `${a.column} ${SQL_TYPES[a.type]},`).join('\n        ')}
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
    const table = ident(physical('products', generation));
    const updates = PRODUCT_COLUMNS.filter((c) => c !== 'id' && c !== 'revision')
      .map((c) => `${c} = EXCLUDED.${c}`)
      .concat(`revision = ${table}.revision + EXCLUDED.revision`)
      .join(', ');
    // One statement for the whole batch with one array parameter per column (unnest): its text and
    // its 19 parameters do not grow with the batch, where a VALUES list of 19 placeholders per row
    // made Postgres parse and plan a statement of up to 19,000 parameters per 1,000 products.
    const columns = PRODUCT_COLUMNS.map((c, i) => `$${i + 1}::${COLUMN_TYPES[c]}[]`).join(', ');
    await client.query(
      `INSERT INTO ${table} (${PRODUCT_COLUMNS.join(', ')}) SELECT * FROM unnest(${columns})
       ON CONFLICT (id) DO UPDATE SET ${updates}`,
      PRODUCT_COLUMNS.map((_, c) => rows.map((r) => r[c])),
    );
  },

  async finish(client, generation) {
    const table = ident(physical('products', generation));
    await client.query(`CREATE INDEX IF NOT EXISTS ${ident(`products_g${generation}_article_type`)} ON ${table} (article_type)`);
  },
};
