// Encoder benchmark, in one run on one machine: texts/s and images/s of the same model version
// called in-process (LoadedModel: tokenise/decode + ONNX run, in batches) and through the gRPC
// model server (a child process running `vitrina serve model`), both with single-item requests
// that the server batches dynamically and with requests that are batches already; the ratio
// gRPC / in-process; single-request p50/p95 latency of a text and an image; the server's peak
// memory. An int8 variant of the version ("<version>-int8", see models/quantize/) is measured
// side by side when it exists.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { loadVersionDir } from '../models/load-version.ts';
import type { LoadedModel } from '../models/model.ts';
import { defaultThreads } from '../models/runtime/session.ts';
import { ModelStore } from '../models/store.ts';
import { createEncoderClient } from '../proto/client.ts';
import { loadConfig } from '../platform/config.ts';
import { createS3 } from '../platform/s3.ts';
import { startModelServerChild } from './services.ts';
import { writeResult } from './report.ts';


export interface EncoderBenchOptions {
  model?: string;
  texts?: number;
  images?: number;
  batch?: number;
  concurrency?: number;
  latencyRuns?: number;
  threads?: number;
  maxWaitMs?: number;
  /** Skip the int8 variant even when it exists. */
  noInt8?: boolean;
}

interface Inputs {
  texts: string[];
  images: Buffer[];
  /** The title of images[i]: texts[i] for i < images.length. */
  pairs: number;
  source: string;
}

/** Product titles and their images from the dataset folder, or synthetic ones when there is none. */
async function benchInputs(textCount: number, imageCount: number): Promise<Inputs> {
  const dir = loadConfig().datasetDir;
  const styles = path.join(dir, 'styles.csv');
  if (fs.existsSync(styles) && fs.existsSync(path.join(dir, 'images'))) {
    const rows = fs
      .readFileSync(styles, 'utf8')
      .split('\n')
      .slice(1)
      .map((line) => ({ id: line.split(',')[0]!, title: line.split(',').slice(9).join(',').trim() }))
      .filter((r) => r.title && fs.existsSync(path.join(dir, 'images', `${r.id}.jpg`)));
    const paired = rows.slice(0, imageCount);
    return {
      texts: Array.from({ length: textCount }, (_, i) => rows[i % rows.length]!.title),
      images: paired.map((r) => fs.readFileSync(path.join(dir, 'images', `${r.id}.jpg`))),
      pairs: Math.min(paired.length, textCount),
      source: dir,
    };
  }
  const images = await Promise.all(Array.from({ length: imageCount }, (_, i) => sharp({ create: { width: 60, height: 80, channels: 3, background: { r: (i * 37) % 256, g: (i * 91) % 256, b: (i * 53) % 256 } } }).jpeg().toBuffer()));
  return { texts: Array.from({ length: textCount }, (_, i) => `synthetic product title number ${i}`), images, pairs: 0, source: 'synthetic' };
}

/**
 * Title → image hit@10 on the benchmark's own pairs, the gallery being their images; a product
 * with the identical title counts as relevant. Only for comparing variants of one model.
 */
