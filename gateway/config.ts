// The gateway's settings: limits every input is checked against, and the text-search mode used
// when a request names none. Read from the environment by loadGatewayOptions; buildGateway takes
// them as plain values so tests set them directly.
import { setting } from '../platform/env-table.ts';
import { defaultImageLimits } from '../platform/image-rules.ts';

export const SEARCH_MODES = ['vector', 'hybrid', 'name'] as const;
export type SearchMode = (typeof SEARCH_MODES)[number];

/**
 * The text-search mode a request without `mode` gets (VITRINA_SEARCH_MODE overrides it). Chosen by
 * `vitrina bench search` (bench/search-modes.ts, chooseDefaultMode) on the real catalog: only
 * modes with a p50 within 100 ms, then natural-language precision@10, then articleType group
 * accuracy@10, then speed, differences under 0.01 counting as ties. With base-v3: hybrid leads on
 * NL precision@10 (0.941 vs name 0.905, vector 0.682) but answers in 248 ms at p50, so it is no
 * candidate; name beats vector on both quality figures (base-v1 and base-v2 chose name too); see
 * gateway/README.md.
 */
export const DEFAULT_SEARCH_MODE: SearchMode = parseSearchMode(setting('VITRINA_SEARCH_MODE', {}), 'name');

export interface GatewayOptions {
  /** Text-search mode when the request names none. */
  defaultMode: SearchMode;
  /** Whether a text search reads attribute words from q (query understanding) when the request does not say (understand=true|false). */
  understandQueries: boolean;
  /** Largest accepted image upload (multipart file or uploads-bucket object), in bytes. */
  uploadLimitBytes: number;
  /** Largest k a request may ask for. */
  maxK: number;
  /** Largest offset a request may ask for. */
  maxOffset: number;
  /** Longest text query, in UTF-8 bytes. */
  maxQueryBytes: number;
  /** How long the known filter values are cached before being read again, in ms. */
  filterValuesTtlMs: number;
  /** How many recent query texts' embeddings are kept (per model version), so the same words are not embedded again; 0 keeps none. */
  queryEmbeddingCacheSize: number;
  /** Largest decoded image (width × height) an upload may have. */
  maxImagePixels: number;
  /** GraphQL: deepest field nesting and highest estimated cost of one request. */
  graphqlMaxDepth: number;
  graphqlMaxCost: number;
  /** Absolute base of the image URLs in results (e.g. https://shop.example); default: from the request. */
  publicUrl?: string;
  /** How long the health check waits for the model server and the database, in ms. */
  healthTimeoutMs: number;
  /**
   * HTTP connection limits, in ms: all of a request's headers must arrive within headersTimeoutMs
   * and the whole request (an upload included) within requestTimeoutMs; an idle keep-alive
   * connection is closed after keepAliveTimeoutMs, any socket silent for connectionTimeoutMs.
   * Without them a client trickling its headers held a connection for 78 s.
   */
  headersTimeoutMs: number;
  requestTimeoutMs: number;
  keepAliveTimeoutMs: number;
  connectionTimeoutMs: number;
}

export const defaultGatewayOptions: GatewayOptions = {
  defaultMode: DEFAULT_SEARCH_MODE,
  understandQueries: understands(setting('VITRINA_UNDERSTAND_QUERIES', {})),
  uploadLimitBytes: defaultImageLimits.uploadLimitBytes,
  maxK: 100,
  maxOffset: setting('VITRINA_MAX_OFFSET', {}),
  maxQueryBytes: 2048,
  filterValuesTtlMs: setting('VITRINA_FILTER_VALUES_TTL_MS', {}),
  queryEmbeddingCacheSize: setting('VITRINA_QUERY_EMBEDDING_CACHE', {}),
  maxImagePixels: defaultImageLimits.maxImagePixels,
  graphqlMaxDepth: setting('VITRINA_GRAPHQL_MAX_DEPTH', {}),
  graphqlMaxCost: setting('VITRINA_GRAPHQL_MAX_COST', {}),
  healthTimeoutMs: 2000,
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 60_000,
  keepAliveTimeoutMs: 5_000,
  connectionTimeoutMs: 60_000,
};

type Env = Record<string, string | undefined>;

/** VITRINA_UNDERSTAND_QUERIES: on unless 0, false, no or off. */
function understands(raw: string): boolean {
  return !['0', 'false', 'no', 'off'].includes(raw.toLowerCase());
}

export function parseSearchMode(raw: string | undefined, fallback: SearchMode = DEFAULT_SEARCH_MODE): SearchMode {
  if (raw === undefined || raw === '') return fallback;
  if (!(SEARCH_MODES as readonly string[]).includes(raw)) throw new Error(`VITRINA_SEARCH_MODE must be one of ${SEARCH_MODES.join(', ')}, got "${raw}"`);
  return raw as SearchMode;
}

export function loadGatewayOptions(env: Env = process.env): GatewayOptions {
  return {
    defaultMode: parseSearchMode(env.VITRINA_SEARCH_MODE),
    understandQueries: understands(setting('VITRINA_UNDERSTAND_QUERIES', env)),
    uploadLimitBytes: setting('VITRINA_UPLOAD_LIMIT_BYTES', env),
    maxK: defaultGatewayOptions.maxK,
    maxOffset: setting('VITRINA_MAX_OFFSET', env),
    maxQueryBytes: defaultGatewayOptions.maxQueryBytes,
    filterValuesTtlMs: setting('VITRINA_FILTER_VALUES_TTL_MS', env),
    queryEmbeddingCacheSize: setting('VITRINA_QUERY_EMBEDDING_CACHE', env),
    maxImagePixels: setting('VITRINA_MAX_IMAGE_PIXELS', env),
    graphqlMaxDepth: setting('VITRINA_GRAPHQL_MAX_DEPTH', env),
    graphqlMaxCost: setting('VITRINA_GRAPHQL_MAX_COST', env),
    publicUrl: setting('VITRINA_GATEWAY_PUBLIC_URL', env),
    healthTimeoutMs: defaultGatewayOptions.healthTimeoutMs,
    headersTimeoutMs: defaultGatewayOptions.headersTimeoutMs,
    requestTimeoutMs: defaultGatewayOptions.requestTimeoutMs,
    keepAliveTimeoutMs: defaultGatewayOptions.keepAliveTimeoutMs,
    connectionTimeoutMs: defaultGatewayOptions.connectionTimeoutMs,
  };
}
