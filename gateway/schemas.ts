// JSON schemas of the REST API: they validate requests, serialise responses and are the source of
// the OpenAPI document (@fastify/swagger reads them from the routes).
import { SEARCH_MODES, type GatewayOptions } from './config.ts';
import { filterProperties } from './filters.ts';
import { VIEW_ATTRIBUTES, type AttributeType } from '../schemas/product-attributes.ts';
import { UNDERSTOOD_ATTRIBUTES } from '../projections/embeddings/understand.ts';

const nullableString = { type: ['string', 'null'] } as const;
const NULLABLE: Record<AttributeType, { type: readonly string[] }> = { string: nullableString, int: { type: ['integer', 'null'] } };

/** The product attributes' properties, in the order a product is shown. */
const attributeProperties = Object.fromEntries(
  VIEW_ATTRIBUTES.map((a) => [a.api, 'description' in a ? { ...NULLABLE[a.type], description: a.description } : NULLABLE[a.type]]),
);

export const productSchema = {
  type: 'object',
  description: 'a product of the catalog, with the URL of its (normalised) image served by the gateway',
  required: ['id', ...VIEW_ATTRIBUTES.map((a) => a.api), 'imageKey', 'imageUrl'],
  properties: {
    id: { type: 'integer' },
    ...attributeProperties,
    imageKey: { ...nullableString, description: 'object key of the image in the images bucket' },
    imageUrl: { ...nullableString, description: 'URL of the image, served by GET /api/v1/images/{key}' },
  },
} as const;

export const filtersSchema = {
  type: 'object',
  description: 'the filters applied (after de-duplication)',
  properties: filterProperties(),
} as const;

const understoodSchema = {
  type: 'object',
  description: 'an attribute read from the query',
  required: ['attribute', 'values', 'text', 'source', 'negated', 'applied', 'certainty', 'removable'],
  properties: {
    attribute: { type: 'string', enum: [...UNDERSTOOD_ATTRIBUTES] },
    values: { type: 'array', items: { type: 'string' }, description: 'the catalog values it stands for, as applied' },
    text: { type: 'string', description: 'the words of the query it was read from' },
    source: { type: 'string', enum: ['vocabulary', 'synonym', 'typo'], description: "a catalog value, a shopper's word from the synonym table, or a one-edit correction" },
    negated: { type: 'boolean' },
    applied: { type: 'string', enum: ['filter', 'exclude', 'boost'] },
    certainty: { type: 'number', description: 'the least certain is relaxed first when nothing is found' },
    removable: { type: 'boolean', description: 'send ignore=<attribute> to search without it' },
  },
} as const;

const imageInfoSchema = {
  type: 'object',
  properties: { format: { type: 'string' }, width: { type: 'integer' }, height: { type: 'integer' }, bytes: { type: 'integer' } },
} as const;

export const pageSchema = {
  type: 'object',
  required: ['query', 'modelVersion', 'k', 'offset', 'nextOffset', 'hits'],
  properties: {
    query: {
      type: 'object',
      description: 'the query as the gateway understood it',
      properties: {
        kind: { type: 'string', enum: ['text', 'image', 'similar'] },
        q: { type: 'string' },
        mode: { type: 'string', enum: [...SEARCH_MODES] },
        source: { type: 'string', enum: ['upload', 'object'] },
        objectKey: { type: 'string' },
        filename: { type: 'string' },
        image: imageInfoSchema,
        productId: { type: 'integer' },
        filters: filtersSchema,
        understood: { type: 'array', items: understoodSchema, description: 'what query understanding read from q and applied (text search, unless understand=false)' },
        searchedText: { type: 'string', description: 'the text that was embedded: q without negated words, typos corrected' },
        relaxed: { type: 'array', items: understoodSchema, description: 'understood items dropped (least certain first) because with them nothing was found' },
        broadened: {
          type: 'object',
          description: 'the understood filters left the first page short: results from `after` on were found with `dropped` left out',
          required: ['after', 'dropped'],
          properties: {
            after: { type: 'integer', description: 'how many results, counted from the first page, match everything understood' },
            dropped: { type: 'array', items: understoodSchema, description: 'understood items left out for the results after those, least certain first' },
          },
        },
      },
    },
    modelVersion: { type: 'string', description: 'the model version whose embeddings answered' },
    k: { type: 'integer' },
    offset: { type: 'integer' },
    nextOffset: { type: ['integer', 'null'], description: 'offset of the next page; null after the last page' },
    hits: {
      type: 'array',
      items: {
        type: 'object',
        required: ['score', 'product'],
        properties: {
          score: { type: 'number', description: 'higher is more similar' },
          product: productSchema,
          variants: {
            type: 'object',
            description: 'with collapse=name: the products of this display name among the top results (count: all of them; products: the first 24, this hit first)',
            required: ['count', 'products'],
            properties: { count: { type: 'integer' }, products: { type: 'array', items: productSchema } },
          },
        },
      },
    },
    facets: {
      type: 'object',
      description: 'with facets=...: per attribute asked, counts per value among the search\'s own top results',
      additionalProperties: { type: 'array', items: { type: 'object', required: ['value', 'count'], properties: { value: { type: 'string' }, count: { type: 'integer' } } } },
    },
    resultsCounted: { type: 'integer', description: 'how many top results the facets counted and collapse=name grouped (at most 1000; hybrid results end at its pool)' },
    resultGroups: { type: 'integer', description: 'with collapse=name: how many display names those top results hold (the hits to page through); the facets then count names, so a count is the number of hits its filter gives' },
  },
} as const;

