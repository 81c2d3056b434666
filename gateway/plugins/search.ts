// REST search: GET /search (text) and POST /search/image (a multipart upload, or the key of an
// object in the uploads bucket). Thin handlers: the schemas check the request's shape, the
// service does the rest.
import multipart from '@fastify/multipart';
import type { FastifyPluginAsync, FastifySchema } from 'fastify';
import type { SearchMode } from '../config.ts';
import { unsupportedMedia } from '../errors.ts';
import { pickFilters } from '../filters.ts';
import { requestBase } from '../http.ts';
import { errorResponses, pageFiltersQuerystring, pageSchema, searchQuerystring } from '../schemas.ts';
import type { SearchService } from '../service.ts';
import { readUpload, UPLOAD_FIELD, UPLOAD_FILES_LIMIT } from '../upload.ts';

export interface SearchRoutesOptions {
  service: SearchService;
}

export { UPLOAD_FIELD };

// k and offset: checked, and defaulted, by the route's schema (pageQuerystring); the service does not check them again.
type PageQuery = { k: number; offset: number } & Record<string, unknown>;

/** Documents the multipart form of the image route (validation of that form is done by the handler). */
function withMultipart(schema: FastifySchema): FastifySchema {
  const body = schema.body as { content: Record<string, unknown> };
  return {
    ...schema,
    body: {
      content: {
        'multipart/form-data': {
          schema: {
            type: 'object',
            required: [UPLOAD_FIELD],
            properties: { [UPLOAD_FIELD]: { type: 'string', format: 'binary', description: 'the query image (JPEG, PNG, WebP, GIF, AVIF or TIFF)' } },
          },
        },
        ...body.content,
      },
    },
  };
}

export const searchRoutes: FastifyPluginAsync<SearchRoutesOptions> = async (app, { service }) => {
  const { options } = service;
  await app.register(multipart, { limits: { fileSize: options.uploadLimitBytes, files: UPLOAD_FILES_LIMIT, parts: 10, fieldSize: 1024 } });

  app.get<{ Querystring: PageQuery & { q: string; mode?: SearchMode; understand?: boolean; ignore?: string[]; facets?: string[]; collapse?: 'name' } }>(
    '/search',
    {
      schema: {
        tags: ['search'],
        summary: 'text search',
        description: 'Finds the products that best match a text query; filters are repeated query parameters (articleType=Shirts&articleType=Tshirts&gender=Men).',
        operationId: 'searchText',
        querystring: searchQuerystring(options),
        response: { 200: pageSchema, ...errorResponses(400, 503) },
      },
    },
    async (request) => {
      const { q, mode, k, offset, understand, ignore, facets, collapse } = request.query;
      return service.searchText({ q, mode, k, offset, understand, ignore, facets, collapse, filters: pickFilters(request.query) }, requestBase(request, options));
    },
  );

  const imageSchema: FastifySchema = {
    tags: ['search'],
    summary: 'image search',
    description: `Finds the products whose images look most like the query image: send it as multipart/form-data in the field "${UPLOAD_FIELD}" (at most ${options.uploadLimitBytes} bytes), or send JSON {"objectKey": ...} naming an object in the uploads bucket. k, offset and filters are query parameters.`,
    operationId: 'searchImage',
    querystring: pageFiltersQuerystring(options),
    body: {
      content: {
        'application/json': {
          schema: {
            type: 'object',
            additionalProperties: false,
            required: ['objectKey'],
            properties: { objectKey: { type: 'string', minLength: 1, maxLength: 1024, description: 'key of an object in the uploads bucket' } },
          },
        },
      },
    },
    response: { 200: pageSchema, ...errorResponses(400, 404, 413, 415, 503) },
  };

  app.post<{ Querystring: PageQuery; Body: { objectKey: string } | string | undefined }>(
    '/search/image',
    { schema: imageSchema, config: { swaggerTransform: ({ schema, url }) => ({ schema: withMultipart(schema), url }) } },
    async (request) => {
      const { k, offset } = request.query;
      const input = { k, offset, filters: pickFilters(request.query) };
      const base = requestBase(request, options);
      if (request.isMultipart()) {
        const { bytes, filename } = await readUpload(request, options.uploadLimitBytes);
        return service.searchImage(bytes, { ...input, filename }, base);
      }
      const body = request.body;
      if (body && typeof body === 'object' && typeof body.objectKey === 'string') return service.searchImageObject(body.objectKey, input, base);
      throw unsupportedMedia(`send the image as multipart/form-data in the field "${UPLOAD_FIELD}", or JSON {"objectKey": "<key in the uploads bucket>"}`);
    },
  );
};
