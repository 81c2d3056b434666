// The model server: vitrina.encoder.v1.Encoder over gRPC (@grpc/grpc-js), serving the champion
// model version and, on request, other versions by name.
//
// startModelServer(options) starts one in-process and resolves once the champion is loaded and
// the port is bound, with { address, stop(), promote(version), champion(), stats(), limits }.
// Options (all optional; the environment variable read when the option is left out, then the default):
//   address          host:port to bind — MODEL_SERVER_ADDRESS, 127.0.0.1:50051; port 0 picks a free one
//   model            serve this version and ignore promotions: a version name ("tiny", "base-v2") or
//                    a model directory (a URL is refused: downloads need the sha256s a model.json gives)
//   defaultModel     the champion while no ModelPromoted event exists — VITRINA_DEFAULT_MODEL, else
//                    the version models/base bundles (model.json) when available, else "tiny"
//   followPromotions read vitrina.model-promotions to its end at start and hot-swap on each new
//                    ModelPromoted (default: true unless `model` is given); needs Kafka and the registry
//   modelName        the ModelPromoted.modelName followed — "vitrina"
//   promotionRetry   backoff for a promoted version that failed to load, retried until it loads or a
//                    newer promotion replaces it — { initialMs: 1000, maxMs: 30000 }
//   maxBatch         items per request and per ONNX run — VITRINA_MODEL_MAX_BATCH, 64
//   maxWaitMs        how long a request waits for others to batch with — VITRINA_MODEL_MAX_WAIT_MS, 0
//                    (0: no timer; requests read in the same event-loop turn, or arriving while a
//                    batch runs, still share the next batch)
//   maxImageBytes    per image — VITRINA_MAX_IMAGE_BYTES, 10 MiB
//   maxTextChars     per text — VITRINA_MAX_TEXT_CHARS, 2048
//   loadedVersions   versions kept in memory, champion included (LRU) — VITRINA_MODEL_VERSIONS_LOADED, 3
//   threads          onnxruntime intra-op threads per session — VITRINA_MODEL_THREADS, CPUs (≤ 4)
//   cacheDir         model cache root — VITRINA_CACHE_DIR (see platform/config.ts)
//   tinyModels       generate the tiny test models ("tiny", "tiny-<n>") when asked for by name —
//                    VITRINA_TINY_MODELS=1 (`vitrina test` sets it), else off: only versions the
//                    cache, MinIO or the repository hold (or `model`/`defaultModel` names) are served
//   s3               MinIO client for versions not in the cache; null for none (MinIO unreachable is
//                    logged and treated as not having the version) — a client from the configuration
//   kafka, codec     clients for following promotions — built from the configuration
//   logger           pino logger — the shared one
// Bad input (no items, too many, empty or too long text, an image too big or not an image, a
// message that does not parse) is answered with INVALID_ARGUMENT and a message; an unknown
// model_version with NOT_FOUND; a known version that cannot be loaded with UNAVAILABLE. No answer
// names a path of the server (the details are logged).
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import type { Kafka } from 'kafkajs';
import type * as Minio from 'minio';
import { encoderProto, vectorToBytes } from '../proto/client.ts';
import type { EncoderHandlers } from '../proto/generated/vitrina/encoder/v1/Encoder.ts';
import type { ModelInfo } from '../proto/generated/vitrina/encoder/v1/ModelInfo.ts';
import { EventCodec } from '../streams/codec.ts';
import { loadConfig, type VitrinaConfig } from '../platform/config.ts';
import { processSettings, type Settings } from '../platform/env-table.ts';
import { createKafka } from '../streams/kafka.ts';
import { logger as sharedLogger, type Logger } from '../platform/logger.ts';
import { createS3 } from '../platform/s3.ts';
import type { BatchStats } from './batcher.ts';
import { InvalidInputError, ModelLoadError, ModelNotFoundError, redactPaths } from './errors.ts';
import { LoadedVersions, NoChampionError, type Lease } from './loaded-versions.ts';
import { loadVersionDir } from './load-version.ts';
import type { LoadedModel } from './model.ts';
import { followPromotions, RetryingPromotion, type PromotionFollower, type RetryBackoff } from './promotions.ts';
import { checkImages, checkTexts, prepareAll, type RequestLimits } from './request-limits.ts';
import { ModelStore } from './store.ts';

