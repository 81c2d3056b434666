// The gateway plugins of the MLOps loop (model registry, training runs, promote/rollback), wired
// here so `serve all` mounts them next to search; the commands publish the loop's events.
import type { GatewayPlugin } from '../gateway/app.ts';
import { registryGraphql } from '../gateway/graphql/registry.ts';
import type { GraphqlExtension } from '../gateway/plugins/graphql.ts';
import { modelRoutes, type ModelCommands } from '../gateway/plugins/models.ts';
import { adminGuard } from '../mlops/admin-token.ts';
import type { Settings } from '../platform/env-table.ts';
import { promoteByHand, rollbackByHand } from '../mlops/promotions.ts';
import { requestTraining } from '../mlops/requests.ts';
import type { Runtime } from '../runtime/runtime.ts';

/** The routes for the model `settings` names (VITRINA_MODEL_NAME), guarded by its VITRINA_ADMIN_TOKEN; default: the runtime's settings. */
export function adminPlugins(rt: Runtime, settings: Settings = rt.config.settings): GatewayPlugin[] {
  const modelName = settings.VITRINA_MODEL_NAME;
  const deps = { kafka: rt.kafka, producer: rt.producer, s3: rt.s3, cacheDir: rt.config.cacheDir };
  const commands: ModelCommands = {
    requestTraining: async (input) => ({ runId: (await requestTraining(rt.producer, { ...input, modelName })).runId }),
    promote: (input) => promoteByHand(deps, { ...input, modelName }),
    rollback: (input) => rollbackByHand(deps, { ...input, modelName }),
  };
  // A weak VITRINA_ADMIN_TOKEN stops the start here, with the reason.
  return [{ plugin: modelRoutes, prefix: '/api/v1', options: { db: rt.db, modelName, commands, admin: adminGuard(settings.VITRINA_ADMIN_TOKEN) } }];
}

/** The model registry's fields on the one GraphQL endpoint, over the same queries as the routes above. */
export function adminGraphqlExtensions(rt: Runtime, settings: Settings = rt.config.settings): GraphqlExtension[] {
  return [registryGraphql({ db: rt.db, modelName: settings.VITRINA_MODEL_NAME })];
}
