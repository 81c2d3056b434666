// `vitrina processor <name>` runs one processor in the foreground; `vitrina replay <projection>`
// rebuilds a projection from its topics.
import type { Command } from 'commander';
import { createEmbedder } from '../processors/embedder/embedder.ts';
import { StoredEmbeddings } from '../projections/embeddings/known.ts';
import { embeddingsProjection } from '../projections/embeddings/projection.ts';
import { modelRegistryProjection } from '../projections/model-registry/projection.ts';
import { createProjector } from '../projections/projector.ts';
import type { Projection } from '../projections/projection.ts';
import { pipelineProjection } from '../projections/pipeline/projection.ts';
import { productsProjection } from '../projections/products/projection.ts';
import { uploadsProjection } from '../projections/uploads/projection.ts';
import { replay } from '../projections/replay.ts';
import { createEncoderClient } from '../proto/client.ts';
import { stopOnSignals } from '../streams/shutdown.ts';
import { mlopsProcessorFactories } from '../runtime/mlops-processors.ts';
import { createDispatcher } from './dispatcher.ts';
import { createRuntime, type Runnable, type Runtime } from '../runtime/runtime.ts';

export const projections: Record<string, Projection> = {
  products: productsProjection,
  embeddings: embeddingsProjection,
  'model-registry': modelRegistryProjection,
  pipeline: pipelineProjection,
  uploads: uploadsProjection,
};


export interface RunOptions {
  group?: string;
  maxBatch?: number;
  modelVersion?: string;
}

export const processors: Record<string, (runtime: Runtime, options: RunOptions) => Runnable> = {
  'projector.products': (rt, o) => createProjector(productsProjection, rt, { groupId: o.group, maxBatch: o.maxBatch }),
  'projector.embeddings': (rt, o) => createProjector(embeddingsProjection, rt, { groupId: o.group, maxBatch: o.maxBatch }),
  embedder: (rt, o) => {
    const encoder = createEncoderClient(rt.config.modelServerAddress);
    const embedder = createEmbedder({ ...rt, encoder, known: new StoredEmbeddings(rt.db) }, { groupId: o.group, maxBatch: o.maxBatch, modelVersion: o.modelVersion, modelName: rt.config.settings.VITRINA_MODEL_NAME });
    return {
      start: () => embedder.start(),
      stop: async () => {
        await embedder.stop();
        encoder.close();
      },
    };
  },
  'projector.pipeline': (rt, o) => createProjector(pipelineProjection, rt, { groupId: o.group, maxBatch: o.maxBatch }),
  'projector.uploads': (rt, o) => createProjector(uploadsProjection, rt, { groupId: o.group, maxBatch: o.maxBatch }),
  dispatcher: (rt, o) => createDispatcher(rt, o.group),
  ...mlopsProcessorFactories,
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
    .option('--model-version <version>', 'embedder: embed for this model version only (default: the champion)')
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
        process.stdout.write(`${name}: generation ${result.generation} is live (was ${result.previous ?? 'none'}); ${result.events} events in ${result.seconds.toFixed(1)} s (${result.eventsPerSecond.toFixed(0)} events/s), ${result.skipped} poison events skipped (as the live projector dead-letters them)\n`);
      } finally {
        await runtime.close();
      }
    });
}
