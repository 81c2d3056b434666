// buildGateway: the Fastify application, composed of small plugins that each get exactly the
// dependencies they use. The caller owns the dependencies (search core, model-server client, S3
// client) and closes them; tests build the gateway with real ones.
import fs from 'node:fs';
import type { ServerOptions } from 'node:http';
import type { FastifyBaseLogger, FastifyInstance, FastifyPluginAsync, FastifyServerOptions } from 'fastify';
import Fastify from 'fastify';
import type * as Minio from 'minio';
import type { Logger } from '../platform/logger.ts';
import { defaultGatewayOptions, type GatewayOptions } from './config.ts';
import type { Encoder, SearchBackend } from './core.ts';
import { addRequestDeadline } from './deadline.ts';
import { classify } from './errors.ts';
import { checkQueryEncoding, strictInput } from './strict-input.ts';
import { graphqlPlugin, type GraphqlExtension } from './plugins/graphql.ts';
import { healthRoutes } from './plugins/health.ts';
import { imageRoutes } from './plugins/images.ts';
import { registerOpenApi } from './plugins/openapi.ts';
import { productRoutes } from './plugins/products.ts';
import { searchRoutes } from './plugins/search.ts';
import { SearchService } from './service.ts';

export const API_PREFIX = '/api/v1';

export interface GatewayDeps {
  search: SearchBackend;
  encoder: Encoder;
  s3: Minio.Client;
}

/** What every plugin mounted through BuildOptions.plugins receives besides its own options. */
export interface GatewayPluginContext {
  service: SearchService;
  deps: GatewayDeps;
}

/**
 * A plugin mounted next to the built-in ones (the admin API, the web UI), with its own prefix and
 * options; it is also handed the GatewayPluginContext (service, deps) should it need them.
 */
export interface GatewayPlugin {
  // Any plugin: its own options type is its business; it gets `options` plus the context.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  plugin: FastifyPluginAsync<any>;
  prefix?: string;
  options?: Record<string, unknown>;
}

export interface BuildOptions extends Partial<GatewayOptions> {
  /** A pino logger, or false for none (the default, for tests). */
  logger?: Logger | false;
  plugins?: GatewayPlugin[];
  graphqlExtensions?: GraphqlExtension[];
  graphiql?: boolean;
  trustProxy?: boolean;
}

export interface Gateway extends FastifyInstance {
  /** The search service behind the REST routes and the GraphQL resolvers. */
  vitrina: SearchService;
}

interface AjvError {
  keyword: string;
  instancePath: string;
  message?: string;
  params: Record<string, unknown>;
}

/** Validation messages that name the offending parameter ("unknown query parameter colour"). */
function formatSchemaErrors(errors: AjvError[], dataVar: string): Error {
  const where = dataVar === 'querystring' ? 'query parameter' : dataVar === 'params' ? 'path parameter' : `${dataVar} property`;
  const messages = errors.map((e) => {
    if (e.keyword === 'additionalProperties') return `unknown ${where} "${String(e.params.additionalProperty)}"`;
    if (e.keyword === 'required') return `missing ${where} "${String(e.params.missingProperty)}"`;
    const path = e.instancePath.replace(/^\//, '').replace(/\//g, '.');
    return `${path ? `${path}` : dataVar} ${e.message ?? 'is invalid'}`;
  });
  return new Error([...new Set(messages)].join('; '));
}

function packageVersion(): string {
  try {
    return (JSON.parse(fs.readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;
  } catch {
    return '0.0.0';
  }
}

export async function buildGateway(deps: GatewayDeps, build: BuildOptions = {}): Promise<Gateway> {
  const { logger = false, plugins = [], graphqlExtensions = [], graphiql = false, trustProxy = false, ...overrides } = build;
  const options: GatewayOptions = { ...defaultGatewayOptions, ...Object.fromEntries(Object.entries(overrides).filter(([, v]) => v !== undefined)) };
  const fastifyOptions: FastifyServerOptions & { http: ServerOptions } = {
    trustProxy,
    // Bounded connections: see GatewayOptions; Node checks the header and request limits every second.
    http: { headersTimeout: options.headersTimeoutMs, requestTimeout: options.requestTimeoutMs, connectionsCheckingInterval: 1000 },
    requestTimeout: options.requestTimeoutMs,
    keepAliveTimeout: options.keepAliveTimeoutMs,
    connectionTimeout: options.connectionTimeoutMs,
    routerOptions: { maxParamLength: 1100 }, // image keys are path parameters
    ajv: { customOptions: { removeAdditional: false, coerceTypes: 'array', useDefaults: true, allErrors: false } },
    schemaErrorFormatter: (errors, dataVar) => formatSchemaErrors(errors as AjvError[], dataVar),
  };
  const app = (
    logger ? Fastify({ ...fastifyOptions, loggerInstance: logger.child({ component: 'gateway' }) as FastifyBaseLogger }) : Fastify({ ...fastifyOptions, logger: false })
  ) as unknown as Gateway;
  const service = new SearchService(deps, options);
  app.decorate('vitrina', service);

  app.setErrorHandler((err, request, reply) => {
    const { error, statusCode, ...rest } = classify(err);
    let { message } = rest;
    if ((err as { code?: string }).code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') {
      message = `content type "${String(request.headers['content-type']).slice(0, 100)}" is not accepted by ${request.method} ${request.url.split('?')[0]}`;
    }
    if (statusCode >= 500 && statusCode !== 503) request.log.error({ err }, 'request failed');
    else request.log.info({ statusCode, message }, 'request refused');
    if (statusCode === 503) void reply.header('Retry-After', '5');
    return reply.code(statusCode).send({ error, message, statusCode });
  });
  app.setNotFoundHandler((request, reply) =>
    reply.code(404).send({ error: 'Not Found', message: `no route ${request.method} ${request.url.split('?')[0]}`, statusCode: 404 }),
  );

  addRequestDeadline(app, options.requestDeadlineMs);
  app.addHook('onRequest', async (request) => checkQueryEncoding(request.raw.url ?? ''));
  app.addHook('preValidation', strictInput);

  await registerOpenApi(app, packageVersion());
  await app.register(searchRoutes, { prefix: API_PREFIX, service });
  await app.register(productRoutes, { prefix: API_PREFIX, service });
  await app.register(imageRoutes, { prefix: API_PREFIX, s3: deps.s3 });
  await app.register(healthRoutes, { prefix: API_PREFIX, service });
  await app.register(graphqlPlugin, { service, extensions: graphqlExtensions, graphiql });
  for (const { plugin, prefix, options: own = {} } of plugins) await app.register(plugin, { ...own, prefix, service, deps } satisfies GatewayPluginContext & { prefix?: string });
  return app;
}
