// The one place the gateway's search logic lives: REST routes and GraphQL resolvers both call it.
// It checks inputs, encodes the query with the model version that is live in the index (resolved
// once per request), calls the search core, and shapes results with their image URLs. A page
// (k, offset) arrives checked once: by the REST route's schema (which also documents it in the
// OpenAPI document), or by page() for a caller without one (GraphQL).
import type * as Minio from 'minio';
import { buckets } from '../platform/s3.ts';
import type { GatewayOptions, SearchMode } from './config.ts';
import { SEARCH_MODES } from './config.ts';
import type { Encoder, ProductView, SearchBackend, SearchFilters, SearchOptions, SearchPage } from './core.ts';
import { UnknownModelVersionError } from '../projections/embeddings/errors.ts';
import { badRequest, fromModelServer, notFound, unavailable } from './errors.ts';
import { FILTER_NAMES, FilterValueCache, STRING_FILTERS, type KnownValues } from './filters.ts';
import { imageUrl, inspectImage, readObject, type ImageInfo } from './images.ts';
import { EmbeddingCache } from './embedding-cache.ts';
import { collapseByName, countFacets, countGroupFacets, facetAttributes, RESULT_SET_SIZE, type FacetCounts } from './result-sets.ts';
import { withTimeout } from '../platform/timeout.ts';
import { applyUnderstanding, buildLexicon, leastCertain, understand, UNDERSTOOD_ATTRIBUTES, type Applied, type Lexicon, type Understood } from '../projections/embeddings/understand.ts';

export interface ProductDto extends ProductView {
  imageUrl: string | null;
}

export interface HitDto {
  score: number;
  product: ProductDto;
  /** With collapse=name: every product of the hit's display name among the top results, the hit's first. */
  variants?: { count: number; products: ProductDto[] };
}

export type QueryEcho =
  | {
      kind: 'text';
      q: string;
      mode: SearchMode;
      filters: SearchFilters;
      /** What query understanding read from q and applied (absent with understand=false). */
      understood?: Understood[];
      /** The text that was embedded: q without negated words, typos corrected. */
      searchedText?: string;
      /** Understood items dropped, least certain first, because with them nothing was found. */
      relaxed?: Understood[];
      /** The first page was short: results from `after` on were found with `dropped` left out (in that order). */
      broadened?: Broadened;
    }
  | { kind: 'image'; source: 'upload' | 'object'; objectKey?: string; filename?: string; image: ImageInfo; filters: SearchFilters }
  | { kind: 'similar'; productId: number; filters: SearchFilters };

export interface PageDto {
  query: QueryEcho;
  modelVersion: string;
  k: number;
  offset: number;
  /** The offset of the next page, or null when this page was the last (or the offset limit is reached). */
  nextOffset: number | null;
  hits: HitDto[];
  /** With facets=...: counts per value among the search's own top results. */
  facets?: FacetCounts;
  /** How many top results the facets counted (and collapse=name grouped). */
  resultsCounted?: number;
  /** With collapse=name: how many display names (hits to page through) those top results hold; the facets count these. */
  resultGroups?: number;
}

export interface Broadened {
  /** How many results (counted from the first page) match everything understood; the rest do not. */
  after: number;
  /** The understood items left out for the results after those, least certain first. */
  dropped: Understood[];
}

/** A page of results, already checked against the limits (page() checks one). */
export interface Page {
  k: number;
  offset: number;
}

export interface PageInput extends Page {
  filters?: SearchFilters;
}

export interface TextInput extends PageInput {
  q: string;
  mode?: SearchMode;
  /** Read attribute words from q and apply them (default true). */
  understand?: boolean;
  /** Attributes not to read from q (a shopper removed their chips). */
  ignore?: string[];
  /** Attributes to count over the search's own top results (names, repeated or comma-separated). */
  facets?: string[];
  /** "name": one hit per display name, with its variants. */
  collapse?: 'name';
}

