// One training run end to end: the prepared split and catalog from the models bucket, the frozen
// embeddings of the base version (cached), the adapter trained on the train split's image/title
// pairs, the challenger published as a model version, and the TrainingRunCompleted that names it.
import type { TrainingRunCompleted, TrainingRunPrepared } from '../../schemas/types.generated.ts';
import { selectRows } from '../../mlops/embedding-table.ts';
import { frozenEmbeddings } from '../../mlops/frozen-embeddings.ts';
import type { MlopsDeps } from '../../mlops/deps.ts';
import { challengerVersion, runKeys } from '../../mlops/layout.ts';
import type { CatalogManifest, SplitManifest } from '../../mlops/manifests.ts';
import { trainingParameterMap, trainingParameters } from '../../mlops/parameters.ts';
import type { RunStore } from '../../mlops/store.ts';
import { publishChallenger } from './artifacts.ts';
import { trainAdapter, type EpochReport } from './train-adapter.ts';

export interface TrainingHooks {
  progress: (line: string) => void;
  tick: () => Promise<void>;
}

export async function loadPrepared(store: RunStore, prepared: TrainingRunPrepared): Promise<{ split: SplitManifest; catalog: CatalogManifest }> {
  const keys = runKeys(prepared.runId);
  const split = await store.getJson<SplitManifest>(prepared.splitManifestKey ?? keys.split);
  const catalog = await store.getJson<CatalogManifest>(prepared.catalogManifestKey ?? keys.catalog);
  if (!split || !catalog) throw new Error(`run ${prepared.runId}: split or catalog manifest missing in the models bucket`);
  return { split, catalog };
}

function peakRssMiB(): number {
  return process.resourceUsage().maxRSS / 1024;
}

export async function runTraining(deps: MlopsDeps & { store: RunStore }, prepared: TrainingRunPrepared, hooks: TrainingHooks): Promise<TrainingRunCompleted> {
  const began = Date.now();
  const base = prepared.baseModelVersion;
  if (!base) throw new Error(`run ${prepared.runId} names no base model version`);
  const hp = trainingParameters(prepared.parameters);
  const { split, catalog } = await loadPrepared(deps.store, prepared);
  let lastReport = 0;
  const frozen = await frozenEmbeddings({ ...deps, store: deps.store, log: hooks.progress }, base, catalog.rows, split.catalogFingerprint, {
    tick: hooks.tick,
    onProgress: ({ done, total, perSecond }) => {
      if (Date.now() - lastReport < 5000 && done < total) return;
      lastReport = Date.now();
      hooks.progress(`frozen embeddings of ${base}: ${done}/${total} images and distinct titles (${perSecond.toFixed(0)}/s)`);
    },
  });
  hooks.progress(`frozen embeddings of ${base}: ${frozen.table.ids.length} products (${frozen.from}, ${frozen.seconds.toFixed(1)} s)`);
  const train = selectRows(frozen.table, split.train);
  const trainStarted = Date.now();
  const progress: EpochReport[] = [];
  const result = await trainAdapter(
    { dim: train.dim, image: train.image, text: train.text },
    {
      seed: split.seed,
      parameters: hp,
      tick: hooks.tick,
      onEpoch: async (r: EpochReport) => {
        hooks.progress(`epoch ${r.epoch}/${hp.epochs}: loss ${r.loss.toFixed(4)}, ${r.pairsPerSecond.toFixed(0)} pairs/s, temperature ${r.temperature.toFixed(4)}`);
        progress.push(r);
        await deps.store.putJson(runKeys(prepared.runId).progress, { runId: prepared.runId, epochs: hp.epochs, curve: progress }).catch(() => undefined);
      },
    },
  );
  const trainSeconds = (Date.now() - trainStarted) / 1000;
  const version = challengerVersion(base, prepared.runId);
  const parameters = { ...prepared.parameters, ...trainingParameterMap(hp), seed: String(split.seed) };
  const artifacts = await publishChallenger(deps.s3, deps.cacheDir, result.params, {
    version,
    sides: hp.sides,
    baseVersion: base,
    modelName: prepared.modelName,
    runId: prepared.runId,
    training: { runId: prepared.runId, splitManifestKey: prepared.splitManifestKey, datasetSnapshot: prepared.datasetSnapshot, parameters, finalTemperature: Math.exp(-result.params.logScale) },
  });
  hooks.progress(`published challenger ${version}`);
  const last = result.curve[result.curve.length - 1]!;
  return {
    runId: prepared.runId,
    status: 'SUCCEEDED',
    modelVersion: version,
    baseModelVersion: base,
    artifacts,
    parameters,
    curve: result.curve.map((r) => ({ epoch: r.epoch, loss: r.loss, pairsPerSecond: r.pairsPerSecond, temperature: r.temperature, seconds: r.seconds })),
    splitManifestKey: prepared.splitManifestKey,
    durationMs: Date.now() - began,
    error: null,
    completedAt: Date.now(),
    modelName: prepared.modelName,
    datasetSnapshot: prepared.datasetSnapshot,
    trainPairs: split.train.length,
    metrics: {
      initialLoss: result.initialLoss,
      finalLoss: last.loss,
      pairsPerSecond: result.curve.reduce((s, r) => s + r.pairsPerSecond, 0) / result.curve.length,
      trainSeconds,
      embedSeconds: frozen.seconds,
      finalTemperature: last.temperature,
      adapterParameters: (hp.sides === 'both' ? 2 : 1) * (train.dim * train.dim + train.dim),
      peakRssMiB: peakRssMiB(),
    },
  };
}

export function trainingFailed(prepared: TrainingRunPrepared, error: Error | string): TrainingRunCompleted {
  return {
    runId: prepared.runId,
    status: 'FAILED',
    modelVersion: null,
    baseModelVersion: prepared.baseModelVersion,
    artifacts: {},
    parameters: prepared.parameters,
    curve: [],
    splitManifestKey: prepared.splitManifestKey,
    durationMs: 0,
    error: typeof error === 'string' ? error : `${error.name}: ${error.message}`,
    completedAt: Date.now(),
    modelName: prepared.modelName,
    datasetSnapshot: prepared.datasetSnapshot || null,
    trainPairs: 0,
    metrics: {},
  };
}
