// The model registry in GraphQL: versions with their lineage (base model, adapter, training run,
// data split), metrics history, promotions, the current champion and the training runs, resolved
// by the same read queries as the REST routes (projections/model-registry/queries.ts). Added to
// the one /graphql endpoint as a GraphqlExtension, so the depth and cost limits apply to it too:
// list fields multiply the cost of their selection by `limit`, and each field weighs the database
// queries its resolver runs (WEIGHTS.dbQuery each): a version's detail is three (the version, its
// evaluations, its promotions), the champion two more, a run one. A detail field of a version or
// run from a list re-reads that detail, so it is priced as the read.
import type { IResolvers } from 'mercurius';
import type { Db } from '../../projections/db.ts';
import {
  championOf,
  getModel,
  getTrainingRun,
  listModels,
  listTrainingRuns,
  type ModelDetail,
  type ModelSummary,
  type TrainingRunDetail,
  type TrainingRunSummary,
} from '../../projections/model-registry/queries.ts';
import { badRequest } from '../errors.ts';
import { WEIGHTS } from './limits.ts';
import type { GraphqlExtension } from '../plugins/graphql.ts';

export const MAX_REGISTRY_LIMIT = 100;

/** What each read costs, in the database queries it runs (projections/model-registry/queries.ts). */
const MODEL_DETAIL = 3 * WEIGHTS.dbQuery; // getModel: the version, its evaluations, its promotions
const CHAMPION = 2 * WEIGHTS.dbQuery; // championOf: the champion, the promotions
const MODEL_LIST = 2 * WEIGHTS.dbQuery; // listModels: the champions, the versions
const RUN = WEIGHTS.dbQuery; // getTrainingRun, listTrainingRuns: one query

