// The gateway as users see it: search (startGateway) plus the web UI, the pipeline page's routes
// (the stream status of the processors below) and the model registry's routes and GraphQL fields.
// `serve all` mounts it beside the processors in one process; `serve gateway` mounts it alone, for
// the production layout where the processors run as processes of their own.
import type { BuildOptions } from '../gateway/app.ts';
import { pipelineRoutes } from '../gateway/plugins/pipeline.ts';
import { uiPlugin } from '../gateway/ui/plugin.ts';
import type { Runtime } from '../runtime/runtime.ts';
import { groupIdOf } from '../streams/processor.ts';
import { kafkaStreamStatus, type ProcessorGroup } from '../streams/status.ts';
import { topics } from '../streams/topics.ts';
import { adminGraphqlExtensions, adminPlugins } from './admin-plugins.ts';

/** The processors of the pipeline page, with the topics each consumer group reads (for the lag view). */
export const SERVED: ProcessorGroup[] = [
  { processor: 'projector.products', groupId: groupIdOf('projector.products'), topics: [topics.products.name] },
  { processor: 'embedder', groupId: groupIdOf('embedder'), topics: [topics.products.name, topics.promotions.name] },
  { processor: 'projector.embeddings', groupId: groupIdOf('projector.embeddings'), topics: [topics.embeddings.name, topics.promotions.name] },
  { processor: 'dispatcher', groupId: groupIdOf('dispatcher'), topics: [topics.uploads.name] },
  { processor: 'projector.pipeline', groupId: groupIdOf('projector.pipeline'), topics: [topics.predictions.name, topics.deadLetter.name] },
];

/** The web UI, pipeline, models and admin parts of the gateway, over the runtime's database and Kafka. */
export function fullGateway(runtime: Runtime): BuildOptions {
  return {
    plugins: [
      { plugin: uiPlugin },
      { plugin: pipelineRoutes, prefix: '/api/v1', options: { db: runtime.db, streams: kafkaStreamStatus(runtime.kafka, SERVED) } },
      ...adminPlugins(runtime),
    ],
    graphqlExtensions: adminGraphqlExtensions(runtime),
  };
}
