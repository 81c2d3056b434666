// `vitrina serve model`: the gRPC model server in the foreground until SIGTERM/Ctrl-C. It serves
// the champion model version (the latest ModelPromoted event, or the default on a fresh system)
// and hot-swaps when a new version is promoted.
import type { Command } from 'commander';
import { registerFirstChampion } from '../mlops/first-champion.ts';
import { startModelServer, type ModelServer, type ModelServerOptions } from '../models/server.ts';
import { EventCodec } from '../streams/codec.ts';
import { loadConfig } from '../platform/config.ts';
import { createKafka } from '../streams/kafka.ts';
import { logger } from '../platform/logger.ts';
import { EventProducer } from '../streams/producer.ts';
import { stopOnSignals } from '../streams/shutdown.ts';

interface ServeModelFlags {
  address?: string;
  model?: string;
  defaultModel?: string;
  follow: boolean;
  maxBatch?: number;
  maxWaitMs?: number;
  maxImageBytes?: number;
  maxTextChars?: number;
  loadedVersions?: number;
  threads?: number;
}

function count(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new Error(`expected a non-negative integer, got "${value}"`);
  return n;
}

/**
 * The model server as `serve model` and `serve all` start it: following the promotions of
 * $VITRINA_MODEL_NAME (or "vitrina"), and on a fresh system registering the default it serves as
 * the first champion (mlops/first-champion.ts), so the registry names the version that answers.
 * A server pinned to one version (`model`) or not following promotions registers nothing; a
 * registration that fails (Kafka down) is logged and the server keeps serving.
 */
export async function startServingModel(options: ModelServerOptions = {}): Promise<ModelServer> {
  const config = options.config ?? loadConfig();
  const modelName = options.modelName ?? config.settings.VITRINA_MODEL_NAME;
  const server = await startModelServer({ ...options, modelName, config });
  const champion = server.champion();
  if (options.model !== undefined || options.followPromotions === false || !champion) return server;
  const kafka = options.kafka ?? createKafka('vitrina-model-server', config.kafkaBrokers);
  const producer = new EventProducer(kafka, options.codec ?? new EventCodec(config.schemaRegistryUrl));
  try {
    const event = await registerFirstChampion({ kafka, producer }, { modelName, version: champion });
    if (event) logger.info({ modelName, version: champion }, 'no champion on the promotions log: the served default registered as the first');
  } catch (err) {
    logger.warn({ modelName, version: champion, err: String(err) }, 'the served default could not be registered as the first champion');
  } finally {
    await producer.disconnect().catch(() => undefined);
  }
  return server;
}

/** The `serve` command group, shared with other servers' registrations. */
export function serveCommand(program: Command): Command {
  return program.commands.find((c) => c.name() === 'serve') ?? program.command('serve').description('long-running servers');
}

export function registerServeModel(program: Command): void {
  serveCommand(program)
    .command('model')
    .description('the gRPC model server (vitrina.encoder.v1.Encoder): the champion model version, hot-swapped on promotion')
    .option('--address <host:port>', 'where to listen (default: MODEL_SERVER_ADDRESS or 127.0.0.1:50051)')
    .option('--model <version|dir>', 'serve only this version (a name, or a model directory; a CLIP ONNX export from a URL needs a model.json with its sha256s); promotions are not followed')
    .option('--default-model <version>', 'the champion before any promotion (default: VITRINA_DEFAULT_MODEL, else the base model bundled in models/base when available, else tiny)')
    .option('--no-follow', 'do not read vitrina.model-promotions (serve the default model)')
    .option('--max-batch <n>', 'items per request and per ONNX run (VITRINA_MODEL_MAX_BATCH, 64)', count)
    .option('--max-wait-ms <n>', 'how long a request waits to be batched with others (VITRINA_MODEL_MAX_WAIT_MS, 0: batch what arrives together or during a run)', count)
    .option('--max-image-bytes <n>', 'largest image accepted (VITRINA_MAX_IMAGE_BYTES, 10 MiB)', count)
    .option('--max-text-chars <n>', 'longest text accepted (VITRINA_MAX_TEXT_CHARS, 2048)', count)
    .option('--loaded-versions <n>', 'model versions kept in memory, champion included (VITRINA_MODEL_VERSIONS_LOADED, 3)', count)
    .option('--threads <n>', 'onnxruntime threads per session (VITRINA_MODEL_THREADS, CPUs up to 4)', count)
    .action(async (flags: ServeModelFlags) => {
      const options: ModelServerOptions = {
        address: flags.address,
        model: flags.model,
        defaultModel: flags.defaultModel,
        followPromotions: flags.follow ? undefined : false,
        maxBatch: flags.maxBatch,
        maxWaitMs: flags.maxWaitMs,
        maxImageBytes: flags.maxImageBytes,
        maxTextChars: flags.maxTextChars,
        loadedVersions: flags.loadedVersions,
        threads: flags.threads,
      };
      const server = await startServingModel(options);
      stopOnSignals(server);
      process.stdout.write(`model server listening on ${server.address}, serving ${server.champion()}\n`);
    });
}
