// The tables of the model registry (one set per generation, read through views of the base names).
import { exposeTable, liveGeneration, physical } from '../catalog.ts';
import { ident, type DbClient } from '../db.ts';

export const REGISTRY_TABLES = ['training_runs', 'model_versions', 'model_evaluations', 'model_promotions', 'model_champions'] as const;

export type RegistryTable = (typeof REGISTRY_TABLES)[number];

export function tableName(table: RegistryTable, generation: number): string {
  return ident(physical(table, generation));
}

export async function createRegistryTables(client: DbClient, generation: number): Promise<void> {
  const t = (name: RegistryTable): string => tableName(name, generation);
  await client.query(`
    CREATE TABLE IF NOT EXISTS ${t('training_runs')} (
      run_id text PRIMARY KEY,
      model_name text NOT NULL,
      requested_at timestamptz,
      requested_by text,
      seed int,
      test_fraction double precision,
      parameters jsonb,
      requested_base_version text,
      base_version text,
      dataset_snapshot text,
      catalog_fingerprint text,
      catalog_source text,
      catalog_size int,
      train_size int,
      test_size int,
      class_counts jsonb,
      test_drawn_from text,
      test_eligible int,
      split_key text,
      catalog_key text,
      prepared_at timestamptz,
      prepare_error text,
      training_status text,
      model_version text,
      artifacts jsonb,
      training_parameters jsonb,
      curve jsonb,
      training_metrics jsonb,
      duration_ms bigint,
      trained_at timestamptz,
      training_error text,
      evaluation_id text,
      evaluated_at timestamptz,
      evaluation_error text,
      decision text,
      decision_reason text,
      decision_rule text,
      decision_checks jsonb,
      decided_at timestamptz,
      status text GENERATED ALWAYS AS (
        CASE
          WHEN prepare_error IS NOT NULL OR training_status = 'FAILED' THEN 'failed'
          WHEN decision = 'PROMOTE' THEN 'promoted'
          WHEN decision = 'REJECT' THEN 'rejected'
          WHEN evaluated_at IS NOT NULL THEN 'evaluated'
          WHEN training_status = 'SUCCEEDED' THEN 'trained'
          WHEN prepared_at IS NOT NULL THEN 'training'
          WHEN requested_at IS NOT NULL THEN 'requested'
          ELSE 'unknown'
        END) STORED,
      decision_outcome text,
      decision_evidence jsonb
    );
    CREATE TABLE IF NOT EXISTS ${t('model_versions')} (
      model_name text NOT NULL,
      version text NOT NULL,
      base_version text,
      run_id text,
      artifacts jsonb,
      split_key text,
      dataset_snapshot text,
      parameters jsonb,
      created_at timestamptz,
      PRIMARY KEY (model_name, version)
    );
    CREATE TABLE IF NOT EXISTS ${t('model_evaluations')} (
      evaluation_id text PRIMARY KEY,
      model_name text NOT NULL,
      model_version text NOT NULL,
      run_id text,
      role text NOT NULL,
      baseline_version text,
      split_key text,
      metrics jsonb NOT NULL,
      parameters jsonb NOT NULL,
      queries int NOT NULL,
      duration_ms bigint NOT NULL,
      error text,
      completed_at timestamptz NOT NULL,
      intervals jsonb
    );
    CREATE TABLE IF NOT EXISTS ${t('model_promotions')} (
      position bigint PRIMARY KEY,
      model_name text NOT NULL,
      version text NOT NULL,
      previous_version text,
      reason text NOT NULL,
      promoted_by text NOT NULL,
      promoted_at timestamptz NOT NULL
    );
    CREATE TABLE IF NOT EXISTS ${t('model_champions')} (
      model_name text PRIMARY KEY,
      version text NOT NULL,
      position bigint NOT NULL,
      since timestamptz NOT NULL
    )`);
}

/**
 * Columns added after the tables were first defined (last in CREATE TABLE, as ADD COLUMN puts
 * them), each with what a replay of the older events writes there, so an upgraded generation holds
 * the rows a replay would.
 */
const ADDED_COLUMNS: Array<{ table: RegistryTable; column: string; type: string; backfill: string }> = [
  { table: 'training_runs', column: 'decision_outcome', type: 'text', backfill: `lower(decision)` },
  { table: 'training_runs', column: 'decision_evidence', type: 'jsonb', backfill: `CASE WHEN decision IS NULL THEN NULL ELSE '{"confidence":null,"minEffect":null,"power":null,"queries":0,"cost":null}'::jsonb END` },
  { table: 'model_evaluations', column: 'intervals', type: 'jsonb', backfill: `'[]'::jsonb` },
];

const upgraded = new Set<number>();

/**
 * Gives a generation made before ADDED_COLUMNS existed those columns in place, filled as a replay
 * would fill them, and, when it is live, re-points its views so readers see them. Checked once per
 * generation and process.
 */
export async function upgradeRegistryTables(client: DbClient, generation: number): Promise<void> {
  if (upgraded.has(generation)) return;
  const names = [...new Set(ADDED_COLUMNS.map((c) => physical(c.table, generation)))];
  const { rows } = await client.query<{ table_name: string; column_name: string }>(
    `SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = ANY($1)`,
    [names],
  );
  const present = new Set(rows.map((r) => `${r.table_name}.${r.column_name}`));
  const missing = ADDED_COLUMNS.filter((c) => !present.has(`${physical(c.table, generation)}.${c.column}`));
  for (const c of missing) {
    await client.query(`ALTER TABLE ${tableName(c.table, generation)} ADD COLUMN IF NOT EXISTS ${ident(c.column)} ${c.type}`);
    await client.query(`UPDATE ${tableName(c.table, generation)} SET ${ident(c.column)} = ${c.backfill}`);
  }
  if (missing.length > 0 && (await liveGeneration(client, 'model-registry')) === generation) {
    for (const table of new Set(missing.map((c) => c.table))) await exposeTable(client, table, generation);
  }
  upgraded.add(generation);
}
