// `vitrina processor <name>` runs one processor in the foreground; `vitrina replay <projection>`
// rebuilds a projection from its topics.
import type { Command } from 'commander';
import { createProjector } from '../projections/projector.ts';
import type { Projection } from '../projections/projection.ts';
import { productsProjection } from '../projections/products/projection.ts';
import { replay } from '../projections/replay.ts';
import { stopOnSignals } from '../streams/shutdown.ts';
import { createRuntime, type Runtime } from './runtime.ts';

export const projections: Record<string, Projection> = {
  products: productsProjection,
};

type Runnable = { start: () => Promise<void>; stop: () => Promise<void> };

export interface RunOptions {
  group?: string;
  maxBatch?: number;
}

export const processors: Record<string, (runtime: Runtime, options: RunOptions) => Runnable> = {
  'projector.products': (rt, o) => createProjector(productsProjection, rt, { groupId: o.group, maxBatch: o.maxBatch }),
};

function pick<T>(table: Record<string, T>, name: string, what: string): T {
  const found = table[name];
  if (!found) throw new Error(`unknown ${what} "${name}"; choose from ${Object.keys(table).join(', ')}`);
  return found;
}

export function registerProcessors(program: Command): void {
  program
    .command('processor <name>')
    .description(`run one processor until SIGTERM (${Object.keys(processors).join(', ')})`)
    .option('--group <id>', 'consumer group id (default vitrina.<name>)')
    .option('--max-batch <n>', 'largest batch handed to the handler', (v) => Number(v))
    .action(async (name: string, opts: RunOptions) => {
      const make = pick(processors, name, 'processor');
      const runtime = createRuntime(`vitrina-${name}`);
      const processor = make(runtime, opts);
      stopOnSignals({ stop: async () => { await processor.stop(); await runtime.close(); } });
      await processor.start();
    });

  program
    .command('replay <projection>')
    .description(`rebuild a projection from offset 0 of its topics and swap it in atomically (${Object.keys(projections).join(', ')})`)
    .action(async (name: string) => {
      const projection = pick(projections, name, 'projection');
      const runtime = createRuntime(`vitrina-replay-${name}`);
      try {
        const result = await replay(projection, { db: runtime.db, kafka: runtime.kafka, codec: runtime.codec, log: (l) => void process.stdout.write(`${l}\n`) });
        process.stdout.write(`${name}: generation ${result.generation} is live (was ${result.previous ?? 'none'}); ${result.events} events in ${result.seconds.toFixed(1)} s (${result.eventsPerSecond.toFixed(0)} events/s), ${result.skipped} undecodable skipped\n`);
      } finally {
        await runtime.close();
      }
    });
}
