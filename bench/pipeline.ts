// Pipeline benchmark: the dataset → ingest → products projection → embedder → embeddings projection,
// each the real command in a child process (`vitrina ingest`, `vitrina processor ...`, `vitrina serve
// model`), on a namespace of its own (bench/namespace.ts: topics, groups, database, bucket; removed at
// the end), until every ingested product is embedded and its model version is live (indexed,
// searchable). In the same run, once the pipeline is done and its processes stopped, the bare encoder
// in this process (bench/encoder.ts) embeds the same products (their normalised images, read back
// from the namespace's bucket, and their names) with the same thread count: end-to-end products/s
// over the encoder's products/s is the ratio the data plane is judged by. Also: when each stage had
// handled every product, the CPU seconds and peak RSS of every process.
import os from 'node:os';
import type { Kafka } from 'kafkajs';
import { defaultThreads } from '../models/runtime/session.ts';
import { ModelStore } from '../models/store.ts';
import { createS3 } from '../platform/s3.ts';
import { LocalDataset } from '../processors/ingest/dataset.ts';
import { normalizeImage } from '../processors/ingest/normalize.ts';
import { loadConfig } from '../platform/config.ts';
import { createPool, type Db } from '../projections/db.ts';
import { createRuntime } from '../runtime/runtime.ts';
import { topics } from '../streams/topics.ts';
import { encodeInProcess, openInProcess } from './encoder.ts';
import { createNamespace, type BenchNamespace } from './namespace.ts';
import { peakRssMiB, writeResult } from './report.ts';
import { startChild, startModelServerChild, type Child } from './services.ts';

export interface PipelineBenchOptions {
  dataset?: string;
  limit?: number;
  /** Model version (default: the bundled base model, else tiny). */
  model?: string;
  /** onnxruntime threads of the model server and of the in-process encoder. */
  threads?: number;
  /** Items per call of the in-process encoder (the embedder's default batch, 32). */
  batch?: number;
  /** Longest wait for the pipeline to finish, in seconds (default 120 + 0.5 s per row). */
  timeoutS?: number;
  /** Results file name under bench/results/ (default pipeline). */
  name?: string;
  /** Write a V8 CPU profile of each of the pipeline's processes into this folder. */
  cpuProfDir?: string;
}

const round = (v: number, digits = 2): number => Math.round(v * 10 ** digits) / 10 ** digits;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

interface IngestJson {
  lines: number;
  emitted: number;
  rejected: Record<string, number>;
  seconds: number;
  stages: Record<string, number>;
}

/** What the namespace holds at one moment. */
interface Sample {
  at: number;
  products: number;
  embeddedEvents: number;
  rows: number;
  live: boolean;
}

async function count(db: Db, sql: string): Promise<number> {
  try {
    return Number((await db.query<{ n: string }>(sql)).rows[0]?.n ?? 0);
  } catch {
    return 0; // the view does not exist before the projector's first batch
  }
}

async function topicEvents(kafka: Kafka, topic: string): Promise<number> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    return (await admin.fetchTopicOffsets(topic)).reduce((sum, p) => sum + Number(p.high) - Number(p.low), 0);
  } finally {
    await admin.disconnect();
  }
}

async function sample(db: Db, kafka: Kafka, ns: BenchNamespace, version: string): Promise<Sample> {
  const [products, embeddedEvents, state] = await Promise.all([
    count(db, 'SELECT count(*) AS n FROM products'),
    topicEvents(kafka, ns.topic(topics.embeddings)),
    db.query<{ rows: number; state: string; indexed: boolean }>('SELECT rows, state, indexed FROM embeddings_versions WHERE version = $1', [version]).then((r) => r.rows[0], () => undefined),
  ]);
  return { at: Date.now(), products, embeddedEvents, rows: state?.rows ?? 0, live: state?.state === 'live' && state.indexed };
}

/** Resolves when every consumer group has a member (its processor subscribed). */
async function groupsJoined(kafka: Kafka, groups: string[], children: Child[], timeoutMs: number): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const exited = children.find((c) => c.process.exitCode !== null);
      if (exited) throw new Error(`${exited.name} exited with ${exited.process.exitCode} before it was ready`);
      const { groups: described } = await admin.describeGroups(groups);
      if (described.every((g) => g.state === 'Stable' && g.members.length > 0)) return;
      if (Date.now() > deadline) throw new Error(`the pipeline's processors had not joined their groups after ${timeoutMs / 1000} s: ${described.map((g) => `${g.groupId} ${g.state}`).join(', ')}`);
      await sleep(300);
    }
  } finally {
    await admin.disconnect();
  }
}