/** The search core's options for what is applied, a page and a version. */
function searchOptions(applied: Applied, k: number, offset: number, modelVersion: string): SearchOptions {
  return { k, offset, filters: applied.filters, modelVersion, ...(Object.keys(applied.exclude).length > 0 ? { exclude: applied.exclude } : {}), ...(Object.keys(applied.boost).length > 0 ? { boost: applied.boost } : {}) };
}

export interface HealthReport {
  status: 'ok' | 'degraded';
  modelServer: { status: 'up' | 'down'; modelVersion?: string; dimension?: number; error?: string };
  database: { status: 'up' | 'down'; liveModelVersion?: string | null; error?: string };
}

export interface ServiceDeps {
  search: SearchBackend;
  encoder: Encoder;
  s3: Minio.Client;
}

export const DEFAULT_K = 10;

/** Variants listed per collapsed hit (all are counted). */
export const MAX_VARIANTS_SHOWN = 24;

export class SearchService {
  readonly filterValues: FilterValueCache;
  private lexicon: { from: unknown; lexicon: Lexicon } | undefined;
  private readonly queryEmbeddings: EmbeddingCache;

  constructor(
    private readonly deps: ServiceDeps,
    readonly options: GatewayOptions,
  ) {
    this.filterValues = new FilterValueCache(async () => (await deps.search.filterValues()) as KnownValues, options.filterValuesTtlMs);
    this.queryEmbeddings = new EmbeddingCache(options.queryEmbeddingCacheSize);
  }

  // ---- inputs ----

  /** The one check of k and offset for a caller whose input no schema checked (GraphQL). */
  page(input: { k?: number; offset?: number }): Page {
    const k = input.k ?? DEFAULT_K;
    const offset = input.offset ?? 0;
    if (!Number.isInteger(k) || k < 1 || k > this.options.maxK) throw badRequest(`k must be an integer from 1 to ${this.options.maxK}, got ${k}`);
    if (!Number.isInteger(offset) || offset < 0 || offset > this.options.maxOffset) throw badRequest(`offset must be an integer from 0 to ${this.options.maxOffset}, got ${offset}`);
    return { k, offset };
  }

  /** Drops empty lists, de-duplicates, and checks every value against the catalog's values. */
  async filters(filters: SearchFilters | undefined): Promise<SearchFilters> {
    const out: SearchFilters = {};
    for (const name of STRING_FILTERS) {
      const values = filters?.[name];
      if (values && values.length > 0) out[name] = [...new Set(values)];
    }
    if (filters?.year && filters.year.length > 0) {
      if (filters.year.some((y) => !Number.isInteger(y))) throw badRequest('year filter values must be integers');
      out.year = [...new Set(filters.year)];
    }
    for (const name of FILTER_NAMES) {
      if ((out[name]?.length ?? 0) > 50) throw badRequest(`at most 50 ${name} values may be given`);
    }
    await this.filterValues.check(out);
    return out;
  }

  private query(q: string): string {
    const trimmed = typeof q === 'string' ? q.trim() : '';
    // Only whitespace, control and invisible format characters (NUL, zero-width space, BOM, ...):
    // nothing a search could match, so it would answer arbitrary hits.
    if (trimmed.replace(/[\p{White_Space}\p{Cc}\p{Cf}]/gu, '').length === 0) throw badRequest('q must not be empty: it has no searchable characters (only whitespace, control or invisible characters)');
    if (/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/.test(trimmed)) throw badRequest('q contains control characters (such as NUL); send plain text');
    const bytes = Buffer.byteLength(q);
    if (bytes > this.options.maxQueryBytes) throw badRequest(`q has ${bytes} bytes; at most ${this.options.maxQueryBytes} are accepted`);
    return trimmed;
  }

  private mode(mode: string | undefined): SearchMode {
    if (mode === undefined) return this.options.defaultMode;
    if (!(SEARCH_MODES as readonly string[]).includes(mode)) throw badRequest(`mode must be one of ${SEARCH_MODES.join(', ')}, got "${mode}"`);
    return mode as SearchMode;
  }

