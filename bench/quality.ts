// `vitrina bench quality`: the champion (the base model) against a fine-tuned challenger on the
// shared dataset, through the real loop — a model server and the four processors in this process,
// a TrainingRunRequested, and the events to the decision — under a model name of its own, so the
// live champion is not touched. Prints and writes bench/results/quality.json and quality.md (a
// table for the README). The tiny test model is refused unless --allow-tiny, and then labelled and
// written to quality-smoke-tiny.* instead.
import fs from 'node:fs';
import path from 'node:path';
import { startModelServer } from '../models/server.ts';
import { ModelStore } from '../models/store.ts';
import { createEncoderClient } from '../proto/client.ts';
import { followPositions, followRun } from '../mlops/follow-run.ts';
import { PARAM } from '../mlops/parameters.ts';
import { requestTraining } from '../mlops/requests.ts';
import { MLOPS_STEPS, startMlopsSteps } from '../runtime/mlops-processors.ts';
import { describeRunEvent } from '../runtime/run-report.ts';
import { createRuntime } from '../runtime/runtime.ts';
import { qualityMarkdown } from './quality-table.ts';
import { peakRssMiB, resultsDir, writeResult } from './report.ts';

export interface QualityBenchOptions {
  base?: string;
  seed: number;
  testFraction: number;
  epochs?: number;
  lr?: number;
  batchSize?: number;
  sides?: string;
  maxQueries?: number;
  latencyQueries?: number;
  datasetSnapshot?: string;
  allowTiny?: boolean;
  /** Results file name under bench/results/ (default "quality"). */
  name?: string;
}

const say = (line: string): void => void process.stdout.write(`${line}\n`);

export async function runQualityBench(o: QualityBenchOptions): Promise<void> {
  const began = Date.now();
  const rt = createRuntime('vitrina-bench-quality');
  const store = new ModelStore({ cacheDir: rt.config.cacheDir, s3: rt.s3 });
  const base = o.base ?? (await store.defaultVersion());
  const tiny = base.startsWith('tiny');
  if (tiny && !o.allowTiny) throw new Error(`no base model is available (models/base/ bundles none), only the tiny test model, whose numbers mean nothing; train one with models/recipe/, or pass --allow-tiny for a smoke run`);
  const modelName = `bench-quality-${Date.now()}`;
  const server = await startModelServer({ address: '127.0.0.1:0', defaultModel: base, followPromotions: false, s3: rt.s3 });
  const encoder = createEncoderClient(server.address, 300_000);
  const loop = await startMlopsSteps(rt, MLOPS_STEPS, { modelName, groupPrefix: `vitrina.bench.quality.${Date.now()}`, onProgress: (_run, line) => say(`  ${line}`) }, encoder);
  try {
    const parameters: Record<string, string> = {};
    if (o.epochs !== undefined) parameters[PARAM.epochs] = String(o.epochs);
    if (o.lr !== undefined) parameters[PARAM.learningRate] = String(o.lr);
    if (o.batchSize !== undefined) parameters[PARAM.batchSize] = String(o.batchSize);
    if (o.sides !== undefined) parameters[PARAM.sides] = o.sides;
    if (o.maxQueries !== undefined) parameters[PARAM.maxQueries] = String(o.maxQueries);
    parameters[PARAM.latencyQueries] = String(o.latencyQueries ?? 200);
    const from = await followPositions(rt.kafka);
    const request = await requestTraining(rt.producer, { modelName, requestedBy: 'bench', baseModelVersion: base, datasetSnapshot: o.datasetSnapshot ?? null, seed: o.seed, testFraction: o.testFraction, parameters });
    say(`bench quality: run ${request.runId}, base ${base}, seed ${o.seed}, test fraction ${o.testFraction}`);
    const outcome = await followRun(rt.kafka, rt.codec, request.runId, { from, timeoutMs: 4 * 60 * 60 * 1000, onEvent: (e) => say(describeRunEvent(e)) });
    const champion = outcome.evaluations.find((e) => e.role === 'champion');
    const challenger = outcome.evaluations.find((e) => e.role === 'challenger');
    if (!outcome.prepared || !outcome.trained || !champion || !challenger) throw new Error(`the run did not get to its evaluations: ${outcome.reason}`);
    const result = {
      model: tiny ? 'TINY TEST MODEL — these numbers mean nothing' : base,
      runId: outcome.runId,
      decision: outcome.decision?.decision ?? outcome.result,
      reason: outcome.reason,
      split: {
        datasetSnapshot: outcome.prepared.datasetSnapshot,
        catalog: outcome.prepared.catalogSize,
        train: outcome.prepared.trainSize,
        test: outcome.prepared.testSize,
        articleTypes: outcome.prepared.classCounts.length,
        seed: outcome.prepared.seed,
        testFraction: outcome.prepared.testFraction,
        manifest: outcome.prepared.splitManifestKey,
      },
      training: {
        challenger: outcome.trained.modelVersion,
        parameters: outcome.trained.parameters,
        curve: outcome.trained.curve,
        metrics: outcome.trained.metrics,
        durationMs: outcome.trained.durationMs,
      },
      evaluation: { parameters: challenger.parameters, champion: champion.metrics, challenger: challenger.metrics, durationMs: champion.durationMs },
      runSeconds: (Date.now() - began) / 1000,
      peakRssMiB: peakRssMiB(process.pid),
    };
    // A smoke run with the tiny model never overwrites the real figures.
    const name = tiny ? 'quality-smoke-tiny' : (o.name ?? 'quality');
    const file = writeResult(name, result);
    const markdown = qualityMarkdown(result);
    fs.writeFileSync(path.join(resultsDir, `${name}.md`), markdown);
    say('');
    say(markdown);
    say(`wrote ${file} and ${path.join(resultsDir, `${name}.md`)}`);
  } finally {
    await loop.stop();
    encoder.close();
    await server.stop();
    await rt.close();
  }
}
