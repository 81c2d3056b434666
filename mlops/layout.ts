// Where the MLOps loop keeps things in the models bucket (vitrina-models), next to the model
// versions themselves ("<version>/model.json" and its files, the layout of models/store.ts):
//   runs/<runId>/catalog.json         the catalog rows the run split (a frozen dataset snapshot)
//   runs/<runId>/split.json           the seeded, stratified train/test split (product ids)
//   runs/<runId>/progress.json        the trainer's progress, rewritten after every epoch
//   runs/<runId>/<step>.done          a step's marker, written after its event was sent
//   cache/embeddings/<version>/<catalog fingerprint>.bin   frozen embeddings of every catalog row
//   cache/augmented/<version>/<queries fingerprint>.bin   embeddings of the augmented query images
import crypto from 'node:crypto';

export const runKeys = (runId: string) => ({
  catalog: `runs/${runId}/catalog.json`,
  split: `runs/${runId}/split.json`,
  progress: `runs/${runId}/progress.json`,
  done: (step: RunStep) => `runs/${runId}/${step}.done`,
});

export type RunStep = 'prepared' | 'trained' | 'evaluated' | 'decided';

export function embeddingCacheKey(version: string, fingerprint: string): string {
  return `cache/embeddings/${version}/${fingerprint}.bin`;
}

/** Key of the augmented query images' embeddings: by version, the query products and the augmentation seed. */
export function augmentedCacheKey(version: string, catalogFingerprint: string, queryIds: number[], seed: number, recipe: string): string {
  const hash = crypto.createHash('sha256').update(`${catalogFingerprint}|${seed}|${recipe}|${queryIds.join(',')}`).digest('hex').slice(0, 24);
  return `cache/augmented/${version}/${hash}.bin`;
}

const RUN_ID = /^[a-z0-9][a-z0-9-]{2,62}$/;

/** run-<yyyymmdd>-<hhmmss>-<6 hex>: sortable by time, unique enough, a valid version suffix. */
export function newRunId(now = new Date()): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  return `run-${stamp}-${crypto.randomBytes(3).toString('hex')}`;
}

export function isRunId(runId: string): boolean {
  return RUN_ID.test(runId);
}

/**
 * The challenger's version name: "<root>-adapter-<runId>", where root is the base version without
 * any adapter suffix of its own (a challenger of a challenger does not grow the name; its lineage
 * lives in model.json's baseVersion and in the events).
 */
export function challengerVersion(baseVersion: string, runId: string): string {
  const root = baseVersion.split('-adapter-')[0]!;
  const name = `${root}-adapter-${runId}`;
  return name.length <= 128 ? name : `adapter-${runId}`;
}
