// Evaluates a run's challenger against the champion it was trained from, on the run's test split:
// the same queries, galleries and augmented images for both. Returns the champion's
// EvaluationCompleted and the challenger's (which also carries the champion's metrics).
import type { EvaluationCompleted, MetricInterval, TrainingRunCompleted } from '../../schemas/types.generated.ts';
import type { MlopsDeps } from '../../mlops/deps.ts';
import { runKeys } from '../../mlops/layout.ts';
import type { CatalogManifest, SplitManifest } from '../../mlops/manifests.ts';
import { pairedIntervals } from '../../mlops/paired-stats.ts';
import { evaluationParameters, promotionParameterMap, promotionParameters } from '../../mlops/parameters.ts';
import { randomFor, shuffle } from '../../mlops/prng.ts';
import type { RunStore } from '../../mlops/store.ts';
import { AUGMENTATION_RECIPE } from './augment.ts';
import { latencyMetrics } from './latency.ts';
import type { Gallery } from './exact-search.ts';
import { galleriesOf, retrievalMetrics, type EvaluationSet } from './retrieval.ts';
import { servingCheck } from './serving-check.ts';
import { EvaluationEmbeddings } from './version-embeddings.ts';

export interface EvaluationHooks {
  progress: (line: string) => void;
  tick: () => Promise<void>;
}

export function evaluationIdOf(runId: string, role: 'champion' | 'challenger'): string {
  return `${runId}/${role}`;
}

export function evaluationSetOf(catalog: CatalogManifest, split: SplitManifest, maxQueries: number): EvaluationSet {
  const index = new Map(catalog.rows.map((row, i) => [row.id, i]));
  const at = (id: number): number => {
    const i = index.get(id);
    if (i === undefined) throw new Error(`test product ${id} is not in the run's catalog`);
    return i;
  };
  const testIndices = split.test.map(at);
  let queryIds = split.test;
  if (maxQueries > 0 && maxQueries < split.test.length) queryIds = shuffle([...split.test], randomFor(split.seed, 'queries')).slice(0, maxQueries).sort((a, b) => a - b);
  return { rows: catalog.rows, testIndices, queryIndices: queryIds.map(at) };
}

