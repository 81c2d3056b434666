// GraphQL at /graphql (Mercurius): a thin resolver layer over the same SearchService the REST
// routes use, with errors carrying the same status and message REST would give (extensions.code,
// extensions.statusCode). A request passes three gates before anything runs, each a 400 that says
// what is wrong: its envelope (graphql/request.ts), the size and shape of its document
// (graphql/shape.ts, before the specification's validation rules, some of which are quadratic),
// and validation with the depth and cost limits (graphql/limits.ts).
import type { FastifyPluginAsync } from 'fastify';
import { GraphQLError, type FormattedExecutionResult } from 'graphql';
import mercurius, { type IResolvers, type MercuriusContext } from 'mercurius';
import type { SearchMode } from '../config.ts';
import type { SearchFilters } from '../core.ts';
import { classify } from '../errors.ts';
import { limitsRule } from '../graphql/limits.ts';
import { checkGraphqlRequest, HOW_TO_SEND } from '../graphql/request.ts';
import { typeDefs } from '../graphql/schema.ts';
import { parseBounded, QueryRefused, SHAPE_LIMITS, shapeErrors } from '../graphql/shape.ts';
import { requestBase } from '../http.ts';
import type { PageInput, ProductDto, SearchService } from '../service.ts';

export const GRAPHQL_PATH = '/graphql';

/** More schema and resolvers another plugin (admin, model registry) adds to the one GraphQL endpoint. */
export interface GraphqlExtension {
  typeDefs: string;
  resolvers: IResolvers;
}

export interface GraphqlOptions {
  service: SearchService;
  extensions?: GraphqlExtension[];
  /** Serve the GraphiQL IDE at /graphiql. */
  graphiql?: boolean;
}

interface Context extends MercuriusContext {
  base: string;
}

/** The scheme and host of the request, for image URLs (set by the context function below). */
const baseOf = (ctx: MercuriusContext): string => (ctx as Context).base;

type Filters = { [K in keyof SearchFilters]?: SearchFilters[K] | null } | null | undefined;
interface PageArgs {
  k?: number | null;
  offset?: number | null;
  filters?: Filters;
}

const opt = <T>(value: T | null | undefined): T | undefined => (value === null ? undefined : value);

function filters(input: Filters): SearchFilters {
  const out: SearchFilters = {};
  if (!input) return out;
  for (const [name, values] of Object.entries(input)) if (values) (out as Record<string, unknown>)[name] = values;
  return out;
}


/** The core's facets as a list of {attribute, values: [{value, count}]}. */
function facetList(facets: unknown): Array<{ attribute: string; values: Array<{ value: string; count: number }> }> {
  if (!facets || typeof facets !== 'object') return [];
  return Object.entries(facets as Record<string, unknown>).map(([attribute, values]) => ({
    attribute,
    values: Array.isArray(values) ? values.map((v: { value: unknown; count: unknown }) => ({ value: String(v.value), count: Number(v.count) })) : [],
  }));
}

type Failure = Error & { errors?: unknown; statusCode?: unknown };

/** A request error (syntax, validation, variables) with a code and its status in extensions, as resolver errors have. */
function requestError(error: Error, statusCode: number): GraphQLError {
  const e = error instanceof GraphQLError ? error : new GraphQLError(error.message, { originalError: error });
  const code = e.extensions.code ?? (e.message.startsWith('Syntax Error') ? 'GRAPHQL_PARSE_FAILED' : 'GRAPHQL_VALIDATION_FAILED');
  return new GraphQLError(e.message, { nodes: e.nodes, source: e.source, positions: e.positions, path: e.path, originalError: e.originalError, extensions: { ...e.extensions, code, statusCode } });
}

/**
 * GraphQL errors with the status and message REST would give: resolver errors are classified like
 * REST errors (extensions.code and extensions.statusCode; internal details hidden), request errors
 * (syntax, validation, limits, variables) are 400. The HTTP status is 200 when there is data (a
 * partial result), else the first error's status.
 */
