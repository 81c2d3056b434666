// REST catalog routes: a product by id, "more like this" for a product, and facet counts for the
// current filters.
import type { FastifyPluginAsync } from 'fastify';
import { pickFilters } from '../filters.ts';
import { requestBase } from '../http.ts';
import { errorResponses, filtersQuerystring, filtersSchema, pageFiltersQuerystring, pageSchema, productParams, productSchema } from '../schemas.ts';
import type { SearchService } from '../service.ts';

export interface ProductRoutesOptions {
  service: SearchService;
}

export const productRoutes: FastifyPluginAsync<ProductRoutesOptions> = async (app, { service }) => {
  const { options } = service;

  app.get<{ Params: { id: number } }>(
    '/products/:id',
    {
      schema: {
        tags: ['products'],
        summary: 'a product by id',
        operationId: 'getProduct',
        params: productParams,
        response: { 200: productSchema, ...errorResponses(400, 404, 503) },
      },
    },
    async (request) => service.productById(request.params.id, requestBase(request, options)),
  );

  app.get<{ Params: { id: number }; Querystring: { k: number; offset: number } & Record<string, unknown> }>(
    '/products/:id/similar',
    {
      schema: {
        tags: ['products'],
        summary: 'more like this',
        description: 'The products whose image embeddings are nearest to this product’s, the product itself left out.',
        operationId: 'similarProducts',
        params: productParams,
        querystring: pageFiltersQuerystring(options),
        response: { 200: pageSchema, ...errorResponses(400, 404, 503) },
      },
    },
    async (request) => {
      const { k, offset } = request.query;
      return service.similar(request.params.id, { k, offset, filters: pickFilters(request.query) }, requestBase(request, options));
    },
  );

  app.get<{ Querystring: Record<string, unknown> }>(
    '/facets',
    {
      schema: {
        tags: ['products'],
        summary: 'facet counts',
        description: 'For each filter attribute, the number of products per value among the products that match the given filters.',
        operationId: 'facets',
        querystring: filtersQuerystring,
        response: {
          200: {
            type: 'object',
            required: ['filters', 'facets'],
            properties: { filters: filtersSchema, facets: { type: 'object', additionalProperties: true } },
          },
          ...errorResponses(400, 503),
        },
      },
    },
    async (request) => service.facets(pickFilters(request.query)),
  );
};
