// The model registry's read API, for the gateway (GET /api/v1/models, /api/v1/models/:version,
// /api/v1/training-runs, /api/v1/training-runs/:runId) and the CLI. Plain functions over a Db that
// return JSON-ready objects; before the projection has ever run they return empty answers.
import type { MetricInterval, SwitchCost } from '../../schemas/types.generated.ts';
import { processSettings } from '../../platform/env-table.ts';
import type { Db } from '../db.ts';

export type RunStatus = 'requested' | 'training' | 'trained' | 'evaluated' | 'promoted' | 'rejected' | 'failed' | 'unknown';
export type VersionStatus = 'champion' | 'retired' | 'candidate' | 'rejected' | 'known';

export interface ModelSummary {
  version: string;
  modelName: string;
  status: VersionStatus;
  lineage: {
    baseVersion: string | null;
    trainingRun: string | null;
    splitManifestKey: string | null;
    datasetSnapshot: string | null;
    adapter: Record<string, string> | null;
  };
  createdAt: string | null;
  /** The newest evaluation's metrics (null when never evaluated). */
  latestMetrics: Record<string, number> | null;
  latestEvaluationId: string | null;
}

/** The paired difference challenger − champion of one metric with its bounds. */
export type IntervalEntry = MetricInterval;

export interface EvaluationEntry {
  evaluationId: string;
  runId: string | null;
  role: string;
  baselineVersion: string | null;
  splitManifestKey: string | null;
  queries: number;
  metrics: Record<string, number>;
  parameters: Record<string, string>;
  durationMs: number;
  error: string | null;
  completedAt: string;
  /** A challenger's paired intervals against the champion (empty for a champion and older evaluations). */
  intervals: IntervalEntry[];
}

export interface PromotionEntry {
  position: number;
  version: string;
  previousVersion: string | null;
  reason: string;
  promotedBy: string;
  promotedAt: string;
}

export interface ModelDetail extends ModelSummary {
  parameters: Record<string, string> | null;
  evaluations: EvaluationEntry[];
  promotions: PromotionEntry[];
}

export interface TrainingRunSummary {
  runId: string;
  modelName: string;
  status: RunStatus;
  requestedAt: string | null;
  requestedBy: string | null;
  seed: number | null;
  testFraction: number | null;
  baseVersion: string | null;
  modelVersion: string | null;
  datasetSnapshot: string | null;
  trainSize: number | null;
  testSize: number | null;
  finalLoss: number | null;
  decision: string | null;
  /** promote, reject or inconclusive (not promoted: the split could not detect the minimum effect). */
  outcome: string | null;
  reason: string | null;
  error: string | null;
  updatedAt: string | null;
}

/** What going live costs. */
export type SwitchCostEntry = SwitchCost;

/** How the decision weighed the evidence. */
export interface DecisionEvidence {
  confidence: number | null;
  minEffect: number | null;
  power: number | null;
  queries: number | null;
  cost: SwitchCostEntry | null;
}

export interface TrainingRunDetail extends TrainingRunSummary {
  parameters: Record<string, string> | null;
  trainingParameters: Record<string, string> | null;
  split: { key: string | null; catalogKey: string | null; catalogSize: number | null; catalogFingerprint: string | null; catalogSource: string | null; testDrawnFrom: string | null; testEligible: number | null; classCounts: Array<{ articleType: string; train: number; test: number }> };
  curve: Array<{ epoch: number; loss: number; pairsPerSecond: number; temperature: number; seconds: number }>;
  trainingMetrics: Record<string, number> | null;
  artifacts: Record<string, string> | null;
  durationMs: number | null;
  evaluation: { evaluationId: string | null; evaluatedAt: string | null; error: string | null };
  decisionDetail: { rule: string | null; checks: unknown[]; decidedAt: string | null; outcome: string | null; evidence: DecisionEvidence | null };
}

export interface ListOptions {
  modelName?: string;
  status?: string;
  limit?: number;
  offset?: number;
}

