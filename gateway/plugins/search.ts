// REST search: GET /search (text) and POST /search/image (a multipart upload, or the key of an
// object in the uploads bucket). Thin handlers: the schemas check the request's shape, the
// service does the rest.
import multipart from '@fastify/multipart';
import type { FastifyPluginAsync, FastifySchema } from 'fastify';
import type { SearchMode } from '../config.ts';
import { badRequest, tooLarge, unsupportedMedia, type GatewayError } from '../errors.ts';
import { pickFilters } from '../filters.ts';
import { requestBase } from '../http.ts';
import { errorResponses, pageFiltersQuerystring, pageSchema, searchQuerystring } from '../schemas.ts';
import type { SearchService } from '../service.ts';

export interface SearchRoutesOptions {
  service: SearchService;
}

export const UPLOAD_FIELD = 'image';

type PageQuery = { k?: number; offset?: number } & Record<string, unknown>;

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
  await app.register(multipart, { limits: { fileSize: options.uploadLimitBytes, files: 1, parts: 10, fieldSize: 1024 } });

  app.get<{ Querystring: PageQuery & { q: string; mode?: SearchMode } }>(
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
      const { q, mode, k, offset } = request.query;
      return service.searchText({ q, mode, k, offset, filters: pickFilters(request.query) }, requestBase(request, options));
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
        const part = await request.file();
        if (!part) throw badRequest(`the multipart body has no file; send the image in the field "${UPLOAD_FIELD}"`);
        if (part.fieldname !== UPLOAD_FIELD) {
          part.file.resume();
          throw badRequest(`the image must be sent in the field "${UPLOAD_FIELD}", not "${part.fieldname}"`);
        }
        const overLimit = (): GatewayError => tooLarge(`the image is larger than the upload limit of ${options.uploadLimitBytes} bytes`);
        let bytes: Buffer;
        try {
          bytes = await part.toBuffer();
        } catch (err) {
          if ((err as { code?: string }).code === 'FST_REQ_FILE_TOO_LARGE') throw overLimit();
          throw err;
        }
        // toBuffer() may miss a truncation flagged after its last chunk; the stream's flag does not.
        if (part.file.truncated) throw overLimit();
        return service.searchImage(bytes, { ...input, filename: part.filename }, base);
      }
      const body = request.body;
      if (body && typeof body === 'object' && typeof body.objectKey === 'string') return service.searchImageObject(body.objectKey, input, base);
      throw unsupportedMedia(`send the image as multipart/form-data in the field "${UPLOAD_FIELD}", or JSON {"objectKey": "<key in the uploads bucket>"}`);
    },
  );
};