  // ---- the model version and the encoder ----

  private async liveVersion(): Promise<string> {
    const version = await this.deps.search.liveVersion();
    if (!version) throw unavailable('no model version is live in the search index yet (the catalog has not been embedded); try again later');
    return version;
  }

  /**
   * Runs a search with the live model version: the query is embedded by that version and searched
   * in its table. If the live version changed in between (a promotion went live), it runs once
   * more with the new one, so a switch is invisible to clients.
   */
  private async withLiveVersion<T>(work: (version: string) => Promise<T>): Promise<T> {
    const version = await this.liveVersion();
    try {
      return await work(version);
    } catch (err) {
      if (!(err instanceof UnknownModelVersionError)) throw err;
      const now = await this.liveVersion();
      if (now === version) throw err;
      return work(now);
    }
  }

  private async embed(kind: 'text' | 'image', input: string | Buffer, version: string): Promise<Float32Array> {
    let result;
    try {
      result = kind === 'text' ? await this.deps.encoder.embedTexts([input as string], version) : await this.deps.encoder.embedImages([input as Buffer], version);
    } catch (err) {
      throw fromModelServer(err, kind === 'text' ? 'query' : 'image');
    }
    const vector = result.vectors[0];
    if (!vector) throw new Error('the model server returned no vector');
    return vector;
  }

  /** A query text's embedding by a version: remembered from an earlier search, else from the model server. */
  private async embedQuery(text: string, version: string): Promise<Float32Array> {
    const known = this.queryEmbeddings.get(version, text);
    if (known) return known;
    const vector = await this.embed('text', text, version);
    this.queryEmbeddings.set(version, text, vector);
    return vector;
  }

  // ---- results ----

  product(view: ProductView, base: string): ProductDto {
    return { ...view, imageUrl: imageUrl(view.imageKey, base) };
  }

  private present(page: SearchPage, query: QueryEcho, base: string): PageDto {
    const next = page.offset + page.k;
    return {
      query,
      modelVersion: page.modelVersion,
      k: page.k,
      offset: page.offset,
      nextOffset: page.hits.length >= page.k && next <= this.options.maxOffset ? next : null,
      hits: page.hits.map((hit) => ({ score: hit.score, product: this.product(hit.product, base) })),
    };
  }

  // ---- operations ----

  /** The lexicon of the catalog's values as the search core has them now (rebuilt when they change). */
  private async currentLexicon(): Promise<Lexicon> {
    const values = await this.filterValues.current();
    if (this.lexicon?.from !== values) this.lexicon = { from: values, lexicon: buildLexicon(values) };
    return this.lexicon.lexicon;
  }

  private ignored(ignore: string[] | undefined): Set<string> {
    for (const name of ignore ?? []) {
      if (!(UNDERSTOOD_ATTRIBUTES as readonly string[]).includes(name)) throw badRequest(`ignore takes attribute names (${UNDERSTOOD_ATTRIBUTES.join(', ')}), got "${name}"`);
    }
    return new Set(ignore);
  }