const UNDEFINED_TABLE = '42P01';

async function orEmpty<T>(work: () => Promise<T>, empty: T): Promise<T> {
  try {
    return await work();
  } catch (err) {
    if ((err as { code?: string }).code === UNDEFINED_TABLE) return empty;
    throw err;
  }
}

const iso = (d: Date | null | undefined): string | null => (d ? d.toISOString() : null);
const page = (o: ListOptions): [number, number] => [Math.min(Math.max(o.limit ?? 50, 1), 500), Math.max(o.offset ?? 0, 0)];

interface VersionRow {
  version: string;
  model_name: string;
  base_version: string | null;
  run_id: string | null;
  artifacts: Record<string, string> | null;
  split_key: string | null;
  dataset_snapshot: string | null;
  parameters: Record<string, string> | null;
  created_at: Date | null;
  champion: string | null;
  was_champion: boolean;
  decision: string | null;
  evaluation_id: string | null;
  metrics: Record<string, number> | null;
}

const VERSION_SELECT = `
  SELECT v.*, c.version AS champion,
         EXISTS (SELECT 1 FROM model_promotions p WHERE p.model_name = v.model_name AND p.version = v.version) AS was_champion,
         r.decision, e.evaluation_id, e.metrics
  FROM model_versions v
  LEFT JOIN model_champions c ON c.model_name = v.model_name AND c.version = v.version
  LEFT JOIN training_runs r ON r.run_id = v.run_id
  LEFT JOIN LATERAL (SELECT evaluation_id, metrics FROM model_evaluations e WHERE e.model_name = v.model_name AND e.model_version = v.version AND e.error IS NULL ORDER BY completed_at DESC, evaluation_id DESC LIMIT 1) e ON true`;

function versionStatus(row: VersionRow): VersionStatus {
  if (row.champion) return 'champion';
  if (row.was_champion) return 'retired';
  if (row.decision === 'REJECT') return 'rejected';
  if (row.run_id) return 'candidate';
  return 'known';
}

function toSummary(row: VersionRow): ModelSummary {
  return {
    version: row.version,
    modelName: row.model_name,
    status: versionStatus(row),
    lineage: { baseVersion: row.base_version, trainingRun: row.run_id, splitManifestKey: row.split_key, datasetSnapshot: row.dataset_snapshot, adapter: row.artifacts },
    createdAt: iso(row.created_at),
    latestMetrics: row.metrics,
    latestEvaluationId: row.evaluation_id,
  };
}

/** GET /api/v1/models: the versions (newest first) and the champion of each model name. */
export async function listModels(db: Db, options: ListOptions = {}): Promise<{ champions: Record<string, string>; models: ModelSummary[]; limit: number; offset: number }> {
  const [limit, offset] = page(options);
  return orEmpty(
    async () => {
      const champions = await db.query<{ model_name: string; version: string }>(`SELECT model_name, version FROM model_champions ${options.modelName ? 'WHERE model_name = $1' : ''} ORDER BY model_name`, options.modelName ? [options.modelName] : []);
      const params: unknown[] = [];
      const where: string[] = [];
      if (options.modelName) where.push(`v.model_name = $${params.push(options.modelName)}`);
      const { rows } = await db.query<VersionRow>(
        `${VERSION_SELECT} ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY v.created_at DESC NULLS LAST, v.version LIMIT $${params.push(limit)} OFFSET $${params.push(offset)}`,
        params,
      );
      let models = rows.map(toSummary);
      if (options.status) models = models.filter((m) => m.status === options.status);
      return { champions: Object.fromEntries(champions.rows.map((r) => [r.model_name, r.version])), models, limit, offset };
    },
    { champions: {}, models: [], limit, offset },
  );
}

/** The model name a query means when it names none: the process's VITRINA_MODEL_NAME ("vitrina"). */
export function defaultModelName(): string {
  return processSettings().VITRINA_MODEL_NAME;
}