export const registryTypeDefs = /* GraphQL */ `
"A named number: a metric, a loss."
type Metric {
  name: String!
  value: Float!
}

"A named string: a parameter, an artifact's object key."
type Entry {
  key: String!
  value: String!
}

"Where a model version comes from."
type Lineage {
  "the version whose encoders it adapts (null for a base model)"
  baseVersion: String
  "the training run that made it"
  trainingRunId: String
  "the object key of the train/test split it was trained on"
  splitManifestKey: String
  datasetSnapshot: String
  "the adapter's files: name and object key in the models bucket"
  adapter: [Entry!]
}

"The paired difference challenger − champion of one metric on the same test queries, with its seeded bootstrap bounds."
type MetricInterval {
  metric: String!
  champion: Float!
  challenger: Float!
  "challenger − champion"
  difference: Float!
  "one-sided lower bound at confidence"
  low: Float!
  "one-sided upper bound at confidence"
  high: Float!
  confidence: Float!
  "standard deviation of the per-query differences"
  sdDifference: Float!
  queries: Int!
  "queries where the challenger scored higher"
  improved: Int!
  "queries where the challenger scored lower"
  worsened: Int!
  "exact two-sided McNemar p-value (0/1 metrics only)"
  mcnemarP: Float
  resamples: Int!
  seed: Float!
}

"One evaluation of a version on a test split."
type Evaluation {
  evaluationId: String!
  runId: String
  "champion or challenger"
  role: String!
  baselineVersion: String
  splitManifestKey: String
  queries: Int!
  metrics: [Metric!]!
  parameters: [Entry!]!
  durationMs: Float!
  error: String
  completedAt: String!
  "a challenger's paired intervals against the champion (empty for a champion)"
  intervals: [MetricInterval!]!
}

"A ModelPromoted: by the promoter, by hand or a rollback."
type Promotion {
  "position in the promotions log"
  position: Int!
  version: String!
  previousVersion: String
  reason: String!
  promotedBy: String!
  promotedAt: String!
}

type ModelVersion {
  version: String!
  modelName: String!
  "champion, retired (was champion), candidate, rejected, or known (named by a run or promotion only)"
  status: String!
  createdAt: String
  lineage: Lineage!
  "the newest evaluation's metrics; null when never evaluated"
  latestMetrics: [Metric!]
  latestEvaluationId: String
  "training parameters"
  parameters: [Entry!] @cost(weight: ${MODEL_DETAIL})
  "the metrics history, oldest first"
  evaluations: [Evaluation!]! @cost(weight: ${MODEL_DETAIL})
  "the promotions to and from this version, oldest first"
  promotions: [Promotion!]! @cost(weight: ${MODEL_DETAIL})
  "the training run that made it"
  trainingRun: TrainingRun @cost(weight: ${RUN})
}

type Split {
  key: String
  catalogKey: String
  catalogSize: Int
  catalogFingerprint: String
  catalogSource: String
  testDrawnFrom: String
  testEligible: Int
  classCounts: [ClassCount!]!
}

type ClassCount {
  articleType: String!
  train: Int!
  test: Int!
}

type CurvePoint {
  epoch: Int!
  loss: Float!
  pairsPerSecond: Float!
  temperature: Float!
  seconds: Float!
}

"One check of the promotion rule, with the interval it read."
type DecisionCheck {
  metric: String
  "better: the lower bound must exceed threshold; noWorse: the lower bound must be at least threshold"
  kind: String
  margin: Float
  challenger: Float
  champion: Float
  passed: Boolean
  "challenger − champion"
  difference: Float
  low: Float
  high: Float
  threshold: Float
  "the smallest difference the test split detects at the decision's confidence and power"
  minDetectable: Float
  mcnemarP: Float
  note: String
}

"What going live costs: the catalog re-embedded by the new champion."
type SwitchCost {
  products: Float!
  "the embedder's measured rate (products per second); null when none is known"
  perSecond: Float
  minutes: Float
  rateSource: String!
}

type Decision {
  "PROMOTE or REJECT"
  decision: String!
  "promote, reject or inconclusive (not promoted: the split cannot detect the minimum effect)"
  outcome: String
  reason: String
  rule: String
  checks: [DecisionCheck!]!
  decidedAt: String
  "one-sided confidence of every bound"
  confidence: Float
  "the least gain of a deciding metric worth a switch"
  minEffect: Float
  power: Float
  "test queries both models were compared on"
  queries: Int
  cost: SwitchCost
}

type TrainingRun {
  runId: String!
  modelName: String!
  "requested, training, trained, evaluated, promoted, rejected or failed"
  status: String!
  requestedAt: String
  requestedBy: String
  seed: Int
  testFraction: Float
  baseVersion: String
  modelVersion: String
  datasetSnapshot: String
  trainSize: Int
  testSize: Int
  finalLoss: Float
  error: String
  updatedAt: String
  parameters: [Entry!] @cost(weight: ${RUN})
  trainingParameters: [Entry!] @cost(weight: ${RUN})
  split: Split! @cost(weight: ${RUN})
  curve: [CurvePoint!]! @cost(weight: ${RUN})
  trainingMetrics: [Metric!] @cost(weight: ${RUN})
  durationMs: Float @cost(weight: ${RUN})
  "the promoter's decision; null until decided"
  decision: Decision @cost(weight: ${RUN})
  "the version it trained"
  model: ModelVersion @cost(weight: ${MODEL_DETAIL})
}

extend type Query {
  "the champion of a model (default: the gateway's model name); null before any promotion"
  champion(modelName: String): ModelVersion @cost(weight: ${CHAMPION + MODEL_DETAIL})
  "model versions, newest first"
  modelVersions(modelName: String, status: String, limit: Int = 20, offset: Int = 0): [ModelVersion!]! @cost(weight: ${MODEL_LIST}, multiplier: "limit")
  "one version of a model (default: the gateway's model name); null if unknown"
  modelVersion(version: String!, modelName: String): ModelVersion @cost(weight: ${MODEL_DETAIL})
  "the promotions of a model, oldest first"
  promotions(modelName: String): [Promotion!]! @cost(weight: ${CHAMPION})
  "training runs, newest first"
  trainingRuns(modelName: String, status: String, limit: Int = 20, offset: Int = 0): [TrainingRun!]! @cost(weight: ${RUN}, multiplier: "limit")
  "one training run; null if unknown"
  trainingRun(runId: String!): TrainingRun @cost(weight: ${RUN})
}
`;

export interface RegistryGraphqlOptions {
  db: Db;
  /** The model name meant when a query names none. */
  modelName: string;
}

interface ListArgs {
  modelName?: string | null;
  status?: string | null;
  limit?: number | null;
  offset?: number | null;
}

const entries = (record: Record<string, string> | null | undefined): Array<{ key: string; value: string }> | null =>
  record ? Object.entries(record).map(([key, value]) => ({ key, value: String(value) })) : null;
const metrics = (record: Record<string, number> | null | undefined): Array<{ name: string; value: number }> | null =>
  record ? Object.entries(record).map(([name, value]) => ({ name, value: Number(value) })) : null;

function listPage(args: ListArgs): { limit: number; offset: number } {
  const limit = args.limit ?? 20;
  const offset = args.offset ?? 0;
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_REGISTRY_LIMIT) throw badRequest(`limit must be an integer from 1 to ${MAX_REGISTRY_LIMIT}, got ${limit}`);
  if (!Number.isInteger(offset) || offset < 0) throw badRequest(`offset must be a non-negative integer, got ${offset}`);
  return { limit, offset };
}

