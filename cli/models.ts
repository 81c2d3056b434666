// `vitrina models`: the model registry (list, show, runs, run) and promotions by hand (promote,
// rollback), which need the admin token in VITRINA_ADMIN_TOKEN and its sha256 in
// VITRINA_ADMIN_TOKEN_SHA256 to check it against (fail closed).
import type { Command } from 'commander';
import { loadConfig } from '../platform/config.ts';
import { verifyCliAdmin } from '../mlops/admin-token.ts';
import { promoteByHand, rollbackByHand } from '../mlops/promotions.ts';
import { getModel, getTrainingRun, listModels, listTrainingRuns } from '../projections/model-registry/queries.ts';
import { ensureMlopsTopics } from '../runtime/mlops-processors.ts';
import { createRuntime, type Runtime } from '../runtime/runtime.ts';

const say = (line: string): void => void process.stdout.write(`${line}\n`);
const modelNameOf = (o: { modelName?: string }, rt: Runtime): string => o.modelName ?? rt.config.settings.VITRINA_MODEL_NAME;

/** Runs `work` with a runtime built from `config` (the command's environment, read once). */
async function withRuntime<T>(name: string, work: (rt: Runtime) => Promise<T>, config = loadConfig()): Promise<T> {
  const rt = createRuntime(name, config);
  try {
    return await work(rt);
  } finally {
    await rt.close();
  }
}

export function registerModels(program: Command): void {
  const models = program.command('models').description('model versions, training runs and promotions (the model registry)');

  models
    .command('list')
    .description('model versions with their lineage, latest metrics and the champion')
    .option('--model-name <name>', 'only this model')
    .option('--json', 'print JSON')
    .action((o: { modelName?: string; json?: boolean }) =>
      withRuntime('vitrina-models', async (rt) => {
        const result = await listModels(rt.db, { modelName: o.modelName, limit: 500 });
        if (o.json) return say(JSON.stringify(result, null, 2));
        for (const [name, version] of Object.entries(result.champions)) say(`champion of ${name}: ${version}`);
        for (const m of result.models) {
          const metric = m.latestMetrics?.['text2image.articleType.catalog.group@10'];
          say(`${m.status.padEnd(9)} ${m.version}  base ${m.lineage.baseVersion ?? '-'}  run ${m.lineage.trainingRun ?? '-'}${metric === undefined ? '' : `  articleType group@10 ${metric.toFixed(3)}`}`);
        }
      }),
    );

  models
    .command('show <version>')
    .description('one version: lineage, metrics history, promotions (JSON)')
    .option('--model-name <name>', 'the model (default VITRINA_MODEL_NAME or vitrina)')
    .action((version: string, o: { modelName?: string }) =>
      withRuntime('vitrina-models', async (rt) => {
        const model = await getModel(rt.db, version, modelNameOf(o, rt));
        if (!model) throw new Error(`the model registry has no version ${version} (npx vitrina replay model-registry rebuilds it)`);
        say(JSON.stringify(model, null, 2));
      }),
    );

  models
    .command('runs')
    .description('training runs, newest first')
    .option('--model-name <name>', 'only this model')
    .option('--status <status>', 'requested, training, trained, evaluated, promoted, rejected or failed')
    .option('--json', 'print JSON')
    .action((o: { modelName?: string; status?: string; json?: boolean }) =>
      withRuntime('vitrina-models', async (rt) => {
        const { runs } = await listTrainingRuns(rt.db, { modelName: o.modelName, status: o.status, limit: 100 });
        if (o.json) return say(JSON.stringify(runs, null, 2));
        for (const r of runs) say(`${r.status.padEnd(9)} ${r.runId}  ${r.modelVersion ?? r.baseVersion ?? ''}  ${r.reason ?? r.error ?? ''}`.trimEnd());
      }),
    );

  models
    .command('run <runId>')
    .description('one training run: split, curve, metrics, decision (JSON)')
    .action((runId: string) =>
      withRuntime('vitrina-models', async (rt) => {
        const run = await getTrainingRun(rt.db, runId);
        if (!run) throw new Error(`the model registry has no training run ${runId}`);
        say(JSON.stringify(run, null, 2));
      }),
    );

  models
    .command('promote <version>')
    .description('make a version the champion by hand (needs VITRINA_ADMIN_TOKEN and its sha256 in VITRINA_ADMIN_TOKEN_SHA256)')
    .option('--reason <text>', 'why, recorded in the event')
    .option('--model-name <name>', 'the model (default VITRINA_MODEL_NAME or vitrina)')
    .option('--force', 'promote even when no model store has the version')
    .action((version: string, o: { reason?: string; modelName?: string; force?: boolean }) => {
      const config = loadConfig();
      const identity = verifyCliAdmin(config.settings);
      return withRuntime('vitrina-models', async (rt) => {
        await ensureMlopsTopics(rt.kafka);
        const event = await promoteByHand({ ...rt, cacheDir: rt.config.cacheDir }, { version, modelName: modelNameOf(o, rt), identity, reason: o.reason, force: o.force });
        say(`${event.version} is the champion of ${event.modelName} (was ${event.previousVersion ?? 'none'}), promoted by ${identity}`);
      }, config);
    });

  models
    .command('rollback')
    .description('return to the previous champion (needs VITRINA_ADMIN_TOKEN and its sha256 in VITRINA_ADMIN_TOKEN_SHA256)')
    .option('--reason <text>', 'why, recorded in the event')
    .option('--model-name <name>', 'the model (default VITRINA_MODEL_NAME or vitrina)')
    .action((o: { reason?: string; modelName?: string }) => {
      const config = loadConfig();
      const identity = verifyCliAdmin(config.settings);
      return withRuntime('vitrina-models', async (rt) => {
        await ensureMlopsTopics(rt.kafka);
        const event = await rollbackByHand({ ...rt, cacheDir: rt.config.cacheDir }, { modelName: modelNameOf(o, rt), identity, reason: o.reason });
        say(`rolled back ${event.modelName}: ${event.previousVersion} → ${event.version} (by ${identity})`);
      }, config);
    });
}