export interface ModelServerOptions {
  address?: string;
  model?: string;
  defaultModel?: string;
  followPromotions?: boolean;
  modelName?: string;
  promotionRetry?: RetryBackoff;
  maxBatch?: number;
  maxWaitMs?: number;
  maxImageBytes?: number;
  maxTextChars?: number;
  loadedVersions?: number;
  threads?: number;
  cacheDir?: string;
  tinyModels?: boolean;
  s3?: Minio.Client | null;
  kafka?: Kafka;
  codec?: EventCodec;
  logger?: Logger;
  /**
   * The configuration its entry point read once (`serve model`, `serve all`); its settings give
   * every limit not set above. Default: loadConfig(), read here.
   */
  config?: VitrinaConfig;
  /** Only for resolveLimits on its own: the settings the limits come from (default the process's). */
  settings?: Settings;
}

export interface ModelServerStats {
  texts: BatchStats;
  images: BatchStats;
  loadedVersions: string[];
}

export interface ModelServer {
  address: string;
  limits: RequestLimits;
  /** Loads a version and makes it the champion (what a ModelPromoted event does). */
  promote(version: string): Promise<void>;
  champion(): string | undefined;
  /** A promoted version that has not loaded yet and is being retried. */
  pendingPromotion(): string | undefined;
  stats(): ModelServerStats;
  stop(): Promise<void>;
}

export function resolveLimits(options: ModelServerOptions = {}, settings: Settings = options.settings ?? processSettings()): RequestLimits & { maxWaitMs: number } {
  return {
    maxBatch: options.maxBatch ?? settings.VITRINA_MODEL_MAX_BATCH,
    maxWaitMs: options.maxWaitMs ?? settings.VITRINA_MODEL_MAX_WAIT_MS,
    maxImageBytes: options.maxImageBytes ?? settings.VITRINA_MAX_IMAGE_BYTES,
    maxTextChars: options.maxTextChars ?? settings.VITRINA_MAX_TEXT_CHARS,
  };
}

function statusOf(err: unknown): grpc.status {
  if (err instanceof InvalidInputError) return grpc.status.INVALID_ARGUMENT;
  if (err instanceof ModelNotFoundError) return grpc.status.NOT_FOUND;
  if (err instanceof NoChampionError || err instanceof ModelLoadError) return grpc.status.UNAVAILABLE;
  return grpc.status.INTERNAL;
}

/** A request message that does not parse: answered INVALID_ARGUMENT by the handler, not INTERNAL by grpc-js. */
interface Malformed {
  malformed: string;
}

function isMalformed(request: unknown): request is Malformed {
  return typeof request === 'object' && request !== null && typeof (request as Partial<Malformed>).malformed === 'string';
}

/** The Encoder service with request decoders that report a bad message instead of throwing. */
function tolerantService(): grpc.ServiceDefinition {
  const service = encoderProto().vitrina.encoder.v1.Encoder.service;
  return Object.fromEntries(
    Object.entries(service).map(([name, method]) => [
      name,
      {
        ...method,
        requestDeserialize: (bytes: Buffer): unknown => {
          try {
            return method.requestDeserialize(bytes);
          } catch (err) {
            return { malformed: `malformed request message (${bytes.length} bytes): ${(err as Error).message}` } satisfies Malformed;
          }
        },
      },
    ]),
  ) as grpc.ServiceDefinition;
}

/**
 * Model specs given by configuration may be a directory as well as a version name (a URL is refused); this
 * maps them to version names the store does not know, with the directory to open for each.
 */
class ConfiguredModels {
  readonly dirs = new Map<string, string>();

  versionOf(spec: string): string {
    if (/^https?:\/\//.test(spec)) {
      // Downloads need each file's sha256 (sources/download.ts), which a bare URL cannot give.
      throw new Error(`a model from a URL needs its checksums: write a directory with a model.json { "source": "clip-onnx", "url": "${spec}", "sha256": { "<file>": "<hex>", ... } } and pass that directory`);
    }
    if (spec.includes('/') || spec.startsWith('.')) {
      const dir = path.resolve(spec);
      if (!fs.existsSync(dir)) throw new Error(`model directory ${dir} does not exist`);
      const version = path.basename(dir);
      this.dirs.set(version, dir);
      return version;
    }
    return spec;
  }
}