/** GET /api/v1/models/:version: lineage, every evaluation (metrics history) and its promotions. */
export async function getModel(db: Db, version: string, modelName: string = defaultModelName()): Promise<ModelDetail | undefined> {
  return orEmpty(async () => {
    const { rows } = await db.query<VersionRow>(`${VERSION_SELECT} WHERE v.model_name = $1 AND v.version = $2`, [modelName, version]);
    const row = rows[0];
    if (!row) return undefined;
    const evaluations = await db.query<{ evaluation_id: string; run_id: string | null; role: string; baseline_version: string | null; split_key: string | null; queries: number; metrics: Record<string, number>; parameters: Record<string, string>; duration_ms: string; error: string | null; completed_at: Date; intervals?: IntervalEntry[] | null }>(
      `SELECT * FROM model_evaluations WHERE model_name = $1 AND model_version = $2 ORDER BY completed_at, evaluation_id`,
      [modelName, version],
    );
    const promotions = await db.query<{ position: string; version: string; previous_version: string | null; reason: string; promoted_by: string; promoted_at: Date }>(
      `SELECT * FROM model_promotions WHERE model_name = $1 AND (version = $2 OR previous_version = $2) ORDER BY position`,
      [row.model_name, version],
    );
    return {
      ...toSummary(row),
      parameters: row.parameters,
      evaluations: evaluations.rows.map((e) => ({
        evaluationId: e.evaluation_id,
        runId: e.run_id,
        role: e.role,
        baselineVersion: e.baseline_version,
        splitManifestKey: e.split_key,
        queries: e.queries,
        metrics: e.metrics,
        parameters: e.parameters,
        durationMs: Number(e.duration_ms),
        error: e.error,
        completedAt: e.completed_at.toISOString(),
        intervals: e.intervals ?? [],
      })),
      promotions: promotions.rows.map(toPromotion),
    };
  }, undefined);
}

function toPromotion(p: { position: string; version: string; previous_version: string | null; reason: string; promoted_by: string; promoted_at: Date }): PromotionEntry {
  return { position: Number(p.position), version: p.version, previousVersion: p.previous_version, reason: p.reason, promotedBy: p.promoted_by, promotedAt: p.promoted_at.toISOString() };
}

/** The champion of a model name per the registry, and its promotion history (oldest first). */
export async function championOf(db: Db, modelName: string = defaultModelName()): Promise<{ champion: string | null; promotions: PromotionEntry[] }> {
  return orEmpty(
    async () => {
      const c = await db.query<{ version: string }>(`SELECT version FROM model_champions WHERE model_name = $1`, [modelName]);
      const p = await db.query<{ position: string; version: string; previous_version: string | null; reason: string; promoted_by: string; promoted_at: Date }>(`SELECT * FROM model_promotions WHERE model_name = $1 ORDER BY position`, [modelName]);
      return { champion: c.rows[0]?.version ?? null, promotions: p.rows.map(toPromotion) };
    },
    { champion: null, promotions: [] },
  );
}

interface RunRow {
  run_id: string;
  model_name: string;
  status: RunStatus;
  requested_at: Date | null;
  requested_by: string | null;
  seed: number | null;
  test_fraction: number | null;
  parameters: Record<string, string> | null;
  requested_base_version: string | null;
  base_version: string | null;
  dataset_snapshot: string | null;
  catalog_fingerprint: string | null;
  catalog_source: string | null;
  catalog_size: number | null;
  train_size: number | null;
  test_size: number | null;
  class_counts: Array<{ articleType: string; train: number; test: number }> | null;
  test_drawn_from: string | null;
  test_eligible: number | null;
  split_key: string | null;
  catalog_key: string | null;
  prepared_at: Date | null;
  prepare_error: string | null;
  training_status: string | null;
  model_version: string | null;
  artifacts: Record<string, string> | null;
  training_parameters: Record<string, string> | null;
  curve: TrainingRunDetail['curve'] | null;
  training_metrics: Record<string, number> | null;
  duration_ms: string | null;
  trained_at: Date | null;
  training_error: string | null;
  evaluation_id: string | null;
  evaluated_at: Date | null;
  evaluation_error: string | null;
  decision: string | null;
  decision_reason: string | null;
  decision_rule: string | null;
  decision_checks: unknown[] | null;
  decided_at: Date | null;
  /** Absent on a generation made before these columns (until the projector upgrades it). */
  decision_outcome?: string | null;
  decision_evidence?: DecisionEvidence | null;
}