export const errorSchema = {
  type: 'object',
  required: ['error', 'message', 'statusCode'],
  properties: { error: { type: 'string' }, message: { type: 'string' }, statusCode: { type: 'integer' } },
} as const;

/** Error responses a route may give, for the OpenAPI document and serialisation. */
export function errorResponses(...codes: number[]): Record<number, typeof errorSchema & { description: string }> {
  const descriptions: Record<number, string> = {
    400: 'invalid input',
    404: 'not found',
    413: 'upload too large',
    415: 'not an image, or an unsupported content type',
    503: 'the model server, the database or the object store is unavailable',
  };
  return Object.fromEntries(codes.map((c) => [c, { ...errorSchema, description: descriptions[c] ?? 'error' }]));
}

export function pageQuerystring(options: GatewayOptions): { k: object; offset: object } {
  return {
    k: { type: 'integer', minimum: 1, maximum: options.maxK, default: 10, description: 'how many results' },
    offset: { type: 'integer', minimum: 0, maximum: options.maxOffset, default: 0, description: 'how many results to skip (pagination)' },
  };
}

export function searchQuerystring(options: GatewayOptions): object {
  return {
    type: 'object',
    additionalProperties: false,
    required: ['q'],
    properties: {
      q: { type: 'string', minLength: 1, maxLength: options.maxQueryBytes, description: `the text query (at most ${options.maxQueryBytes} bytes)` },
      mode: {
        type: 'string',
        enum: [...SEARCH_MODES],
        description: `vector: query embedding against image embeddings; name: against product-name embeddings; hybrid: reciprocal rank fusion of both with keyword match. Default: ${options.defaultMode}`,
      },
      understand: { type: 'boolean', description: `default ${options.understandQueries}: read attribute words from q (gender, colour, article type, category, usage, season; negations; one-edit typos) and apply them as filters, exclusions or boosts` },
      facets: {
        type: 'array',
        items: { type: 'string', minLength: 1, maxLength: 200 },
        maxItems: 8,
        description: 'attributes to count over the top 1000 results of this search (repeat the parameter or separate by commas: facets=articleType,baseColour)',
      },
      collapse: { type: 'string', enum: ['name'], description: 'name: one hit per display name, with its variants' },
      ignore: { type: 'array', items: { type: 'string', enum: [...UNDERSTOOD_ATTRIBUTES] }, maxItems: UNDERSTOOD_ATTRIBUTES.length, description: 'attributes not to read from q (repeat the parameter)' },
      ...pageQuerystring(options),
      ...filterProperties(),
    },
  };
}

export function pageFiltersQuerystring(options: GatewayOptions): object {
  return { type: 'object', additionalProperties: false, properties: { ...pageQuerystring(options), ...filterProperties() } };
}

export const filtersQuerystring = { type: 'object', additionalProperties: false, properties: filterProperties() } as const;

export const productParams = {
  type: 'object',
  required: ['id'],
  properties: { id: { type: 'integer', minimum: 1, maximum: 2_147_483_647, description: 'product id' } },
} as const;