function collectStdout(child: Child): Promise<string> {
  let out = '';
  child.process.stdout?.on('data', (chunk: Buffer) => (out += chunk.toString()));
  return new Promise((resolve, reject) => {
    child.process.once('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`${child.name} exited with ${code}: ${out.slice(-500)}`))));
  });
}

/** The first sample at which `reached` holds, in seconds since `began`. */
function firstAt(samples: Sample[], began: number, reached: (s: Sample) => boolean): number | null {
  const hit = samples.find(reached);
  return hit ? round((hit.at - began) / 1000) : null;
}

interface EncoderInputs {
  products: number;
  texts: string[];
  images: Buffer[];
}

/**
 * What the embedder sends for the products ingest emits from the first `limit` rows: their names
 * and their normalised images, made by ingest's own parser and normaliser (rows ingest rejects are
 * left out the same way).
 */
async function encoderInputs(dir: string, limit: number | undefined): Promise<EncoderInputs> {
  const dataset = new LocalDataset(dir);
  const out: EncoderInputs = { products: 0, texts: [], images: [] };
  const seen = new Set<number>();
  let lines = 0;
  for await (const line of dataset.lines()) {
    if (limit !== undefined && lines >= limit) break;
    lines += 1;
    if (!line.ok || seen.has(line.row.id)) continue;
    const original = await dataset.image(line.row).catch(() => undefined);
    if (!original) continue;
    const normalized = await normalizeImage(original).catch(() => undefined);
    if (!normalized) continue;
    seen.add(line.row.id);
    out.products += 1;
    out.images.push(normalized.normalized.bytes);
    const name = (line.row.productDisplayName ?? '').trim();
    if (name !== '') out.texts.push(name);
  }
  return out;
}

/** One timed run of the bare encoder in this process (the model loaded fresh, as the server loads it). */
async function bareEncoder(store: ModelStore, version: string, threads: number, batch: number, inputs: EncoderInputs): Promise<{ seconds: number; textSeconds: number; imageSeconds: number; cpuSeconds: number }> {
  const model = await openInProcess(store, version, threads);
  try {
    const run = await encodeInProcess(model, inputs.texts, inputs.images, batch);
    return { seconds: (run.textMs + run.imageMs) / 1000, textSeconds: run.textMs / 1000, imageSeconds: run.imageMs / 1000, cpuSeconds: run.cpuMs / 1000 };
  } finally {
    await model.close();
  }
}

export async function benchPipeline(options: PipelineBenchOptions = {}): Promise<Record<string, unknown>> {
  const config = loadConfig();
  const store = new ModelStore({ cacheDir: config.cacheDir, s3: createS3(config) });
  const version = options.model ?? (await store.defaultVersion());
  const threads = options.threads ?? defaultThreads();
  const batch = options.batch ?? 32;
  const dataset = options.dataset ?? config.datasetDir;
  const rt = createRuntime('bench-pipeline', config);
  const ns = await createNamespace(rt, [topics.products, topics.embeddings, topics.promotions, topics.deadLetter]);
  const db = createPool(ns.databaseUrl, 2);
  const children: Child[] = [];
  const load: number[] = [round(os.loadavg()[0]!)];
  let cleanup: string[] = [];
  try {
    const inputs = await encoderInputs(dataset, options.limit);
    const encoderBefore = await bareEncoder(store, version, threads, batch, inputs);
    load.push(round(os.loadavg()[0]!));
    const env = ns.env;
    const child = { nodeArgs: options.cpuProfDir ? ['--cpu-prof', `--cpu-prof-dir=${options.cpuProfDir}`] : [] };
    const server = await startModelServerChild(threads, ['--model', version, '--no-follow'], env, child);
    children.push(server);
    const withServer = { ...env, MODEL_SERVER_ADDRESS: server.address };
    const processors = {
      productsProjector: startChild('projector.products', ['processor', 'projector.products', '--group', ns.group('projector.products')], withServer, child),
      embedder: startChild('embedder', ['processor', 'embedder', '--group', ns.group('embedder'), '--model-version', version], withServer, child),
      embeddingsProjector: startChild('projector.embeddings', ['processor', 'projector.embeddings', '--group', ns.group('projector.embeddings')], withServer, child),
    };
    children.push(...Object.values(processors));
    await groupsJoined(rt.kafka, [ns.group('projector.products'), ns.group('embedder'), ns.group('projector.embeddings')], children, 180_000);
    const cpuBefore = new Map(children.map((c) => [c, c.cpuSeconds()]));
    load.push(round(os.loadavg()[0]!));

    // The clock runs from the ingest command's start until the version is live with every product.
    const began = Date.now();
    const ingestArgs = ['ingest', '--dataset', dataset, '--json', ...(options.limit ? ['--limit', String(options.limit)] : [])];
    const ingestChild = startChild('ingest', ingestArgs, env, { ...child, stdout: 'pipe' });
    children.push(ingestChild);
    const ingestDone = collectStdout(ingestChild);
    let report: IngestJson | undefined;
    let ingestEndedAt = 0;
    ingestDone.then(
      (out) => {
        ingestEndedAt = Date.now();
        report = JSON.parse(out.slice(out.indexOf('{'))) as IngestJson;
      },
      () => undefined,
    );
    const timeoutMs = (options.timeoutS ?? 120 + 0.5 * (options.limit ?? 45_000)) * 1000;
    const samples: Sample[] = [];
    for (;;) {
      if (ingestChild.process.exitCode !== null && ingestChild.process.exitCode !== 0) await ingestDone;
      for (const c of Object.values(processors)) if (c.process.exitCode !== null) throw new Error(`${c.name} exited with ${c.process.exitCode} during the run`);
      const s = await sample(db, rt.kafka, ns, version);
      samples.push(s);
      if (report && s.rows >= report.emitted && s.live) break;
      if (Date.now() - began > timeoutMs) throw new Error(`the pipeline had not finished after ${timeoutMs / 1000} s: ${JSON.stringify(s)}, ingest ${report ? `emitted ${report.emitted}` : 'running'}`);
      await sleep(250);
    }
    const endedAt = samples[samples.length - 1]!.at;
    load.push(round(os.loadavg()[0]!));
    const n = report!.emitted;
    const seconds = (endedAt - began) / 1000;
    const cpu: Record<string, number> = {};
    const peak: Record<string, number> = {};
    for (const c of children) cpu[c.name] = round(c.cpuSeconds() - (cpuBefore.get(c) ?? 0));
    for (const c of children) peak[c.name] = await c.stop();

    const encoderAfter = await bareEncoder(store, version, threads, batch, inputs);
    load.push(round(os.loadavg()[0]!));
    if (inputs.products !== n) throw new Error(`the encoder's inputs hold ${inputs.products} products, the pipeline embedded ${n}`);
    const runs = [encoderBefore, encoderAfter];
    const encoderSeconds = (encoderBefore.seconds + encoderAfter.seconds) / 2;
    const productsPerSecond = n / seconds;
    const encoderProductsPerSecond = n / encoderSeconds;
    const encoderCpu = (encoderBefore.cpuSeconds + encoderAfter.cpuSeconds) / 2;
    const stageSeconds = {
      ingest: round((ingestEndedAt - began) / 1000),
      productsProjection: firstAt(samples, began, (s) => s.products >= n),
      embedder: firstAt(samples, began, (s) => s.embeddedEvents >= n),
      embeddingsProjectionRows: firstAt(samples, began, (s) => s.rows >= n),
      embeddingsLive: round(seconds),
    };
    const cpuTotal = Object.values(cpu).reduce((a, b) => a + b, 0);
    return {
      dataset,
      model: version,
      threads,
      products: n,
      rows: report!.lines,
      rejected: report!.rejected,
      seconds: round(seconds),
      productsPerSecond: round(productsPerSecond, 1),
      encoderProductsPerSecond: round(encoderProductsPerSecond, 1),
      ratioToEncoder: round(productsPerSecond / encoderProductsPerSecond, 3),
      target: 0.8,
      stageSeconds,
      ingestStages: report!.stages,
      encoder: {
        note: 'in this process, before and after the pipeline; the rate is over the mean of the two times',
        batch,
        texts: inputs.texts.length,
        images: inputs.images.length,
        runs: runs.map((r) => ({ textSeconds: round(r.textSeconds), imageSeconds: round(r.imageSeconds), textsPerSecond: round(inputs.texts.length / r.textSeconds, 1), imagesPerSecond: round(inputs.images.length / r.imageSeconds, 1), cpuSeconds: round(r.cpuSeconds) })),
      },
      cpuSeconds: { ...cpu, total: round(cpuTotal), perProductMs: round((cpuTotal / n) * 1000), coresBusy: round(cpuTotal / seconds), encoder: round(encoderCpu), encoderPerProductMs: round((encoderCpu / n) * 1000) },
      /** The encoder's CPU over the pipeline's (every process): what the ratio would be on cores the two had to themselves. */
      cpuRatioToEncoder: round(encoderCpu / cpuTotal, 3),
      peakRssMiB: { ...peak, bench: round(peakRssMiB(process.pid) ?? 0) },
      namespace: ns.id,
      loadAverage1m: load,
      cores: os.availableParallelism(),
    };
  } finally {
    for (const c of children) await c.stop().catch(() => undefined);
    await db.end().catch(() => undefined);
    cleanup = await ns.remove();
    if (cleanup.length > 0) process.stderr.write(`bench pipeline: could not remove all of namespace ${ns.id}:\n  ${cleanup.join('\n  ')}\n`);
    await rt.close();
  }
}

export async function runPipelineBench(options: PipelineBenchOptions): Promise<void> {
  const result = await benchPipeline(options);
  const file = writeResult(options.name ?? 'pipeline', result);
  process.stdout.write(`${JSON.stringify(result, null, 2)}\nwritten to ${file}\n`);
}