function titleToImageHitAt10(titles: string[], textVectors: Float32Array[], imageVectors: Float32Array[]): number {
  let hits = 0;
  textVectors.forEach((q, i) => {
    const scores = imageVectors.map((g, j) => {
      let dot = 0;
      for (let k = 0; k < q.length; k += 1) dot += q[k]! * g[k]!;
      return { j, dot };
    });
    scores.sort((a, b) => b.dot - a.dot);
    if (scores.slice(0, 10).some(({ j }) => titles[j] === titles[i])) hits += 1;
  });
  return textVectors.length ? hits / textVectors.length : 0;
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

const round = (v: number, digits = 2): number => Math.round(v * 10 ** digits) / 10 ** digits;

async function timed(work: () => Promise<unknown>): Promise<number> {
  const began = process.hrtime.bigint();
  await work();
  return Number(process.hrtime.bigint() - began) / 1e6;
}

function chunks<T>(items: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

async function latency(runs: number, call: () => Promise<unknown>): Promise<{ p50Ms: number; p95Ms: number }> {
  for (let i = 0; i < 5; i += 1) await call();
  const times: number[] = [];
  for (let i = 0; i < runs; i += 1) times.push(await timed(call));
  return { p50Ms: round(percentile(times, 50)), p95Ms: round(percentile(times, 95)) };
}

export interface InProcessRun {
  textMs: number;
  imageMs: number;
  textVectors: Float32Array[];
  imageVectors: Float32Array[];
  /** CPU time of this process during the timed part (onnxruntime's threads included). */
  cpuMs: number;
}

/** The bare encoder: texts, then images, in batches, in this process (after one warm-up batch of each). */
export async function encodeInProcess(model: LoadedModel, texts: string[], images: Buffer[], batch: number): Promise<InProcessRun> {
  await model.embedTexts(texts.slice(0, batch));
  await model.embedImages(images.slice(0, batch));
  const textVectors: Float32Array[] = [];
  const imageVectors: Float32Array[] = [];
  const cpu = process.cpuUsage();
  const textMs = await timed(async () => {
    for (const part of chunks(texts, batch)) textVectors.push(...(await model.embedTexts(part)));
  });
  const imageMs = await timed(async () => {
    for (const part of chunks(images, batch)) imageVectors.push(...(await model.embedImages(part)));
  });
  const used = process.cpuUsage(cpu);
  return { textMs, imageMs, textVectors, imageVectors, cpuMs: (used.user + used.system) / 1000 };
}

/** A model version loaded in this process with onnxruntime on `threads` threads. */
export async function openInProcess(store: ModelStore, version: string, threads: number): Promise<LoadedModel> {
  const config = loadConfig();
  const open = async (v: string): Promise<LoadedModel> => loadVersionDir(await store.resolve(v), { cacheDir: config.cacheDir, threads, log: () => undefined, loadVersion: open });
  return open(version);
}

async function inProcess(model: LoadedModel, inputs: Inputs, batch: number, latencyRuns: number): Promise<Record<string, unknown>> {
  const { textMs, imageMs, textVectors, imageVectors } = await encodeInProcess(model, inputs.texts, inputs.images, batch);
  return {
    textsPerSecond: round((inputs.texts.length / textMs) * 1000, 1),
    imagesPerSecond: round((inputs.images.length / imageMs) * 1000, 1),
    titleToImageHitAt10: inputs.pairs > 0 ? round(titleToImageHitAt10(inputs.texts.slice(0, inputs.pairs), textVectors.slice(0, inputs.pairs), imageVectors.slice(0, inputs.pairs)), 4) : null,
    hitAt10Gallery: inputs.pairs,
    singleText: await latency(latencyRuns, () => model.embedTexts([inputs.texts[7]!])),
    singleImage: await latency(latencyRuns, () => model.embedImages([inputs.images[7]!])),
  };
}

/** Sends every item with at most `concurrency` requests of `size` items in flight. */
async function throughput<T>(items: T[], size: number, concurrency: number, send: (part: T[]) => Promise<unknown>): Promise<number> {
  return (await measuredThroughput(items, size, concurrency, send)).perSecond;
}

/**
 * Items per second, and the CPU this (client) process spent per request: on a 2-core machine the
 * client's own gRPC work competes with the server, which is part of what single-item requests cost.
 */
async function measuredThroughput<T>(items: T[], size: number, concurrency: number, send: (part: T[]) => Promise<unknown>): Promise<{ perSecond: number; clientCpuMsPerRequest: number; clientCpuShareOfWall: number }> {
  const parts = chunks(items, size);
  let next = 0;
  const cpuBefore = process.cpuUsage();
  const ms = await timed(() =>
    Promise.all(
      Array.from({ length: Math.min(concurrency, parts.length) }, async () => {
        while (next < parts.length) await send(parts[next++]!);
      }),
    ),
  );
  const cpu = process.cpuUsage(cpuBefore);
  const cpuMs = (cpu.user + cpu.system) / 1000;
  return { perSecond: round((items.length / ms) * 1000, 1), clientCpuMsPerRequest: round(cpuMs / parts.length, 3), clientCpuShareOfWall: round(cpuMs / ms, 3) };
}

async function throughServer(version: string, inputs: Inputs, o: Required<Omit<EncoderBenchOptions, 'model' | 'noInt8'>>): Promise<Record<string, unknown>> {
  const server = await startModelServerChild(o.threads, ['--model', version, '--no-follow', '--max-batch', String(o.batch), '--max-wait-ms', String(o.maxWaitMs)]);
  const client = createEncoderClient(server.address, 120_000);
  try {
    const c = client;
    await throughput(inputs.texts.slice(0, o.batch * 2), 1, o.concurrency, (p) => c.embedTexts(p));
    await throughput(inputs.images.slice(0, o.batch * 2), 1, o.concurrency, (p) => c.embedImages(p));
    const before = await c.describe();
    const result = {
      dynamicBatching: await (async () => {
        const texts = await measuredThroughput(inputs.texts, 1, o.concurrency, (p) => c.embedTexts(p));
        const images = await measuredThroughput(inputs.images, 1, o.concurrency, (p) => c.embedImages(p));
        return {
          note: `single-item requests, ${o.concurrency} in flight; the server batches up to ${o.batch} items, waiting at most ${o.maxWaitMs} ms; clientCpu*: this benchmark process's own CPU (gRPC client) on the same cores`,
          textsPerSecond: texts.perSecond,
          imagesPerSecond: images.perSecond,
          clientCpuMsPerRequest: { texts: texts.clientCpuMsPerRequest, images: images.clientCpuMsPerRequest },
          clientCpuShareOfWall: { texts: texts.clientCpuShareOfWall, images: images.clientCpuShareOfWall },
        };
      })(),
      clientBatches: {
        note: `requests of ${o.batch} items, 2 in flight`,
        textsPerSecond: await throughput(inputs.texts, o.batch, 2, (p) => c.embedTexts(p)),
        imagesPerSecond: await throughput(inputs.images, o.batch, 2, (p) => c.embedImages(p)),
      },
      singleText: await latency(o.latencyRuns, () => c.embedTexts([inputs.texts[7]!])),
      singleImage: await latency(o.latencyRuns, () => c.embedImages([inputs.images[7]!])),
      model: { version: before.version, source: before.source, dimension: before.dimension },
      serverPeakRssMiB: 0,
    };
    result.serverPeakRssMiB = await server.stop();
    return result;
  } finally {
    client.close();
    await server.stop();
  }
}

async function benchVersion(store: ModelStore, version: string, inputs: Inputs, o: Required<Omit<EncoderBenchOptions, 'model' | 'noInt8'>>): Promise<Record<string, unknown>> {
  const model = await openInProcess(store, version, o.threads);
  const local = await inProcess(model, inputs, o.batch, o.latencyRuns);
  await model.close();
  const grpc = await throughServer(version, inputs, o);
  const ratio = (a: unknown, b: unknown): number => round(Number(a) / Number(b), 3);
  const dyn = grpc.dynamicBatching as { textsPerSecond: number; imagesPerSecond: number };
  const cb = grpc.clientBatches as { textsPerSecond: number; imagesPerSecond: number };
  return {
    version,
    inProcess: local,
    grpc,
    ratioGrpcToInProcess: {
      target: 0.9,
      textsDynamicBatching: ratio(dyn.textsPerSecond, local.textsPerSecond),
      imagesDynamicBatching: ratio(dyn.imagesPerSecond, local.imagesPerSecond),
      textsClientBatches: ratio(cb.textsPerSecond, local.textsPerSecond),
      imagesClientBatches: ratio(cb.imagesPerSecond, local.imagesPerSecond),
    },
  };
}

export async function benchEncoder(options: EncoderBenchOptions = {}): Promise<Record<string, unknown>> {
  const config = loadConfig();
  const store = new ModelStore({ cacheDir: config.cacheDir, s3: createS3(config) });
  const version = options.model ?? (await store.defaultVersion());
  const o = {
    texts: options.texts ?? 2000,
    images: options.images ?? 1000,
    batch: options.batch ?? 32,
    concurrency: options.concurrency ?? 64,
    latencyRuns: options.latencyRuns ?? 100,
    threads: options.threads ?? defaultThreads(),
    maxWaitMs: options.maxWaitMs ?? 0,
  };
  const inputs = await benchInputs(o.texts, o.images);
  const result: Record<string, unknown> = {
    machine: { cpus: os.availableParallelism(), loadAverage1m: round(os.loadavg()[0]!), model: os.cpus()[0]?.model },
    inputs: { source: inputs.source, texts: inputs.texts.length, images: inputs.images.length },
    settings: o,
    fp32: await benchVersion(store, version, inputs, o),
  };
  const int8 = `${version}-int8`;
  if (!options.noInt8 && (await store.available(int8))) {
    const quantized = await benchVersion(store, int8, inputs, o);
    result.int8 = quantized;
    const a = (result.fp32 as { inProcess: Record<string, number> }).inProcess;
    const b = (quantized as { inProcess: Record<string, number> }).inProcess;
    result.int8VersusFp32 = {
      textSpeedUp: round(b.textsPerSecond! / a.textsPerSecond!, 2),
      imageSpeedUp: round(b.imagesPerSecond! / a.imagesPerSecond!, 2),
      titleToImageHitAt10: { fp32: a.titleToImageHitAt10, int8: b.titleToImageHitAt10, change: round(b.titleToImageHitAt10! - a.titleToImageHitAt10!, 4) },
    };
  }
  (result.machine as Record<string, unknown>).loadAverage1mAfter = round(os.loadavg()[0]!);
  return result;
}

export async function runEncoderBench(options: EncoderBenchOptions): Promise<void> {
  const result = await benchEncoder(options);
  const file = writeResult('encoder', result);
  process.stdout.write(`${JSON.stringify(result, null, 2)}\nwritten to ${file}\n`);
}