export async function startModelServer(options: ModelServerOptions = {}): Promise<ModelServer> {
  const config = options.config ?? loadConfig();
  const settings = config.settings;
  const log = options.logger ?? sharedLogger.child({ component: 'model-server' });
  const limits = resolveLimits(options, settings);
  const follow = options.followPromotions ?? options.model === undefined;
  const cacheDir = options.cacheDir ?? config.cacheDir;
  const s3 = options.s3 !== undefined ? options.s3 : createS3(config);
  const store = new ModelStore({ cacheDir, s3, tinyModels: options.tinyModels ?? settings.VITRINA_TINY_MODELS, log: (line) => log.info(line) });
  const configured = new ConfiguredModels();
  const threads = options.threads; // undefined: VITRINA_MODEL_THREADS or the CPUs (runtime/session.ts)

  const open = async (version: string): Promise<LoadedModel> => {
    let dir: string;
    try {
      dir = configured.dirs.get(version) ?? (await store.resolve(version));
      return await loadVersionDir(dir, { cacheDir, threads, log: (line) => log.info(line), loadVersion: open });
    } catch (err) {
      if (err instanceof ModelNotFoundError || err instanceof ModelLoadError) throw err;
      log.error({ version, err: String(err) }, 'model version could not be loaded');
      throw new ModelLoadError(`model version ${version} could not be loaded: ${redactPaths((err as Error).message ?? String(err))}`, { cause: err });
    }
  };
  const versions = new LoadedVersions({
    open,
    capacity: options.loadedVersions ?? settings.VITRINA_MODEL_VERSIONS_LOADED,
    maxBatch: limits.maxBatch,
    maxWaitMs: limits.maxWaitMs,
    log: (message, extra) => log.info(extra ?? {}, message),
  });

  const defaultVersion = async (): Promise<string> => {
    const spec = options.defaultModel ?? settings.VITRINA_DEFAULT_MODEL;
    if (spec) return configured.versionOf(spec);
    return store.defaultVersion();
  };
  const promoted = new RetryingPromotion(
    async (version) => {
      await versions.promote(version);
    },
    options.promotionRetry ?? { initialMs: 1_000, maxMs: 30_000 },
    (message, extra) => log.warn(extra, message),
  );
  const promoteOrDefault = async (version: string | undefined): Promise<void> => {
    if (version) {
      if (await promoted.promote(version)) return;
      log.error({ version }, 'the promoted model version could not be loaded; serving the default until it loads');
    }
    await versions.promote(await defaultVersion());
  };

  let follower: PromotionFollower | undefined;
  if (options.model !== undefined) {
    await versions.promote(configured.versionOf(options.model));
  } else if (follow) {
    const kafka = options.kafka ?? createKafka('vitrina-model-server', config.kafkaBrokers);
    const codec = options.codec ?? new EventCodec(config.schemaRegistryUrl);
    try {
      follower = await followPromotions({
        kafka,
        codec,
        modelName: options.modelName ?? settings.VITRINA_MODEL_NAME,
        onStart: (latest) => promoteOrDefault(latest?.version),
        onPromotion: async (event) => {
          await promoted.promote(event.version);
        },
        log: (message, extra) => log.warn(extra ?? {}, message),
      });
    } catch (err) {
      log.warn({ err: String(err) }, 'cannot read vitrina.model-promotions; serving the default model without following promotions');
      if (!versions.championVersion()) await promoteOrDefault(undefined);
    }
  } else {
    await promoteOrDefault(undefined);
  }

  const handlers = createHandlers(versions, limits, log);
  const server = new grpc.Server({
    'grpc.max_receive_message_length': Math.max(64 * 1024 * 1024, 2 * limits.maxImageBytes + 1024 * 1024),
    'grpc.max_send_message_length': 64 * 1024 * 1024,
  });
  server.addService(tolerantService(), handlers as unknown as grpc.UntypedServiceImplementation);
  const requested = options.address ?? config.modelServerAddress;
  let port: number;
  try {
    // MODEL_SERVER_ADDRESS may list several servers for the clients (proto/client.ts); a server
    // listens on one of them, which --address names.
    if (requested.includes(',')) throw new Error(`the model server listens on one address; "${requested}" lists several (give --address host:port)`);
    port = await new Promise<number>((resolve, reject) => server.bindAsync(requested, grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))));
  } catch (err) {
    await follower?.stop().catch(() => undefined);
    await versions.close();
    throw new Error(`cannot listen on ${requested}: ${(err as Error).message}`);
  }
  const host = requested.slice(0, requested.lastIndexOf(':'));
  const address = `${host}:${port}`;
  log.info({ address, champion: versions.championVersion(), ...limits }, 'model server listening');

  let stopped: Promise<void> | undefined;
  return {
    address,
    limits,
    promote: async (version) => {
      promoted.cancel();
      await versions.promote(configured.versionOf(version));
    },
    champion: () => versions.championVersion(),
    pendingPromotion: () => promoted.pending(),
    stats: () => ({ texts: { ...versions.totals.texts }, images: { ...versions.totals.images }, loadedVersions: versions.loadedVersions() }),
    stop: () => {
      stopped ??= (async () => {
        promoted.cancel();
        await follower?.stop().catch((err: unknown) => log.warn({ err: String(err) }, 'stopping the promotions consumer failed'));
        await new Promise<void>((resolve) => {
          const force = setTimeout(() => {
            server.forceShutdown();
            resolve();
          }, 10_000);
          server.tryShutdown(() => {
            clearTimeout(force);
            resolve();
          });
        });
        await versions.close();
      })();
      return stopped;
    },
  };
}

