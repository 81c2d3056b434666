// `vitrina start`: the quick start's main job. Brings the local stack up, runs the products
// projector, ingests the dataset, waits until the projection has caught up, prints a summary and
// keeps the processors running until Ctrl-C (or exits with --once).
import type { Command } from 'commander';
import { LocalDataset } from '../processors/ingest/dataset.ts';
import { ingest } from '../processors/ingest/ingest.ts';
import { createProjector } from '../projections/projector.ts';
import { productsProjection } from '../projections/products/projection.ts';
import { loadConfig } from '../streams/config.ts';
import { totalLag } from '../streams/lag.ts';
import { stopOnSignals } from '../streams/shutdown.ts';
import { stackEnv, up } from '../stack/manager.ts';
import { printIngestReport } from './ingest.ts';
import { createRuntime } from './runtime.ts';

const say = (line: string): void => void process.stdout.write(`${line}\n`);

export function registerStart(program: Command): void {
  program
    .command('start')
    .description('bring the local stack up, ingest the dataset into the products projection, and keep the processors running')
    .option('--dataset <dir>', 'dataset folder (default: VITRINA_DATASET_DIR or ../shared/data/fashion-small)')
    .option('--limit <n>', 'only the first N rows', (v) => Number(v))
    .option('--once', 'exit when the job is done instead of serving')
    .action(async (opts: { dataset?: string; limit?: number; once?: boolean }) => {
      await up({ log: say });
      Object.assign(process.env, stackEnv());
      const config = loadConfig();
      const runtime = createRuntime('vitrina-start', config);
      const projector = createProjector(productsProjection, runtime);
      await projector.start();
      const dataset = new LocalDataset(opts.dataset ?? config.datasetDir);
      say(`ingesting ${dataset.dir}`);
      let last = 0;
      const report = await ingest(dataset, runtime, {
        limit: opts.limit,
        onProgress: (p) => {
          if (Date.now() - last > 5000) {
            last = Date.now();
            say(`  ${p.done}/${p.total} rows, ${p.emitted} events emitted`);
          }
        },
      });
      printIngestReport(report);
      while (totalLag(await projector.lag()) > 0) await new Promise((r) => setTimeout(r, 500));
      const { rows } = await runtime.db.query<{ n: string }>('SELECT count(*) AS n FROM products');
      say(`products projection: ${rows[0]!.n} products`);
      if (opts.once) {
        await projector.stop();
        await runtime.close();
        return;
      }
      say('processors are running; Ctrl-C stops them (the stack keeps running: npx vitrina stack down)');
      stopOnSignals({ stop: async () => { await projector.stop(); await runtime.close(); } });
    });
}