  async searchText(input: TextInput, base: string): Promise<PageDto> {
    const q = this.query(input.q);
    const mode = this.mode(input.mode);
    const { k, offset } = input;
    const filters = await this.filters(input.filters);
    const ignore = this.ignored(input.ignore);
    const reading = (input.understand ?? this.options.understandQueries) ? understand(q, await this.currentLexicon()) : undefined;
    let applied = applyUnderstanding(reading?.items ?? [], filters, ignore);
    const text = reading?.text ?? q;
    const relaxed: Understood[] = [];
    const facets = facetAttributes(input.facets);
    if (typeof facets === 'string') throw badRequest(facets);
    if (input.collapse !== undefined && input.collapse !== 'name') throw badRequest(`collapse takes "name", got "${String(input.collapse)}"`);
    const collapse = input.collapse === 'name';
    const { page, top, broadened } = await this.withLiveVersion(async (modelVersion) => {
      const vector = await this.embedQuery(text, modelVersion);
      const run = (o: SearchOptions): Promise<SearchPage> =>
        mode === 'hybrid' ? this.deps.search.hybrid(text, vector, o) : mode === 'name' ? this.deps.search.byNameVector(vector, o) : this.deps.search.byTextVector(vector, o);
      for (;;) {
        const options = searchOptions(applied, k, offset, modelVersion);
        // facets and variants read the top results; a collapsed page is cut from them
        const [found, top] = await Promise.all([collapse ? undefined : run(options), collapse || facets.length > 0 ? run({ ...options, k: RESULT_SET_SIZE, offset: 0 }) : undefined]);
        const nothing = (found ?? top)!.hits.length === 0;
        // nothing found under what was understood: drop the least certain understood filter and search again
        const drop = nothing && offset === 0 ? leastCertain(applied.items) : undefined;
        if (!drop) {
          // too little found: the page is filled from searches with the least certain filters left out
          const filled = found && found.hits.length < k ? await this.broaden(run, found, applied, filters, ignore) : undefined;
          return { page: filled?.page ?? found ?? { ...top!, k, offset, hits: [] }, top, broadened: filled?.broadened };
        }
        relaxed.push(drop);
        applied = applyUnderstanding(applied.items.filter((i) => i !== drop), filters, ignore);
      }
    });
    const echo: QueryEcho = { kind: 'text', q, mode, filters };
    if (reading) Object.assign(echo, { understood: applied.items, searchedText: text }, relaxed.length > 0 ? { relaxed } : {}, broadened ? { broadened } : {});
    if (!top) return this.present(page, echo, base);
    if (!collapse) return { ...this.present(page, echo, base), resultsCounted: top.hits.length, ...(facets.length > 0 ? { facets: countFacets(top.hits, facets) } : {}) };
    // collapsed: the facets count names (groups), as the hits do
    const groups = collapseByName(top.hits);
    const extra: Pick<PageDto, 'facets' | 'resultsCounted' | 'resultGroups'> = { resultsCounted: top.hits.length, resultGroups: groups.length, ...(facets.length > 0 ? { facets: countGroupFacets(groups, facets) } : {}) };
    const next = offset + k;
    return {
      ...this.present({ ...page, hits: [] }, echo, base),
      nextOffset: groups.length > next && next <= this.options.maxOffset ? next : null,
      hits: groups.slice(offset, next).map((g) => ({
        score: g.hit.score,
        product: this.product(g.hit.product, base),
        variants: { count: g.variants.length, products: g.variants.slice(0, MAX_VARIANTS_SHOWN).map((v) => this.product(v, base)) },
      })),
      ...extra,
    };
  }

  /**
   * A page the understood filters leave short, filled: the results that match everything come
   * first, then those of the same search with the least certain understood filter left out (then
   * the next, while the page is still short; exclusions stay), each product once. The list continues across pages:
   * a later page reads the same list from its offset.
   */
  private async broaden(run: (o: SearchOptions) => Promise<SearchPage>, found: SearchPage, applied: Applied, filters: SearchFilters, ignore: Set<string>): Promise<{ page: SearchPage; broadened: Broadened } | undefined> {
    const { k, offset, modelVersion } = found;
    const end = offset + k;
    // only filters are left out: an exclusion is the shopper's own "not"
    const next = (items: Understood[]): Understood | undefined => leastCertain(items.filter((i) => i.applied === 'filter'));
    if (!next(applied.items)) return undefined;
    // the page is short, so the full list ends on it: everything before it is read from the start
    const head = offset === 0 ? found.hits : (await run({ ...searchOptions(applied, end, 0, modelVersion) })).hits;
    const list = [...head];
    const seen = new Set(list.map((h) => h.product.id));
    const dropped: Understood[] = [];
    let current = applied;
    for (let drop = next(current.items); drop && list.length < end; drop = next(current.items)) {
      dropped.push(drop);
      current = applyUnderstanding(current.items.filter((i) => i !== drop), filters, ignore);
      for (const hit of (await run(searchOptions(current, end, 0, modelVersion))).hits) {
        if (list.length >= end) break;
        if (seen.has(hit.product.id)) continue;
        seen.add(hit.product.id);
        list.push(hit);
      }
    }
    if (list.length === head.length) return undefined;
    return { page: { ...found, hits: list.slice(offset, end) }, broadened: { after: head.length, dropped } };
  }