export function formatErrors(execution: { data?: unknown; errors?: readonly GraphQLError[]; statusCode?: number }, logInternal: (err: Error) => void): { statusCode: number; response: FormattedExecutionResult } {
  let status: number | undefined;
  const errors: GraphQLError[] = [];
  for (const error of execution.errors ?? []) {
    const original = error.originalError as Failure | undefined;
    if (original && Array.isArray(original.errors)) {
      // Mercurius wraps the errors of parsing and validation (the limits included) in one.
      const statusCode = typeof original.statusCode === 'number' ? original.statusCode : 400;
      status ??= statusCode;
      for (const inner of original.errors as Error[]) errors.push(requestError(inner, statusCode));
      continue;
    }
    if (!original || original instanceof GraphQLError) {
      status ??= 400; // a request error GraphQL itself found (e.g. a variable of the wrong type)
      errors.push(execution.data ? error : requestError(error, 400));
      continue;
    }
    const classified = classify(original);
    const { statusCode, code } = classified;
    // Only the body parser answers 415 here: say what the endpoint reads.
    const message = statusCode === 415 ? `${classified.message}: ${HOW_TO_SEND}` : classified.message;
    if (statusCode >= 500 && statusCode !== 503) logInternal(original);
    status ??= statusCode;
    errors.push(
      new GraphQLError(message, {
        nodes: error.nodes,
        source: error.source,
        positions: error.positions,
        path: error.path,
        extensions: { ...error.extensions, code, statusCode },
      }),
    );
  }
  const statusCode = execution.data ? 200 : (execution.statusCode ?? status ?? 200);
  return { statusCode, response: { data: (execution.data ?? null) as FormattedExecutionResult['data'], errors: errors.map((e) => e.toJSON()) } };
}

export const graphqlPlugin: FastifyPluginAsync<GraphqlOptions> = async (app, { service, extensions = [], graphiql = false }) => {
  const { options } = service;
  // GraphQL's Int arguments carry no limits: the service checks the page once (REST's schemas do it there).
  const page = (args: PageArgs): PageInput => ({ ...service.page({ k: opt(args.k), offset: opt(args.offset) }), filters: filters(args.filters) });
  const resolvers: IResolvers = {
    Query: {
      search: (_root, args: PageArgs & { q: string; mode?: SearchMode | null; understand?: boolean | null; ignore?: string[] | null; facets?: string[] | null; collapse?: string | null }, ctx: MercuriusContext) =>
        service.searchText({ q: args.q, mode: opt(args.mode), understand: opt(args.understand), ignore: opt(args.ignore), facets: opt(args.facets), collapse: opt(args.collapse) as 'name' | undefined, ...page(args) }, baseOf(ctx)),
      searchByImageKey: (_root, args: PageArgs & { objectKey: string }, ctx: MercuriusContext) => service.searchImageObject(args.objectKey, page(args), baseOf(ctx)),
      product: async (_root, args: { id: number }, ctx: MercuriusContext) => {
        try {
          return await service.productById(args.id, baseOf(ctx));
        } catch (err) {
          if (classify(err).statusCode === 404) return null;
          throw err;
        }
      },
      facets: async (_root, args: { filters?: Filters }) => facetList((await service.facets(filters(args.filters))).facets),
    },
    Product: {
      similar: (product: ProductDto, args: PageArgs, ctx: MercuriusContext) => service.similar(product.id, page(args), baseOf(ctx)),
    },
    SearchPage: {
      facets: (page: { facets?: unknown }) => (page.facets ? facetList(page.facets) : null),
    },
  };

  app.addHook('preValidation', async (request) => {
    if (request.routeOptions.url === GRAPHQL_PATH) await checkGraphqlRequest(request);
  });

  await app.register(mercurius, {
    schema: typeDefs,
    resolvers,
    path: GRAPHQL_PATH,
    graphiql,
    cache: false, // the cost rule reads the request's variables, which a cached validation would not see
    validationRules: ({ variables }) => [limitsRule({ maxDepth: options.graphqlMaxDepth, maxCost: options.graphqlMaxCost }, variables ?? {})],
    context: (request): Pick<Context, 'base'> => ({ base: requestBase(request, options) }),
    errorFormatter: (execution, ctx) => formatErrors(execution, (err) => ctx.reply?.log.error({ err }, 'graphql resolver failed')),
    graphql: { parseOptions: { maxTokens: SHAPE_LIMITS.maxTokens } },
  });
  app.graphql.addHook('preParsing', async (_schema, source) => {
    const errors = shapeErrors(parseBounded(source));
    if (errors.length > 0) throw new QueryRefused(errors);
  });

  for (const extension of extensions) {
    app.graphql.extendSchema(extension.typeDefs);
    app.graphql.defineResolvers(extension.resolvers);
  }
};
