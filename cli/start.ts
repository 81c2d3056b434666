// `vitrina start`: the quick start's main job. Brings the local stack up, starts the whole system
// (model server, processors, gateway with the web UI), ingests the dataset, waits until every
// product is embedded and searchable, prints the address and keeps serving until Ctrl-C
// (or exits with --once).
import type { Command } from 'commander';
import { LocalDataset } from '../processors/ingest/dataset.ts';
import { ingest } from '../processors/ingest/ingest.ts';
import { SearchCore } from '../projections/embeddings/search.ts';
import { loadConfig } from '../platform/config.ts';
import { groupLag, totalLag } from '../streams/lag.ts';
import { stopOnSignals } from '../streams/shutdown.ts';
import { stackEnv, up } from '../stack/manager.ts';
import { printIngestReport } from './ingest.ts';
import { createRuntime, type Runtime } from '../runtime/runtime.ts';
import { SERVED, startAll } from './serve-all.ts';

const say = (line: string): void => void process.stdout.write(`${line}\n`);

async function lagOfServed(rt: Runtime): Promise<number> {
  const admin = rt.kafka.admin();
  await admin.connect();
  try {
    let lag = 0;
    for (const p of SERVED.filter((s) => s.processor !== 'dispatcher')) lag += totalLag(await groupLag(admin, p.groupId, p.topics));
    return lag;
  } finally {
    await admin.disconnect();
  }
}

export function registerStart(program: Command): void {
  program
    .command('start')
    .description('bring the local stack up, ingest and embed the dataset, and serve search with the web UI')
    .option('--dataset <dir>', 'dataset folder (default: VITRINA_DATASET_DIR or ../shared/data/fashion-small)')
    .option('--limit <n>', 'only the first N rows', (v) => Number(v))
    .option('--once', 'exit when the catalog is searchable instead of serving')
    .action(async (opts: { dataset?: string; limit?: number; once?: boolean }) => {
      const began = Date.now();
      await up({ log: say });
      // The environment, read once, with the addresses of the stack just brought up; every part gets it.
      const config = loadConfig({ ...process.env, ...stackEnv() });
      const system = await startAll({ log: say, config });
      const runtime = createRuntime('vitrina-start', config);
      try {
        const dataset = new LocalDataset(opts.dataset ?? config.datasetDir);
        say(`ingesting ${dataset.dir}`);
        let last = 0;
        const report = await ingest(dataset, runtime, {
          limit: opts.limit,
          onProgress: (p) => {
            if (Date.now() - last > 5000) {
              last = Date.now();
              say(`  ingest ${p.done}/${p.total} rows, ${p.emitted} events emitted`);
            }
          },
        });
        printIngestReport(report);
        say('embedding the catalog (progress: consumer lag of the embedder and projectors)');
        const search = new SearchCore(runtime.db);
        for (let lag = await lagOfServed(runtime); lag > 0 || !(await search.liveVersion().catch(() => undefined)); lag = await lagOfServed(runtime)) {
          if (Date.now() - last > 5000) {
            last = Date.now();
            say(`  ${lag} events still to process`);
          }
          await new Promise((r) => setTimeout(r, 1000));
        }
        const { rows } = await runtime.db.query<{ n: string }>('SELECT count(*) AS n FROM products');
        say(`${rows[0]!.n} products searchable with model ${await search.liveVersion()} after ${((Date.now() - began) / 1000).toFixed(0)} s`);
      } finally {
        await runtime.close();
      }
      if (opts.once) {
        await system.stop();
        return;
      }
      say(`Vitrina is serving on ${system.url}/ — open it in a browser (Ctrl-C stops; the stack keeps running: npx vitrina stack down)`);
      stopOnSignals(system);
    });
}
