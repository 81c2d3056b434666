// `vitrina serve gateway`: the search API (REST, GraphQL, OpenAPI, images) on 127.0.0.1:<gatewayPort>,
// over the live model version of the embeddings projection, encoding queries with the model server.
// startGateway() is the search part, for other commands (an all-in-one `serve`) and tests; the
// command adds the web UI, pipeline and models parts (full-gateway.ts), as `serve all` does, so the
// gateway of the production layout (one process per part) serves everything users see.
import type { AddressInfo } from 'node:net';
import type { Command } from 'commander';
import { buildGateway, type BuildOptions, type Gateway } from '../gateway/app.ts';
import { gatewayOptionsFrom } from '../gateway/config.ts';
import { GATEWAY_DB_TIMEOUTS } from '../gateway/deadline.ts';
import { createPool } from '../projections/db.ts';
import { SearchCore } from '../projections/embeddings/search.ts';
import { createEncoderClient } from '../proto/client.ts';
import { loadConfig, type VitrinaConfig } from '../platform/config.ts';
import { logger } from '../platform/logger.ts';
import { createS3 } from '../platform/s3.ts';
import { createRuntime } from '../runtime/runtime.ts';
import { stopOnSignals } from '../streams/shutdown.ts';
import { fullGateway } from './full-gateway.ts';
import { serveCommand } from './serve-model.ts';

export interface StartGatewayOptions {
  host?: string;
  /** Default: the configuration's gatewayPort (VITRINA_GATEWAY_PORT, 8080); 0 picks a free port. */
  port?: number;
  /** host:port of the model server; default the configuration's (MODEL_SERVER_ADDRESS). */
  modelServerAddress?: string;
  config?: VitrinaConfig;
  /** Namespace of the embeddings projection searched; default the projection's own (tests use one of their own). */
  searchNamespace?: string;
  /** Overrides of the gateway options taken from the configuration's settings. */
  gateway?: BuildOptions;
}

export interface RunningGateway {
  url: string;
  app: Gateway;
  close(): Promise<void>;
}

export async function startGateway(options: StartGatewayOptions = {}): Promise<RunningGateway> {
  const config = options.config ?? loadConfig();
  const host = options.host ?? '127.0.0.1';
  const db = createPool(config.databaseUrl, 16, GATEWAY_DB_TIMEOUTS);
  const encoder = createEncoderClient(options.modelServerAddress ?? config.modelServerAddress, 10_000);
  // The gateway caches the catalog's filter values itself (and reads them again when a request
  // names a value it has not seen); the core reads them anew each time it is asked.
  const search = new SearchCore(db, { namespace: options.searchNamespace, efSearch: config.settings.VITRINA_HNSW_EF_SEARCH });
  const app = await buildGateway({ search, encoder, s3: createS3(config) }, { ...gatewayOptionsFrom(config.settings), logger, ...options.gateway });
  app.addHook('onClose', async () => {
    encoder.close();
    await db.end();
  });
  try {
    await app.listen({ host, port: options.port ?? config.gatewayPort });
  } catch (err) {
    await app.close();
    const code = (err as { code?: string }).code;
    if (code === 'EADDRINUSE') throw new Error(`port ${options.port ?? config.gatewayPort} on ${host} is already in use; stop what holds it or pick another with --port (or VITRINA_GATEWAY_PORT)`);
    throw err;
  }
  const { port } = app.server.address() as AddressInfo;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  return { url, app, close: () => app.close() };
}

export function registerServeGateway(program: Command): void {
  serveCommand(program)
    .command('gateway')
    .description('serve the gateway alone (REST /api/v1, GraphQL /graphql, OpenAPI /api/openapi.json, the web UI) on 127.0.0.1:<gatewayPort>')
    .option('--port <n>', 'port (default VITRINA_GATEWAY_PORT or 8080; 0 picks a free one)', (v) => Number(v))
    .option('--host <host>', 'interface to listen on', '127.0.0.1')
    .option('--model-server <address>', 'host:port of the model server (default MODEL_SERVER_ADDRESS or 127.0.0.1:50051)')
    .action(async (opts: { port?: number; host: string; modelServer?: string }) => {
      if (opts.port !== undefined && (!Number.isInteger(opts.port) || opts.port < 0 || opts.port > 65535)) throw new Error(`--port must be a port number, got "${opts.port}"`);
      const runtime = createRuntime('vitrina-gateway');
      const gateway = await startGateway({ host: opts.host, port: opts.port, modelServerAddress: opts.modelServer, config: runtime.config, gateway: fullGateway(runtime) }).catch(async (err: unknown) => {
        await runtime.close();
        throw err;
      });
      stopOnSignals({
        stop: async () => {
          await gateway.close();
          await runtime.close();
        },
      });
      process.stdout.write(`gateway listening on ${gateway.url}\n`);
      process.stdout.write(`  REST ${gateway.url}/api/v1/search?q=...  GraphQL ${gateway.url}/graphql  OpenAPI ${gateway.url}/api/openapi.json\n`);
    });
}
