// Prepares the experiment of a training run: resolves the base version (the champion unless the
// request names one), reads the catalog of one dataset snapshot, splits it, writes catalog.json
// and split.json to the models bucket, and describes it all in a TrainingRunPrepared event.
import { ModelStore } from '../../models/store.ts';
import type { TrainingRunPrepared, TrainingRunRequested } from '../../schemas/types.generated.ts';
import type { EventCodec } from '../../streams/codec.ts';
import { currentChampion } from '../../mlops/champion.ts';
import type { MlopsDeps } from '../../mlops/deps.ts';
import { runKeys } from '../../mlops/layout.ts';
import { catalogFingerprint, type CatalogManifest, type SplitManifest } from '../../mlops/manifests.ts';
import { checkParameters } from '../../mlops/parameters.ts';
import type { RunStore } from '../../mlops/store.ts';
import { catalogFromProjection, catalogFromTopic, type Catalog } from './catalog.ts';
import { baseHoldOut } from './base-holdout.ts';
import { stratifiedSplit } from './split.ts';

/** The parameter choosing where the catalog is read: "projection" (default) or "topic". */
export const CATALOG_SOURCE_PARAM = 'catalog.source';
/** "false" lets the test split include products the base model trained on (default: it may not, when the base says which). */
export const BASE_HOLDOUT_PARAM = 'split.baseHeldOutOnly';

export class PreparationError extends Error {
  override name = 'PreparationError';
}

async function readCatalog(deps: MlopsDeps & { codec: EventCodec }, request: TrainingRunRequested): Promise<Catalog> {
  const source = request.parameters[CATALOG_SOURCE_PARAM] ?? 'projection';
  if (source !== 'projection' && source !== 'topic') throw new PreparationError(`parameter ${CATALOG_SOURCE_PARAM}="${source}": expected projection or topic`);
  if (source === 'topic' || !deps.db) return catalogFromTopic(deps.kafka, deps.codec, request.datasetSnapshot);
  return catalogFromProjection(deps.db, request.datasetSnapshot);
}

export async function prepareRun(deps: MlopsDeps & { codec: EventCodec; store: RunStore }, request: TrainingRunRequested): Promise<TrainingRunPrepared> {
  checkParameters(request.parameters);
  if (!(request.testFraction > 0 && request.testFraction < 1)) throw new PreparationError(`testFraction must be in (0, 1), got ${request.testFraction}`);
  const base = request.baseModelVersion ?? (await currentChampion(deps, request.modelName))?.version;
  if (!base) throw new PreparationError(`no base model version: the request names none and model ${request.modelName} has no champion`);
  const catalog = await readCatalog(deps, request);
  const heldOut = request.parameters[BASE_HOLDOUT_PARAM] === 'false' ? undefined : await baseHoldOut(new ModelStore({ cacheDir: deps.cacheDir, s3: deps.s3 }), base);
  const split = stratifiedSplit(catalog.rows, request.seed, request.testFraction, heldOut?.contains);
  const testEligible = heldOut ? catalog.rows.filter((r) => heldOut.contains(r.id)).length : catalog.rows.length;
  if (split.train.length < 2 || split.test.length < 1) throw new PreparationError(`dataset snapshot ${catalog.datasetSnapshot} has ${catalog.rows.length} usable products: too few to split (${split.train.length} train, ${split.test.length} test)`);
  const fingerprint = catalogFingerprint(catalog.rows);
  const keys = runKeys(request.runId);
  const catalogManifest: CatalogManifest = { runId: request.runId, datasetSnapshot: catalog.datasetSnapshot, fingerprint, source: catalog.source, rows: catalog.rows };
  const splitManifest: SplitManifest = {
    runId: request.runId,
    seed: request.seed,
    testFraction: request.testFraction,
    stratifiedBy: 'articleType',
    datasetSnapshot: catalog.datasetSnapshot,
    catalogFingerprint: fingerprint,
    catalogKey: keys.catalog,
    testDrawnFrom: heldOut?.source ?? null,
    train: split.train,
    test: split.test,
    classes: split.classes,
  };
  await deps.store.putJson(keys.catalog, catalogManifest);
  await deps.store.putJson(keys.split, splitManifest);
  return {
    runId: request.runId,
    modelName: request.modelName,
    baseModelVersion: base,
    datasetSnapshot: catalog.datasetSnapshot,
    catalogFingerprint: fingerprint,
    catalogSource: catalog.source,
    seed: request.seed,
    testFraction: request.testFraction,
    stratifiedBy: 'articleType',
    catalogSize: catalog.rows.length,
    trainSize: split.train.length,
    testSize: split.test.length,
    classCounts: split.classes,
    testDrawnFrom: heldOut?.source ?? null,
    testEligible,
    splitManifestKey: keys.split,
    catalogManifestKey: keys.catalog,
    parameters: request.parameters,
    error: null,
    preparedAt: Date.now(),
  };
}

/** The event of a run whose experiment could not be prepared. */
export function preparationFailed(request: TrainingRunRequested, error: Error): TrainingRunPrepared {
  return {
    runId: request.runId,
    modelName: request.modelName,
    baseModelVersion: request.baseModelVersion,
    datasetSnapshot: request.datasetSnapshot ?? '',
    catalogFingerprint: '',
    catalogSource: 'products-projection',
    seed: request.seed,
    testFraction: request.testFraction,
    stratifiedBy: 'articleType',
    catalogSize: 0,
    trainSize: 0,
    testSize: 0,
    classCounts: [],
    testDrawnFrom: null,
    testEligible: 0,
    splitManifestKey: null,
    catalogManifestKey: null,
    parameters: request.parameters,
    error: `${error.name}: ${error.message}`,
    preparedAt: Date.now(),
  };
}
