// How each event lands in the registry's tables. Every event type writes its own columns (upserts
// by run id, version or evaluation id), so the result does not depend on how events of different
// topics interleave: a live projection and a replay end with the same rows.
import type { EvaluationCompleted, ModelPromoted, PromotionDecided, TrainingRunCompleted, TrainingRunPrepared, TrainingRunRequested } from '../../schemas/types.generated.ts';
import type { DbClient } from '../db.ts';
import { tableName } from './schema.ts';

const at = (ms: number): Date => new Date(ms);
const json = (value: unknown): string => JSON.stringify(value);

async function upsertRun(client: DbClient, generation: number, runId: string, modelName: string, columns: Record<string, unknown>): Promise<void> {
  const names = Object.keys(columns);
  const values = Object.values(columns);
  const table = tableName('training_runs', generation);
  await client.query(
    `INSERT INTO ${table} (run_id, model_name, ${names.join(', ')}) VALUES ($1, $2, ${names.map((_, i) => `$${i + 3}`).join(', ')})
     ON CONFLICT (run_id) DO UPDATE SET ${names.map((n) => `${n} = EXCLUDED.${n}`).join(', ')}`,
    [runId, modelName, ...values],
  );
}

/** Makes sure a version has a row (one known only as a base or from a promotion gets a bare one). */
async function ensureVersion(client: DbClient, generation: number, version: string, modelName: string): Promise<void> {
  await client.query(`INSERT INTO ${tableName('model_versions', generation)} (version, model_name) VALUES ($1, $2) ON CONFLICT (model_name, version) DO NOTHING`, [version, modelName]);
}

export async function applyRequested(client: DbClient, g: number, e: TrainingRunRequested): Promise<void> {
  await upsertRun(client, g, e.runId, e.modelName, {
    requested_at: at(e.requestedAt),
    requested_by: e.requestedBy,
    seed: e.seed,
    test_fraction: e.testFraction,
    parameters: json(e.parameters),
    requested_base_version: e.baseModelVersion,
  });
}

export async function applyPrepared(client: DbClient, g: number, e: TrainingRunPrepared): Promise<void> {
  await upsertRun(client, g, e.runId, e.modelName, {
    base_version: e.baseModelVersion,
    dataset_snapshot: e.datasetSnapshot || null,
    catalog_fingerprint: e.catalogFingerprint || null,
    catalog_source: e.catalogSource,
    catalog_size: e.catalogSize,
    train_size: e.trainSize,
    test_size: e.testSize,
    class_counts: json(e.classCounts),
    test_drawn_from: e.testDrawnFrom,
    test_eligible: e.testEligible,
    split_key: e.splitManifestKey,
    catalog_key: e.catalogManifestKey,
    prepared_at: at(e.preparedAt),
    prepare_error: e.error,
  });
  if (e.baseModelVersion) await ensureVersion(client, g, e.baseModelVersion, e.modelName);
}

export async function applyCompleted(client: DbClient, g: number, e: TrainingRunCompleted): Promise<void> {
  await upsertRun(client, g, e.runId, e.modelName, {
    training_status: e.status,
    model_version: e.modelVersion,
    artifacts: json(e.artifacts),
    training_parameters: json(e.parameters),
    curve: json(e.curve),
    training_metrics: json(e.metrics),
    duration_ms: e.durationMs,
    trained_at: at(e.completedAt),
    training_error: e.error,
  });
  if (!e.modelVersion) return;
  await client.query(
    `INSERT INTO ${tableName('model_versions', g)} (version, model_name, base_version, run_id, artifacts, split_key, dataset_snapshot, parameters, created_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
     ON CONFLICT (model_name, version) DO UPDATE SET base_version = EXCLUDED.base_version, run_id = EXCLUDED.run_id, artifacts = EXCLUDED.artifacts,
       split_key = EXCLUDED.split_key, dataset_snapshot = EXCLUDED.dataset_snapshot, parameters = EXCLUDED.parameters, created_at = EXCLUDED.created_at`,
    [e.modelVersion, e.modelName, e.baseModelVersion, e.runId, json(e.artifacts), e.splitManifestKey, e.datasetSnapshot, json(e.parameters), at(e.completedAt)],
  );
}