function createHandlers(versions: LoadedVersions, limits: RequestLimits, log: Logger): EncoderHandlers {
  const fail = (callback: (err: grpc.ServiceError | null) => void, err: unknown, method: string): void => {
    const code = statusOf(err);
    const detail = err instanceof Error ? err.message : String(err);
    let message = redactPaths(detail);
    if (code === grpc.status.INTERNAL) {
      const ref = crypto.randomBytes(4).toString('hex');
      log.error({ method, ref, err: detail }, 'request failed');
      message = `the model server failed on this request (logged as ${ref})`;
    } else log.debug({ method, code, err: detail }, 'request refused');
    callback(Object.assign(new Error(message), { code, details: message, metadata: new grpc.Metadata() }) as grpc.ServiceError);
  };
  /** INVALID_ARGUMENT for a request message that did not parse. */
  const checkParsed = (request: unknown): void => {
    if (isMalformed(request)) throw new InvalidInputError(request.malformed);
  };
  const withLease = async <T>(version: string, work: (lease: Lease) => Promise<T>): Promise<T> => {
    const lease = await versions.acquire(version || undefined);
    try {
      return await work(lease);
    } finally {
      lease.release();
    }
  };
  const respond = (lease: Lease, vectors: Float32Array[]): { modelVersion: string; dimension: number; embeddings: Buffer[] } => ({
    modelVersion: lease.serving.version,
    dimension: lease.serving.model.info.dimension,
    embeddings: vectors.map(vectorToBytes),
  });
  const describe = (lease: Lease): ModelInfo => {
    const info = lease.serving.model.info;
    return {
      name: info.name,
      version: lease.serving.version,
      dimension: info.dimension,
      textPreprocessing: info.textPreprocessing,
      imagePreprocessing: info.imagePreprocessing,
      source: info.source,
      loadedVersions: versions.loadedVersions(),
      maxBatch: limits.maxBatch,
      maxImageBytes: limits.maxImageBytes,
    };
  };
  return {
    EmbedTexts: (call, callback) => {
      const { texts, modelVersion } = call.request;
      (async () => {
        checkParsed(call.request);
        checkTexts(texts, limits);
        return withLease(modelVersion, async (lease) => {
          const prepared = await prepareAll(texts, 'texts', (t) => lease.serving.model.text.prepare(t));
          return respond(lease, await lease.serving.texts.submit(prepared));
        });
      })().then((response) => callback(null, response), (err: unknown) => fail(callback, err, 'EmbedTexts'));
    },
    EmbedImages: (call, callback) => {
      const { images, modelVersion } = call.request;
      (async () => {
        checkParsed(call.request);
        checkImages(images, limits);
        return withLease(modelVersion, async (lease) => {
          const prepared = await prepareAll(images, 'images', (i) => lease.serving.model.image.prepare(i));
          return respond(lease, await lease.serving.images.submit(prepared));
        });
      })().then((response) => callback(null, response), (err: unknown) => fail(callback, err, 'EmbedImages'));
    },
    Describe: (call, callback) => {
      (async () => {
        checkParsed(call.request);
        return withLease(call.request.modelVersion, async (lease) => describe(lease));
      })().then((info) => callback(null, info), (err: unknown) => fail(callback, err, 'Describe'));
    },
    Health: (_call, callback) => {
      const champion = versions.championVersion();
      callback(null, { status: champion ? 'SERVING' : 'NOT_SERVING', modelVersion: champion ?? '' });
    },
  };
}
