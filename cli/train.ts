// `vitrina train`: asks for a training run (TrainingRunRequested). With --wait it follows the run
// to its end — prepared, trained, evaluated, promoted or rejected — printing each step; the loop's
// processors nobody else runs (their consumer groups have no member) are started in this process,
// and a model server too when none answers, so the command works on its own.
import type { Command } from 'commander';
import { startModelServer, type ModelServer } from '../models/server.ts';
import { createEncoderClient, type EncoderClient } from '../proto/client.ts';
import { followPositions, followRun, type RunOutcome } from '../mlops/follow-run.ts';
import { runKeys } from '../mlops/layout.ts';
import { PARAM } from '../mlops/parameters.ts';
import { requestTraining } from '../mlops/requests.ts';
import { RunStore } from '../mlops/store.ts';
import { parseRule } from '../processors/promoter/rule.ts';
import { CATALOG_SOURCE_PARAM } from '../processors/training-run/prepare.ts';
import { ensureMlopsTopics, idleSteps, startMlopsSteps, type LoopHandle } from '../runtime/mlops-processors.ts';
import { describeOutcome, describeRunEvent } from '../runtime/run-report.ts';
import { createRuntime, type Runtime } from '../runtime/runtime.ts';

const say = (line: string): void => void process.stdout.write(`${line}\n`);

export interface TrainOptions {
  runId?: string;
  modelName?: string;
  base?: string;
  datasetSnapshot?: string;
  catalogSource?: string;
  seed: number;
  testFraction: number;
  epochs?: number;
  lr?: number;
  batchSize?: number;
  temperature?: number;
  fixedTemperature?: boolean;
  weightDecay?: number;
  sides?: string;
  maxQueries?: number;
  latencyQueries?: number;
  augmentSeed?: number;
  rule?: string;
  param: string[];
  wait?: boolean;
  processors: boolean;
  timeout: number;
}

