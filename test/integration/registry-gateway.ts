// A gateway with the model registry only (REST /api/v1/models..., GraphQL registry fields) for one
// model name, composed as `serve all` composes it, without model commands or an encoder (registry
// queries never call either). Closed at the end of the test.
import type { Runtime } from '../../runtime/runtime.ts';
import { buildGateway, type Gateway } from '../../gateway/app.ts';
import { registryGraphql } from '../../gateway/graphql/registry.ts';
import { modelRoutes, type ModelCommands } from '../../gateway/plugins/models.ts';
import { SearchCore } from '../../projections/embeddings/search.ts';
import { createEncoderClient } from '../../proto/client.ts';

export async function registryGateway(t: { teardown(fn: () => unknown): void }, rt: Runtime, modelName: string): Promise<Gateway> {
  const noCommands: ModelCommands = {
    requestTraining: () => Promise.reject(new Error('not in this test')),
    promote: () => Promise.reject(new Error('not in this test')),
    rollback: () => Promise.reject(new Error('not in this test')),
  };
  const encoder = createEncoderClient('127.0.0.1:1', 1000);
  t.teardown(() => encoder.close());
  const app = await buildGateway(
    { search: new SearchCore(rt.db), encoder, s3: rt.s3 },
    {
      plugins: [{ plugin: modelRoutes, prefix: '/api/v1', options: { db: rt.db, modelName, commands: noCommands, admin: undefined } }],
      graphqlExtensions: [registryGraphql({ db: rt.db, modelName })],
    },
  );
  t.teardown(() => app.close());
  return app;
}
