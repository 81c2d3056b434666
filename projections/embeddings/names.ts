// Table names of the embeddings projection. Every name starts with the projection's namespace
// ("embeddings" in production, a throwaway one in tests), so projections with different namespaces
// never share a table. Each model version gets its own table, named by a slug of the version.
import crypto from 'node:crypto';

export const DEFAULT_NAMESPACE = 'embeddings';

/** Longest namespace, so that <namespace>_<slug>_g<N> and its index names stay under 63 bytes. */
const MAX_NAMESPACE = 16;

export function checkNamespace(namespace: string): string {
  if (!new RegExp(`^[a-z][a-z0-9_]{0,${MAX_NAMESPACE - 1}}$`).test(namespace)) {
    throw new Error(`embeddings namespace must be 1-${MAX_NAMESPACE} of [a-z0-9_] starting with a letter, got "${namespace}"`);
  }
  return namespace;
}

/** A SQL-safe, unique slug of a model version: a readable prefix and 8 hex digits of its hash. */
export function versionSlug(version: string): string {
  const readable = version.toLowerCase().replace(/[^a-z0-9]+/g, '_').replace(/^_+|_+$/g, '').slice(0, 20).replace(/_+$/, '');
  const hash = crypto.createHash('sha256').update(version).digest('hex').slice(0, 8);
  return `${readable || 'v'}_${hash}`;
}

export interface EmbeddingTableNames {
  namespace: string;
  /** One row per model version: dimension, rows, expected rows, state. */
  versions: string;
  /** The ModelPromoted events of the tracked model name, in log order. */
  promotions: string;
  /** The table (base name, a view once live) holding one model version's embeddings. */
  versionTable(version: string): string;
}

export function tableNames(namespace: string = DEFAULT_NAMESPACE): EmbeddingTableNames {
  checkNamespace(namespace);
  return {
    namespace,
    versions: `${namespace}_versions`,
    promotions: `${namespace}_promotions`,
    versionTable: (version) => `${namespace}_${versionSlug(version)}`,
  };
}