export function parametersOf(o: TrainOptions): Record<string, string> {
  const p: Record<string, string> = {};
  const put = (key: string, value: number | string | undefined): void => {
    if (value !== undefined) p[key] = String(value);
  };
  put(PARAM.epochs, o.epochs);
  put(PARAM.learningRate, o.lr);
  put(PARAM.batchSize, o.batchSize);
  put(PARAM.temperature, o.temperature);
  if (o.fixedTemperature) p[PARAM.learnTemperature] = 'false';
  put(PARAM.weightDecay, o.weightDecay);
  put(PARAM.sides, o.sides);
  put(PARAM.maxQueries, o.maxQueries);
  put(PARAM.latencyQueries, o.latencyQueries);
  put(PARAM.augmentSeed, o.augmentSeed);
  put(CATALOG_SOURCE_PARAM, o.catalogSource);
  if (o.rule) p[PARAM.promotionRule] = JSON.stringify(parseRule(o.rule));
  for (const pair of o.param) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new Error(`--param ${pair}: expected key=value`);
    p[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  return p;
}

async function modelServerAnswers(address: string): Promise<boolean> {
  const probe = createEncoderClient(address, 3000);
  try {
    await probe.describe('');
    return true;
  } catch {
    return false;
  } finally {
    probe.close();
  }
}

export interface LoopInProcess {
  handle: LoopHandle | undefined;
  server: ModelServer | undefined;
  encoder: EncoderClient;
  stop(): Promise<void>;
}

/** Starts what the loop needs and nobody runs: idle processors, and a model server if none answers. */
export async function ensureLoopRunning(rt: Runtime, modelName: string, log: (line: string) => void): Promise<LoopInProcess> {
  const steps = await idleSteps(rt.kafka);
  let server: ModelServer | undefined;
  let encoder = createEncoderClient(rt.config.modelServerAddress, 120_000);
  if (steps.length > 0 && !(await modelServerAnswers(rt.config.modelServerAddress))) {
    log(`no model server at ${rt.config.modelServerAddress}: starting one in this process`);
    server = await startModelServer({ modelName });
    encoder.close();
    encoder = createEncoderClient(server.address, 120_000);
  }
  const handle = steps.length > 0 ? await startMlopsSteps(rt, steps, { modelName, onProgress: (_run, line) => log(`  ${line}`) }, encoder) : undefined;
  if (steps.length > 0) log(`started in this process: ${steps.join(', ')}`);
  if (steps.length < 4) log('running elsewhere (vitrina serve or vitrina processor): the other steps');
  return {
    handle,
    server,
    encoder,
    stop: async () => {
      await handle?.stop();
      encoder.close();
      await server?.stop();
    },
  };
}

function watchEpochs(store: RunStore, runId: string): { stop: () => void } {
  let printed = 0;
  const timer = setInterval(() => {
    store
      .getJson<{ epochs: number; curve: Array<{ epoch: number; loss: number; pairsPerSecond: number; temperature: number }> }>(runKeys(runId).progress)
      .then((p) => {
        for (const r of p?.curve.slice(printed) ?? []) say(`  epoch ${r.epoch}/${p!.epochs}: loss ${r.loss.toFixed(4)}, ${r.pairsPerSecond.toFixed(0)} pairs/s, temperature ${r.temperature.toFixed(4)}`);
        printed = Math.max(printed, p?.curve.length ?? 0);
      })
      .catch(() => undefined);
  }, 5000);
  return { stop: () => clearInterval(timer) };
}

export async function runTrain(o: TrainOptions): Promise<RunOutcome | undefined> {
  const rt = createRuntime('vitrina-train');
  let loop: LoopInProcess | undefined;
  try {
    await ensureMlopsTopics(rt.kafka);
    const modelName = o.modelName ?? rt.config.settings.VITRINA_MODEL_NAME;
    const parameters = parametersOf(o);
    if (o.wait && o.processors) loop = await ensureLoopRunning(rt, modelName, say);
    const from = o.wait ? await followPositions(rt.kafka) : undefined;
    const request = await requestTraining(rt.producer, { runId: o.runId, modelName, baseModelVersion: o.base ?? null, datasetSnapshot: o.datasetSnapshot ?? null, seed: o.seed, testFraction: o.testFraction, parameters });
    say(`requested training run ${request.runId} (model ${modelName}, seed ${request.seed}, test fraction ${request.testFraction}${Object.keys(parameters).length ? `, ${Object.entries(parameters).map(([k, v]) => `${k}=${v}`).join(' ')}` : ''})`);
    if (!o.wait || !from) return undefined;
    // Processors running elsewhere report epochs in the run's progress.json; print those as they come.
    const epochs = loop?.handle?.started.includes('trainer') ? undefined : watchEpochs(new RunStore(rt.s3), request.runId);
    const outcome = await followRun(rt.kafka, rt.codec, request.runId, { from, timeoutMs: o.timeout * 60_000, onEvent: (e) => say(describeRunEvent(e)) }).finally(() => epochs?.stop());
    say(describeOutcome(outcome));
    if (outcome.result === 'failed') process.exitCode = 1;
    return outcome;
  } finally {
    await loop?.stop();
    await rt.close();
  }
}

const num = (v: string): number => {
  const n = Number(v);
  if (!Number.isFinite(n)) throw new Error(`not a number: ${v}`);
  return n;
};

export function registerTrain(program: Command): void {
  program
    .command('train')
    .description('request a training run (a fine-tuned challenger); --wait follows it to promotion or rejection')
    .option('--seed <n>', 'seed of the split, the batch order and the augmented queries', num, 42)
    .option('--test-fraction <f>', 'share of each articleType held out for the test split', num, 0.2)
    .option('--epochs <n>', 'training epochs (default 10)', num)
    .option('--lr <x>', 'Adam learning rate (default 0.001)', num)
    .option('--batch-size <n>', 'pairs per InfoNCE batch (default 256)', num)
    .option('--temperature <t>', 'initial softmax temperature (default 0.05)', num)
    .option('--fixed-temperature', 'keep the temperature fixed instead of learning it')
    .option('--weight-decay <x>', 'decoupled weight decay towards the identity adapter (default 0.0001)', num)
    .option('--sides <sides>', 'which encoders get an adapter: both (default), text or image')
    .option('--base <version>', 'model version to fine-tune (default: the champion)')
    .option('--dataset-snapshot <id>', 'dataset snapshot to split (default: the one with the most products)')
    .option('--catalog-source <source>', 'projection (the products table, default) or topic (the products topic read to its end)')
    .option('--max-queries <n>', 'evaluate on a seeded sample of N test products (default: all)', num)
    .option('--latency-queries <n>', 'queries timed end to end per model and task (default 100)', num)
    .option('--augment-seed <n>', 'seed of the augmented query images (default: --seed)', num)
    .option('--rule <json>', 'promotion rule for this run, e.g. \'[{"metric":"text2image.articleType.catalog.group@10","kind":"better","margin":0}]\'')
    .option('--param <key=value>', 'any other parameter (repeatable)', (v: string, all: string[]) => [...all, v], [] as string[])
    .option('--model-name <name>', 'the model the challenger competes for (default VITRINA_MODEL_NAME or vitrina)')
    .option('--run-id <id>', 'run id (default: a new one)')
    .option('--wait', 'follow the run to its end, printing each step')
    .option('--no-processors', 'with --wait: do not start idle processors or a model server in this process')
    .option('--timeout <minutes>', 'with --wait: give up after this long', num, 120)
    .action(async (opts: TrainOptions) => {
      await runTrain(opts);
    });
}