function latest(...dates: Array<Date | null>): string | null {
  const times = dates.filter((d): d is Date => d !== null).map((d) => d.getTime());
  return times.length ? new Date(Math.max(...times)).toISOString() : null;
}

function toRunSummary(r: RunRow): TrainingRunSummary {
  return {
    runId: r.run_id,
    modelName: r.model_name,
    status: r.status,
    requestedAt: iso(r.requested_at),
    requestedBy: r.requested_by,
    seed: r.seed,
    testFraction: r.test_fraction,
    baseVersion: r.base_version ?? r.requested_base_version,
    modelVersion: r.model_version,
    datasetSnapshot: r.dataset_snapshot,
    trainSize: r.train_size,
    testSize: r.test_size,
    finalLoss: r.training_metrics?.finalLoss ?? null,
    decision: r.decision,
    outcome: r.decision_outcome ?? (r.decision ? r.decision.toLowerCase() : null),
    reason: r.decision_reason,
    error: r.prepare_error ?? r.training_error ?? r.evaluation_error,
    updatedAt: latest(r.requested_at, r.prepared_at, r.trained_at, r.evaluated_at, r.decided_at),
  };
}

/** GET /api/v1/training-runs: newest first, filtered by model name and status. */
export async function listTrainingRuns(db: Db, options: ListOptions = {}): Promise<{ runs: TrainingRunSummary[]; limit: number; offset: number }> {
  const [limit, offset] = page(options);
  return orEmpty(
    async () => {
      const params: unknown[] = [];
      const where: string[] = [];
      if (options.modelName) where.push(`model_name = $${params.push(options.modelName)}`);
      if (options.status) where.push(`status = $${params.push(options.status)}`);
      const { rows } = await db.query<RunRow>(
        `SELECT * FROM training_runs ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY requested_at DESC NULLS LAST, run_id DESC LIMIT $${params.push(limit)} OFFSET $${params.push(offset)}`,
        params,
      );
      return { runs: rows.map(toRunSummary), limit, offset };
    },
    { runs: [], limit, offset },
  );
}

/** GET /api/v1/training-runs/:runId: the run with its split, curve, metrics and decision. */
export async function getTrainingRun(db: Db, runId: string): Promise<TrainingRunDetail | undefined> {
  return orEmpty(async () => {
    const { rows } = await db.query<RunRow>(`SELECT * FROM training_runs WHERE run_id = $1`, [runId]);
    const r = rows[0];
    if (!r) return undefined;
    return {
      ...toRunSummary(r),
      parameters: r.parameters,
      trainingParameters: r.training_parameters,
      split: { key: r.split_key, catalogKey: r.catalog_key, catalogSize: r.catalog_size, catalogFingerprint: r.catalog_fingerprint, catalogSource: r.catalog_source, testDrawnFrom: r.test_drawn_from, testEligible: r.test_eligible, classCounts: r.class_counts ?? [] },
      curve: r.curve ?? [],
      trainingMetrics: r.training_metrics,
      artifacts: r.artifacts,
      durationMs: r.duration_ms === null ? null : Number(r.duration_ms),
      evaluation: { evaluationId: r.evaluation_id, evaluatedAt: iso(r.evaluated_at), error: r.evaluation_error },
      decisionDetail: { rule: r.decision_rule, checks: r.decision_checks ?? [], decidedAt: iso(r.decided_at), outcome: r.decision_outcome ?? (r.decision ? r.decision.toLowerCase() : null), evidence: r.decision_evidence ?? null },
    };
  }, undefined);
}