const isDetail = (model: ModelSummary): model is ModelDetail => 'evaluations' in model;
const isRunDetail = (run: TrainingRunSummary): run is TrainingRunDetail => 'curve' in run;

/** The registry's GraphQL schema and resolvers over the model-registry projection. */
export function registryGraphql({ db, modelName }: RegistryGraphqlOptions): GraphqlExtension {
  const nameOf = (args: { modelName?: string | null }): string => args.modelName ?? modelName;
  const detail = async (model: ModelSummary): Promise<ModelDetail | undefined> => (isDetail(model) ? model : getModel(db, model.version, model.modelName));
  const runDetail = async (run: TrainingRunSummary): Promise<TrainingRunDetail | undefined> => (isRunDetail(run) ? run : getTrainingRun(db, run.runId));

  const resolvers: IResolvers = {
    Query: {
      champion: async (_root, args: { modelName?: string | null }) => {
        const name = nameOf(args);
        const { champion } = await championOf(db, name);
        return champion === null ? null : ((await getModel(db, champion, name)) ?? null);
      },
      modelVersions: async (_root, args: ListArgs) => (await listModels(db, { modelName: nameOf(args), status: args.status ?? undefined, ...listPage(args) })).models,
      modelVersion: async (_root, args: { version: string; modelName?: string | null }) => (await getModel(db, args.version, nameOf(args))) ?? null,
      promotions: async (_root, args: { modelName?: string | null }) => (await championOf(db, nameOf(args))).promotions,
      trainingRuns: async (_root, args: ListArgs) => (await listTrainingRuns(db, { modelName: nameOf(args), status: args.status ?? undefined, ...listPage(args) })).runs,
      trainingRun: async (_root, args: { runId: string }) => (await getTrainingRun(db, args.runId)) ?? null,
    },
    ModelVersion: {
      lineage: (model: ModelSummary) => ({ ...model.lineage, trainingRunId: model.lineage.trainingRun, adapter: entries(model.lineage.adapter) }),
      latestMetrics: (model: ModelSummary) => metrics(model.latestMetrics),
      parameters: async (model: ModelSummary) => entries((await detail(model))?.parameters),
      evaluations: async (model: ModelSummary) =>
        ((await detail(model))?.evaluations ?? []).map((e) => ({ ...e, metrics: metrics(e.metrics) ?? [], parameters: entries(e.parameters) ?? [], intervals: e.intervals ?? [] })),
      promotions: async (model: ModelSummary) => (await detail(model))?.promotions ?? [],
      trainingRun: async (model: ModelSummary) => (model.lineage.trainingRun ? ((await getTrainingRun(db, model.lineage.trainingRun)) ?? null) : null),
    },
    TrainingRun: {
      parameters: async (run: TrainingRunSummary) => entries((await runDetail(run))?.parameters),
      trainingParameters: async (run: TrainingRunSummary) => entries((await runDetail(run))?.trainingParameters),
      split: async (run: TrainingRunSummary) => {
        const split = (await runDetail(run))?.split;
        return split ?? { key: null, catalogKey: null, catalogSize: null, catalogFingerprint: null, catalogSource: null, testDrawnFrom: null, testEligible: null, classCounts: [] };
      },
      curve: async (run: TrainingRunSummary) => (await runDetail(run))?.curve ?? [],
      trainingMetrics: async (run: TrainingRunSummary) => metrics((await runDetail(run))?.trainingMetrics),
      durationMs: async (run: TrainingRunSummary) => (await runDetail(run))?.durationMs ?? null,
      decision: async (run: TrainingRunSummary) => {
        if (!run.decision) return null;
        const d = (await runDetail(run))?.decisionDetail;
        const evidence = d?.evidence;
        return {
          decision: run.decision,
          outcome: d?.outcome ?? null,
          reason: run.reason,
          rule: d?.rule ?? null,
          checks: d?.checks ?? [],
          decidedAt: d?.decidedAt ?? null,
          confidence: evidence?.confidence ?? null,
          minEffect: evidence?.minEffect ?? null,
          power: evidence?.power ?? null,
          queries: evidence?.queries ?? null,
          cost: evidence?.cost ?? null,
        };
      },
      model: async (run: TrainingRunSummary) => (run.modelVersion ? ((await getModel(db, run.modelVersion, run.modelName)) ?? null) : null),
    },
  };
  return { typeDefs: registryTypeDefs, resolvers };
}
