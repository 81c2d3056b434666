// `vitrina serve all`: the whole system in one process — the model server, every processor and
// projector, and the gateway with the web UI — against the configured Kafka, registry, S3 and
// Postgres. startAll() is what `vitrina start` runs after bringing the stack up.
import type { Command } from 'commander';
import type { ModelServer } from '../models/server.ts';
import { loadConfig, type VitrinaConfig } from '../platform/config.ts';
import { stopOnSignals } from '../streams/shutdown.ts';
import { processors } from './processors.ts';
import { createRuntime } from '../runtime/runtime.ts';
import { serveCommand, startServingModel } from './serve-model.ts';
import { startGateway } from './serve-gateway.ts';
import { fullGateway, SERVED } from './full-gateway.ts';

export { SERVED };

export interface RunningSystem {
  url: string;
  modelServer: ModelServer | undefined;
  stop(): Promise<void>;
}

/** Starts everything with `config` (default: the environment, read here once) handed down to each part. */
export async function startAll(options: { modelServer?: boolean; log?: (line: string) => void; config?: VitrinaConfig } = {}): Promise<RunningSystem> {
  const say = options.log ?? (() => undefined);
  const config = options.config ?? loadConfig();
  const modelServer = options.modelServer === false ? undefined : await startServingModel({ address: config.modelServerAddress, config });
  if (modelServer) say(`model server on ${modelServer.address}, serving ${modelServer.champion()}`);
  const runtime = createRuntime('vitrina-serve', config);
  const names = [...SERVED.map((p) => p.processor), ...Object.keys(processors).filter((n) => !SERVED.some((p) => p.processor === n))];
  const running: Array<{ stop: () => Promise<void> }> = [];
  for (const name of names) {
    const processor = processors[name]!(runtime, {});
    await processor.start();
    running.push(processor);
  }
  say(`processors: ${names.join(', ')}`);
  const gateway = await startGateway({
    config,
    host: config.settings.VITRINA_GATEWAY_HOST,
    gateway: fullGateway(runtime),
  });
  say(`gateway and web UI on ${gateway.url}/`);
  return {
    url: gateway.url,
    modelServer,
    stop: async () => {
      await gateway.close();
      for (const p of running.reverse()) await p.stop();
      await runtime.close();
      await modelServer?.stop();
    },
  };
}

export function registerServeAll(program: Command): void {
  serveCommand(program)
    .command('all', { isDefault: true })
    .description('the model server, every processor and the gateway with the web UI, in one process')
    .option('--no-model-server', 'use the model server at MODEL_SERVER_ADDRESS instead of starting one')
    .action(async (opts: { modelServer: boolean }) => {
      const system = await startAll({ modelServer: opts.modelServer, log: (l) => void process.stdout.write(`${l}\n`) });
      stopOnSignals(system);
      process.stdout.write(`Vitrina is serving on ${system.url}/ (Ctrl-C stops it)\n`);
    });
}
