// The product attributes, declared once: each one's field in the events (ProductIngested.avsc and
// ProductEmbedded.avsc, the wire contract, spell them the same; test/unit/product-attributes.test.ts
// checks it), its column in the products and embeddings tables, its header in styles.csv, its name
// in the REST and GraphQL product, its label in the web UI, its type, and whether a search filters
// and counts facets by it. The CSV parser, the projections' columns and upserts, the search filters,
// the gateway's JSON schemas, the GraphQL SDL and the web UI (gateway/ui/attributes.ts serves it
// the list) all take theirs from here.

export type AttributeType = 'string' | 'int';

export interface AttributeSpec {
  /** The event field (camelCase, as in the .avsc). */
  readonly field: string;
  /** The SQL column, in the products table and in every embeddings version table. */
  readonly column: string;
  /** The styles.csv header (and the Hugging Face rows' key). */
  readonly csv: string;
  /** Its name in the REST and GraphQL product. */
  readonly api: string;
  /** What the web UI calls it (filter panel, chips, product page). */
  readonly label: string;
  readonly type: AttributeType;
  /** A search may be narrowed to (or exclude, or boost) some of its values. */
  readonly filterable: boolean;
  /** A search may count its values (facets). */
  readonly facet: boolean;
  /** What "keep products of these ..." says of its values (filters only). */
  readonly plural?: string;
  /** Its description in the REST and GraphQL product, where its name does not say it all. */
  readonly description?: string;
}

/** Every product attribute, in the order of styles.csv and of ProductIngested (after the id). */
export const PRODUCT_ATTRIBUTES = [
  { field: 'gender', column: 'gender', csv: 'gender', api: 'gender', label: 'Gender', type: 'string', filterable: true, facet: true, plural: 'genders' },
  { field: 'masterCategory', column: 'master_category', csv: 'masterCategory', api: 'masterCategory', label: 'Category', type: 'string', filterable: true, facet: true, plural: 'master categories' },
  { field: 'subCategory', column: 'sub_category', csv: 'subCategory', api: 'subCategory', label: 'Sub-category', type: 'string', filterable: true, facet: true, plural: 'sub-categories' },
  { field: 'articleType', column: 'article_type', csv: 'articleType', api: 'articleType', label: 'Article type', type: 'string', filterable: true, facet: true, plural: 'article types' },
  { field: 'baseColour', column: 'base_colour', csv: 'baseColour', api: 'baseColour', label: 'Colour', type: 'string', filterable: true, facet: true, plural: 'base colours' },
  { field: 'season', column: 'season', csv: 'season', api: 'season', label: 'Season', type: 'string', filterable: true, facet: true, plural: 'seasons' },
  { field: 'year', column: 'year', csv: 'year', api: 'year', label: 'Year', type: 'int', filterable: true, facet: true, plural: 'years' },
  { field: 'usage', column: 'usage', csv: 'usage', api: 'usage', label: 'Usage', type: 'string', filterable: true, facet: true, plural: 'usages' },
  { field: 'productDisplayName', column: 'display_name', csv: 'productDisplayName', api: 'name', label: 'Name', type: 'string', filterable: false, facet: false, description: 'the product display name' },
] as const satisfies readonly AttributeSpec[];

export type ProductAttribute = (typeof PRODUCT_ATTRIBUTES)[number];
export type AttributeField = ProductAttribute['field'];

/** The SQL type of an attribute's column. */
export const SQL_TYPES: Record<AttributeType, string> = { string: 'text', int: 'int' };

/** The TypeScript type of an attribute's value. */
export type ValueOf<T extends AttributeType> = T extends 'int' ? number : string;

/** A product's attributes as the events carry them (each may be missing: null). */
export type ProductAttributes = { [A in ProductAttribute as A['field']]: ValueOf<A['type']> | null };

/** The same attributes under their REST and GraphQL names. */
export type ProductAttributesView = { [A in ProductAttribute as A['api']]: ValueOf<A['type']> | null };

export type FilterAttribute = Extract<ProductAttribute, { filterable: true }>;
export type FilterName = FilterAttribute['field'];

/** Search filters: per attribute, the values a product must have one of. */
export type SearchFilters = { [A in FilterAttribute as A['field']]?: Array<ValueOf<A['type']>> };

const byType = (a: AttributeSpec, b: AttributeSpec): number => (a.type === b.type ? 0 : a.type === 'string' ? -1 : 1);

/** The filter attributes in the order filters and facets are listed: the words first, then the numbers (year). */
export const FILTER_ATTRIBUTES: readonly FilterAttribute[] = PRODUCT_ATTRIBUTES.filter((a): a is FilterAttribute => a.filterable).sort(byType);
export const FILTER_NAMES: readonly FilterName[] = FILTER_ATTRIBUTES.map((a) => a.field);
/** The filters whose values are words. */
export const STRING_FILTER_NAMES = FILTER_ATTRIBUTES.filter((a) => a.type === 'string').map((a) => a.field) as ReadonlyArray<Exclude<FilterName, 'year'>>;
/** The attributes a search may count (facets=...), in the order of the filters. */
export const FACET_NAMES: readonly FilterName[] = FILTER_ATTRIBUTES.filter((a) => a.facet).map((a) => a.field);

/** The display name: the attribute a product is shown and searched by. */
export const NAME_ATTRIBUTE = PRODUCT_ATTRIBUTES.find((a) => a.field === 'productDisplayName')!;

/** The attributes in the order a product is shown (REST, GraphQL, the embeddings version tables): its name, then the filters. */
export const VIEW_ATTRIBUTES: readonly ProductAttribute[] = [NAME_ATTRIBUTE, ...FILTER_ATTRIBUTES];

/** An attribute by its event field. */
export function attribute(field: AttributeField): ProductAttribute {
  return PRODUCT_ATTRIBUTES.find((a) => a.field === field)!;
}

/** A row's attributes as the events name them, from its SQL columns. */
export function attributesFromRow(row: Record<string, unknown>): ProductAttributes {
  return Object.fromEntries(PRODUCT_ATTRIBUTES.map((a) => [a.field, row[a.column] ?? null])) as ProductAttributes;
}

/** The attributes of an event (or a row already in event names), in the declaration's order. */
export function pickAttributes(source: ProductAttributes): ProductAttributes {
  return Object.fromEntries(PRODUCT_ATTRIBUTES.map((a) => [a.field, source[a.field]])) as ProductAttributes;
}