  async searchImage(bytes: Buffer, input: PageInput & { filename?: string }, base: string): Promise<PageDto> {
    const { k, offset } = input;
    const filters = await this.filters(input.filters);
    const image = await inspectImage(bytes, this.options.maxImagePixels);
    return this.imagePage(bytes, { k, offset, filters }, { kind: 'image', source: 'upload', ...(input.filename ? { filename: input.filename } : {}), image, filters }, base);
  }

  async searchImageObject(objectKey: string, input: PageInput, base: string): Promise<PageDto> {
    const { k, offset } = input;
    const filters = await this.filters(input.filters);
    const bytes = await readObject(this.deps.s3, buckets.uploads, objectKey, this.options.uploadLimitBytes);
    const image = await inspectImage(bytes, this.options.maxImagePixels);
    return this.imagePage(bytes, { k, offset, filters }, { kind: 'image', source: 'object', objectKey, image, filters }, base);
  }

  private async imagePage(bytes: Buffer, options: { k: number; offset: number; filters: SearchFilters }, query: QueryEcho, base: string): Promise<PageDto> {
    const page = await this.withLiveVersion(async (modelVersion) => {
      const vector = await this.embed('image', bytes, modelVersion);
      return this.deps.search.byImageVector(vector, { ...options, modelVersion });
    });
    return this.present(page, query, base);
  }

  async similar(productId: number, input: PageInput, base: string): Promise<PageDto> {
    const { k, offset } = input;
    const filters = await this.filters(input.filters);
    await this.productById(productId, base);
    const page = await this.deps.search.moreLikeThis(productId, { k, offset, filters });
    return this.present(page, { kind: 'similar', productId, filters }, base);
  }

  async productById(id: number, base: string): Promise<ProductDto> {
    if (!Number.isInteger(id) || id < 1 || id > 2_147_483_647) throw badRequest(`product id must be a positive 32-bit integer, got ${id}`);
    const view = await this.deps.search.product(id);
    if (!view) throw notFound(`no product ${id} in the search index`);
    return this.product(view, base);
  }

  async facets(input: SearchFilters | undefined): Promise<{ filters: SearchFilters; facets: unknown }> {
    const filters = await this.filters(input);
    return { filters, facets: await this.deps.search.facets(filters) };
  }

  async health(): Promise<HealthReport> {
    const ms = this.options.healthTimeoutMs;
    const [model, db] = await Promise.allSettled([
      withTimeout(this.deps.encoder.describe(), ms, 'the model server'),
      withTimeout(this.deps.search.liveVersion(), ms, 'the database'),
    ]);
    const reason = (r: PromiseRejectedResult): string => {
      const err = r.reason as { details?: string; message?: string };
      return err.details || err.message || String(r.reason);
    };
    const modelServer: HealthReport['modelServer'] =
      model.status === 'fulfilled' ? { status: 'up', modelVersion: model.value.version, dimension: model.value.dimension } : { status: 'down', error: reason(model) };
    const database: HealthReport['database'] = db.status === 'fulfilled' ? { status: 'up', liveModelVersion: db.value ?? null } : { status: 'down', error: reason(db) };
    return { status: modelServer.status === 'up' && database.status === 'up' ? 'ok' : 'degraded', modelServer, database };
  }
}
