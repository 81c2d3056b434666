// JSON schemas of the REST API: they validate requests, serialise responses and are the source of
// the OpenAPI document (@fastify/swagger reads them from the routes).
import { SEARCH_MODES, type GatewayOptions } from './config.ts';
import { filterProperties } from './filters.ts';

const nullableString = { type: ['string', 'null'] } as const;

export const productSchema = {
  type: 'object',
  description: 'a product of the catalog, with the URL of its (normalised) image served by the gateway',
  required: ['id', 'name', 'gender', 'masterCategory', 'subCategory', 'articleType', 'baseColour', 'season', 'usage', 'year', 'imageKey', 'imageUrl'],
  properties: {
    id: { type: 'integer' },
    name: { ...nullableString, description: 'the product display name' },
    gender: nullableString,
    masterCategory: nullableString,
    subCategory: nullableString,
    articleType: nullableString,
    baseColour: nullableString,
    season: nullableString,
    usage: nullableString,
    year: { type: ['integer', 'null'] },
    imageKey: { ...nullableString, description: 'object key of the image in the images bucket' },
    imageUrl: { ...nullableString, description: 'URL of the image, served by GET /api/v1/images/{key}' },
  },
} as const;

export const filtersSchema = {
  type: 'object',
  description: 'the filters applied (after de-duplication)',
  properties: filterProperties(),
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
        properties: { score: { type: 'number', description: 'higher is more similar' }, product: productSchema },
      },
    },
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