export async function runEvaluation(deps: MlopsDeps & { store: RunStore }, completed: TrainingRunCompleted, hooks: EvaluationHooks): Promise<EvaluationCompleted[]> {
  const began = Date.now();
  const champion = completed.baseModelVersion;
  const challenger = completed.modelVersion;
  if (!champion || !challenger) throw new Error(`run ${completed.runId} names no champion or challenger version`);
  const keys = runKeys(completed.runId);
  const split = await deps.store.getJson<SplitManifest>(completed.splitManifestKey ?? keys.split);
  const catalog = await deps.store.getJson<CatalogManifest>(keys.catalog);
  if (!split || !catalog) throw new Error(`run ${completed.runId}: split or catalog manifest missing in the models bucket`);
  const params = evaluationParameters(completed.parameters);
  const augmentSeed = params.augmentSeed ?? split.seed;
  const set = evaluationSetOf(catalog, split, params.maxQueries);
  const queries = set.queryIndices.map((i) => catalog.rows[i]!);
  const embeddings = new EvaluationEmbeddings({ ...deps, log: hooks.progress, tick: hooks.tick }, catalog, queries, augmentSeed);
  const parameters: Record<string, string> = {
    splitSeed: String(split.seed),
    augmentSeed: String(augmentSeed),
    augmentation: AUGMENTATION_RECIPE,
    queries: String(queries.length),
    galleryTest: String(set.testIndices.length),
    galleryCatalog: String(catalog.rows.length),
    datasetSnapshot: catalog.datasetSnapshot,
    search: 'exact cosine (onnxruntime MatMul + TopK)',
    latencyQueries: String(Math.min(params.latencyQueries, queries.length)),
  };
  // The promoter applies the run's own rule and evidence parameters (promotion.*).
  Object.assign(parameters, promotionParameterMap(completed.parameters));
  const evidence = promotionParameters(completed.parameters);
  const bootstrap = { seed: evidence.seed ?? split.seed, resamples: evidence.resamples, confidence: evidence.confidence };
  parameters.bootstrap = `paired percentile bootstrap, ${bootstrap.resamples} resamples of the ${queries.length} queries, seed ${bootstrap.seed}, one-sided bounds at ${bootstrap.confidence}`;
  const measure = async (version: string): Promise<{ metrics: Record<string, number>; perQuery: Record<string, Float64Array>; how: string; gallery: Gallery }> => {
    const started = Date.now();
    const vectors = await embeddings.of(version);
    const galleries = galleriesOf(set, vectors);
    hooks.progress(`evaluating ${version} (${vectors.how}): ${queries.length} queries, galleries of ${set.testIndices.length} (test) and ${catalog.rows.length} (catalog)`);
    const { metrics, perQuery } = await retrievalMetrics(set, vectors, galleries, hooks.tick);
    if (vectors.adapter) metrics['serving.max_abs_diff'] = await servingCheck(deps.encoder, deps.s3, vectors, catalog.rows);
    metrics.queries = queries.length;
    metrics['gallery.test.size'] = set.testIndices.length;
    metrics['gallery.catalog.size'] = catalog.rows.length;
    metrics['evaluation.seconds'] = (Date.now() - started) / 1000;
    hooks.progress(`${version}: text→image name acc@10 (catalog) ${fmt(metrics['text2image.name.catalog.acc@10'])}, articleType group@10 ${fmt(metrics['text2image.articleType.catalog.group@10'])}, image→image acc@1 ${fmt(metrics['image2image.exact.catalog.acc@1'])}`);
    return { metrics, perQuery, how: vectors.how, gallery: galleries.catalog };
  };
  const base = await measure(champion);
  const challenged = await measure(challenger);
  const intervalsBegan = Date.now();
  // A few metrics at a time, heartbeating between: a metric's interval does not depend on the
  // others computed with it (every call resamples the same queries for the seed).
  const names = Object.keys(challenged.perQuery).filter((m) => base.perQuery[m]).sort();
  const intervals: MetricInterval[] = [];
  for (let i = 0; i < names.length; i += 8) {
    const pick = (o: Record<string, Float64Array>) => Object.fromEntries(names.slice(i, i + 8).map((m) => [m, o[m]!]));
    intervals.push(...pairedIntervals(pick(base.perQuery), pick(challenged.perQuery), bootstrap));
    await hooks.tick();
  }
  hooks.progress(`paired intervals of ${intervals.length} metrics (${bootstrap.resamples} resamples, seed ${bootstrap.seed}) in ${((Date.now() - intervalsBegan) / 1000).toFixed(1)} s`);
  hooks.progress(`timing ${Math.min(params.latencyQueries, queries.length)} text and image queries per model end to end (model server + exact search over the catalog), the models taking turns`);
  const timed = await latencyMetrics(deps.encoder, deps.s3, [{ version: champion, gallery: base.gallery }, { version: challenger, gallery: challenged.gallery }], queries.slice(0, params.latencyQueries), augmentSeed, hooks.tick);
  Object.assign(base.metrics, timed.get(champion));
  Object.assign(challenged.metrics, timed.get(challenger));
  const now = Date.now();
  const common = { modelName: completed.modelName, runId: completed.runId, splitManifestKey: completed.splitManifestKey, queries: queries.length, durationMs: now - began, error: null };
  return [
    { ...common, evaluationId: evaluationIdOf(completed.runId, 'champion'), modelVersion: champion, metrics: base.metrics, role: 'champion', baselineVersion: null, baselineEvaluationId: null, baselineMetrics: {}, parameters: { ...parameters, embeddings: base.how }, completedAt: now, intervals: [] },
    {
      ...common,
      evaluationId: evaluationIdOf(completed.runId, 'challenger'),
      modelVersion: challenger,
      metrics: challenged.metrics,
      role: 'challenger',
      baselineVersion: champion,
      baselineEvaluationId: evaluationIdOf(completed.runId, 'champion'),
      baselineMetrics: base.metrics,
      parameters: { ...parameters, embeddings: challenged.how },
      completedAt: now,
      intervals,
    },
  ];
}

function fmt(v: number | undefined): string {
  return v === undefined ? 'n/a' : v.toFixed(3);
}

export function evaluationFailed(completed: TrainingRunCompleted, error: Error | string): EvaluationCompleted {
  return {
    evaluationId: evaluationIdOf(completed.runId, 'challenger'),
    modelVersion: completed.modelVersion ?? `(none: run ${completed.runId})`,
    runId: completed.runId,
    splitManifestKey: completed.splitManifestKey,
    metrics: {},
    queries: 0,
    completedAt: Date.now(),
    modelName: completed.modelName,
    role: 'challenger',
    baselineVersion: completed.baseModelVersion,
    baselineEvaluationId: null,
    baselineMetrics: {},
    parameters: {},
    durationMs: 0,
    error: typeof error === 'string' ? error : `${error.name}: ${error.message}`,
    intervals: [],
  };
}