export async function applyEvaluation(client: DbClient, g: number, e: EvaluationCompleted): Promise<void> {
  await client.query(
    `INSERT INTO ${tableName('model_evaluations', g)} (evaluation_id, model_name, model_version, run_id, role, baseline_version, split_key, metrics, parameters, queries, duration_ms, error, completed_at, intervals)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)
     ON CONFLICT (evaluation_id) DO UPDATE SET model_name = EXCLUDED.model_name, model_version = EXCLUDED.model_version, run_id = EXCLUDED.run_id, role = EXCLUDED.role,
       baseline_version = EXCLUDED.baseline_version, split_key = EXCLUDED.split_key, metrics = EXCLUDED.metrics, parameters = EXCLUDED.parameters, queries = EXCLUDED.queries,
       duration_ms = EXCLUDED.duration_ms, error = EXCLUDED.error, completed_at = EXCLUDED.completed_at, intervals = EXCLUDED.intervals`,
    [e.evaluationId, e.modelName, e.modelVersion, e.runId, e.role, e.baselineVersion, e.splitManifestKey, json(e.metrics), json(e.parameters), e.queries, e.durationMs, e.error, at(e.completedAt), json(e.intervals)],
  );
  if (e.error === null) await ensureVersion(client, g, e.modelVersion, e.modelName);
  if (e.role === 'challenger' && e.runId) {
    await upsertRun(client, g, e.runId, e.modelName, { evaluation_id: e.evaluationId, evaluated_at: at(e.completedAt), evaluation_error: e.error });
  }
}

export async function applyDecision(client: DbClient, g: number, e: PromotionDecided): Promise<void> {
  await upsertRun(client, g, e.runId, e.modelName, {
    decision: e.decision,
    decision_reason: e.reason,
    decision_rule: e.rule,
    decision_checks: json(e.checks),
    decided_at: at(e.decidedAt),
    // Older events carry no outcome: the decision says it.
    decision_outcome: e.outcome || e.decision.toLowerCase(),
    decision_evidence: json({ confidence: e.confidence, minEffect: e.minEffect, power: e.power, queries: e.queries, cost: e.cost }),
  });
}

export async function applyPromotion(client: DbClient, g: number, e: ModelPromoted, position: bigint): Promise<void> {
  // A first champion (no previous version) naming the version already champion is a second model
  // server registering the same default at the same first start (mlops/first-champion.ts): no-op.
  if (e.previousVersion === null) {
    const same = await client.query(`SELECT 1 FROM ${tableName('model_champions', g)} WHERE model_name = $1 AND version = $2`, [e.modelName, e.version]);
    if ((same.rowCount ?? 0) > 0) return;
  }
  await client.query(
    `INSERT INTO ${tableName('model_promotions', g)} (position, model_name, version, previous_version, reason, promoted_by, promoted_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (position) DO NOTHING`,
    [position.toString(), e.modelName, e.version, e.previousVersion, e.reason, e.promotedBy, at(e.promotedAt)],
  );
  const champions = tableName('model_champions', g);
  await client.query(
    `INSERT INTO ${champions} (model_name, version, position, since) VALUES ($1, $2, $3, $4)
     ON CONFLICT (model_name) DO UPDATE SET version = EXCLUDED.version, position = EXCLUDED.position, since = EXCLUDED.since
     WHERE ${champions}.position < EXCLUDED.position`,
    [e.modelName, e.version, position.toString(), at(e.promotedAt)],
  );
  await ensureVersion(client, g, e.version, e.modelName);
  if (e.previousVersion) await ensureVersion(client, g, e.previousVersion, e.modelName);
}
