// The gateway's settings: limits every input is checked against, and the text-search mode used
// when a request names none. Taken from the process's settings (platform/env-table.ts) by
// gatewayOptionsFrom, which the commands call with the settings they read once; buildGateway takes
// them as plain values so tests set them directly.
import { loadSettings, TABLE_DEFAULTS, type Settings } from '../platform/env-table.ts';

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
export const DEFAULT_SEARCH_MODE: SearchMode = parseSearchMode(TABLE_DEFAULTS.VITRINA_SEARCH_MODE, 'name');

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
  /** A request not answered by then gets a 503 (gateway/deadline.ts), in ms. */
  requestDeadlineMs: number;
}

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

/** The gateway's options from a process's settings (the variables of platform/env-table.ts). */
export function gatewayOptionsFrom(settings: Settings): GatewayOptions {
  return {
    defaultMode: parseSearchMode(settings.VITRINA_SEARCH_MODE),
    understandQueries: understands(settings.VITRINA_UNDERSTAND_QUERIES),
    uploadLimitBytes: settings.VITRINA_UPLOAD_LIMIT_BYTES,
    maxK: 100,
    maxOffset: settings.VITRINA_MAX_OFFSET,
    maxQueryBytes: 2048,
    filterValuesTtlMs: settings.VITRINA_FILTER_VALUES_TTL_MS,
    queryEmbeddingCacheSize: settings.VITRINA_QUERY_EMBEDDING_CACHE,
    maxImagePixels: settings.VITRINA_MAX_IMAGE_PIXELS,
    graphqlMaxDepth: settings.VITRINA_GRAPHQL_MAX_DEPTH,
    graphqlMaxCost: settings.VITRINA_GRAPHQL_MAX_COST,
    publicUrl: settings.VITRINA_GATEWAY_PUBLIC_URL,
    healthTimeoutMs: 2000,
    headersTimeoutMs: 10_000,
    requestTimeoutMs: 60_000,
    keepAliveTimeoutMs: 5_000,
    connectionTimeoutMs: 60_000,
    // 3 s by default, not closer to the 5 s a client may wait: see gateway/deadline.ts.
    requestDeadlineMs: settings.VITRINA_REQUEST_DEADLINE_MS,
  };
}

/** The options of a gateway built without settings: the table's defaults. */
export const defaultGatewayOptions: GatewayOptions = gatewayOptionsFrom(TABLE_DEFAULTS);

/** The gateway's options from an environment given as names and values (tests; commands use gatewayOptionsFrom). */
export function loadGatewayOptions(env: Env): GatewayOptions {
  return gatewayOptionsFrom(loadSettings(env));
}
