import t from 'tap';
import { ATTRIBUTE_COLUMNS } from '../../projections/embeddings/schema.ts';
import { PRODUCT_COLUMNS } from '../../projections/products/projection.ts';
import { loadSchema } from '../../schemas/index.ts';
import { FACET_NAMES, FILTER_NAMES, PRODUCT_ATTRIBUTES, VIEW_ATTRIBUTES, type AttributeField, type ProductAttributes } from '../../schemas/product-attributes.ts';
import type { ProductEmbedded, ProductIngested } from '../../schemas/types.generated.ts';

// Compile-time: the declared attribute types are exactly the events' (tsc fails otherwise).
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const ingestedAgrees: Same<ProductAttributes, Pick<ProductIngested, AttributeField>> = true;
const embeddedAgrees: Same<ProductAttributes, Pick<ProductEmbedded, AttributeField>> = true;

/** The fields of each event that are not product attributes: ids, image keys, vectors, provenance. */
const OTHER_FIELDS: Record<string, string[]> = {
  ProductIngested: ['id', 'imageOriginalKey', 'imageNormalizedKey', 'imageSha256', 'imageWidth', 'imageHeight', 'datasetSnapshot', 'source', 'ingestedAt'],
  ProductEmbedded: ['productId', 'modelVersion', 'dimension', 'imageEmbedding', 'textEmbedding', 'imageSha256', 'imageKey', 'embeddedAt'],
};

interface AvroField {
  name: string;
  type: unknown;
  default?: unknown;
}

t.test('the declaration and the .avsc fields agree', async (t) => {
  t.ok(ingestedAgrees && embeddedAgrees);
  for (const [schema, others] of Object.entries(OTHER_FIELDS)) {
    const fields = (loadSchema(schema).fields ?? []) as AvroField[];
    for (const a of PRODUCT_ATTRIBUTES) {
      const field = fields.find((f) => f.name === a.field);
      t.ok(field, `${schema} has the field ${a.field}`);
      t.same(field?.type, ['null', a.type], `${schema}.${a.field} is an optional ${a.type}`);
      t.equal(field?.default, null, `${schema}.${a.field} defaults to null`);
    }
    const undeclared = fields.map((f) => f.name).filter((name) => !others.includes(name) && !PRODUCT_ATTRIBUTES.some((a) => a.field === name));
    t.same(undeclared, [], `every attribute field of ${schema} is declared`);
  }
  const ingested = ((loadSchema('ProductIngested').fields ?? []) as AvroField[]).map((f) => f.name);
  t.same(ingested.slice(1, 1 + PRODUCT_ATTRIBUTES.length), PRODUCT_ATTRIBUTES.map((a) => a.field), 'declared in the order of ProductIngested');
});

t.test('names, columns and headers are unique and well-formed', async (t) => {
  for (const key of ['field', 'column', 'csv', 'api'] as const) {
    const names = PRODUCT_ATTRIBUTES.map((a) => a[key]);
    t.equal(new Set(names).size, names.length, `${key}s are unique`);
  }
  for (const a of PRODUCT_ATTRIBUTES) {
    t.match(a.column, /^[a-z][a-z0-9_]*$/, `${a.field}: a plain SQL identifier`);
    if (a.facet) t.ok(a.filterable, `${a.field}: a facet is counted over filter values, so it is filterable`);
    if (a.filterable) t.type(a.plural, 'string', `${a.field}: a filter describes its values`);
  }
});

t.test('the lists derived from it keep the order the API and the tables always had', async (t) => {
  t.same(FILTER_NAMES, ['gender', 'masterCategory', 'subCategory', 'articleType', 'baseColour', 'season', 'usage', 'year']);
  t.same(FACET_NAMES, FILTER_NAMES);
  t.same(VIEW_ATTRIBUTES.map((a) => a.api), ['name', 'gender', 'masterCategory', 'subCategory', 'articleType', 'baseColour', 'season', 'usage', 'year']);
  // A replay builds the same tables: the column order of a version table is the one it always had.
  t.same(PRODUCT_COLUMNS, [
    'id', 'gender', 'master_category', 'sub_category', 'article_type', 'base_colour', 'season', 'year', 'usage', 'display_name',
    'image_original_key', 'image_normalized_key', 'image_sha256', 'image_width', 'image_height', 'dataset_snapshot', 'source', 'ingested_at', 'revision',
  ]);
  t.same(ATTRIBUTE_COLUMNS, ['product_id', 'display_name', 'gender', 'master_category', 'sub_category', 'article_type', 'base_colour', 'season', 'usage', 'year', 'image_key', 'image_sha256', 'embedded_at']);
});
