// The model registry read model, fed by the MLOps loop's log topics: training runs and their
// status, model versions with their lineage (base version, adapter artifacts, training run, data
// split), every evaluation (metrics history), every promotion and the current champion of each
// model name. Rebuilt like every projection: `npx vitrina replay model-registry`.
import type { EvaluationCompleted, ModelPromoted, PromotionDecided, TrainingRunCompleted, TrainingRunPrepared, TrainingRunRequested } from '../../schemas/types.generated.ts';
import { topics } from '../../streams/topics.ts';
import type { Projection } from '../projection.ts';
import { applyCompleted, applyDecision, applyEvaluation, applyPrepared, applyPromotion, applyRequested } from './apply-events.ts';
import { createRegistryTables, REGISTRY_TABLES, tableName, upgradeRegistryTables } from './schema.ts';

export const modelRegistryProjection: Projection = {
  name: 'model-registry',
  topics: [topics.trainingRequested.name, topics.trainingPrepared.name, topics.trainingCompleted.name, topics.evaluations.name, topics.promotionDecisions.name, topics.promotions.name],
  tables: [...REGISTRY_TABLES],

  create: (client, generation) => createRegistryTables(client, generation),

  async apply(client, generation, batch) {
    await upgradeRegistryTables(client, generation);
    for (const m of batch) {
      switch (m.topic) {
        case topics.trainingRequested.name:
          await applyRequested(client, generation, m.value as TrainingRunRequested);
          break;
        case topics.trainingPrepared.name:
          await applyPrepared(client, generation, m.value as TrainingRunPrepared);
          break;
        case topics.trainingCompleted.name:
          await applyCompleted(client, generation, m.value as TrainingRunCompleted);
          break;
        case topics.evaluations.name:
          await applyEvaluation(client, generation, m.value as EvaluationCompleted);
          break;
        case topics.promotionDecisions.name:
          await applyDecision(client, generation, m.value as PromotionDecided);
          break;
        case topics.promotions.name:
          await applyPromotion(client, generation, m.value as ModelPromoted, BigInt(m.offset));
          break;
        default:
          throw new Error(`model-registry: unexpected topic ${m.topic}`);
      }
    }
  },

  async finish(client, generation) {
    await client.query(`CREATE INDEX IF NOT EXISTS ${`"training_runs_g${generation}_model"`} ON ${tableName('training_runs', generation)} (model_name, requested_at)`);
    await client.query(`CREATE INDEX IF NOT EXISTS ${`"model_evaluations_g${generation}_version"`} ON ${tableName('model_evaluations', generation)} (model_name, model_version, completed_at)`);
  },
};
