// The search state and the URL that holds it: /?q=blue+shirt&mode=hybrid&gender=Men&page=2.
// Pure functions (no DOM), so the unit tests import this module directly (beside the attributes
// module the gateway writes: test/unit/ui-state.test.ts).

import { FILTER_ATTRIBUTES } from './attributes.js';

/** The filter attributes of the REST API, in the order the filter panel shows them (the gateway serves the list: attributes.js). */
export const FILTERS = FILTER_ATTRIBUTES.map((a) => a.name);

export const FILTER_LABELS = Object.fromEntries(FILTER_ATTRIBUTES.map((a) => [a.name, a.label]));

/** The attributes a text search counts (facets=...), and those query understanding reads (ignore=... takes them). */
const FACETS = FILTER_ATTRIBUTES.filter((a) => a.facet).map((a) => a.name);
const UNDERSTOOD = FILTER_ATTRIBUTES.filter((a) => a.understood).map((a) => a.name);

export const MODES = ['vector', 'hybrid', 'name'];
export const PAGE_SIZES = [24, 48, 96];
export const DEFAULT_K = 24;
/** The gateway refuses offsets above this (its maxOffset default). */
export const MAX_OFFSET = 1000;

/**
 * @typedef {{ q: string, mode: string | null, page: number, k: number, image: boolean, filters: Record<string, string[]>, ignore?: string[], allVariants?: boolean }} SearchState
 * ignore: attributes the shopper removed from what the search understood (present only when some are);
 * allVariants: every product of a display name as its own result (present only when asked).
 */

/** @returns {SearchState} */
export function emptyState() {
  return { q: '', mode: null, page: 1, k: DEFAULT_K, image: false, filters: {} };
}

function positiveInt(raw, fallback) {
  if (raw === null || raw === '' || !/^\d+$/.test(raw)) return fallback;
  const n = Number(raw);
  return Number.isSafeInteger(n) && n >= 1 ? n : fallback;
}

/**
 * Reads the search state from a query string (or URLSearchParams).
 * @param {string | URLSearchParams} search
 * @returns {SearchState}
 */
export function parseSearch(search) {
  const params = typeof search === 'string' ? new URLSearchParams(search) : search;
  const state = emptyState();
  state.q = (params.get('q') ?? '').trim();
  const mode = params.get('mode');
  state.mode = mode && MODES.includes(mode) ? mode : null;
  const k = positiveInt(params.get('k'), DEFAULT_K);
  state.k = PAGE_SIZES.includes(k) ? k : DEFAULT_K;
  state.page = positiveInt(params.get('page'), 1);
  state.image = params.get('image') === '1';
  for (const name of FILTERS) {
    const values = [...new Set(params.getAll(name).map((v) => v.trim()).filter((v) => v.length > 0))];
    if (values.length > 0) state.filters[name] = values;
  }
  const ignore = [...new Set(params.getAll('ignore'))].filter((v) => UNDERSTOOD.includes(v));
  if (ignore.length > 0) state.ignore = ignore;
  if (params.get('variants') === 'all') state.allVariants = true;
  return state;
}

/** The filters as repeated parameters, in a stable order; `except` leaves one attribute out. */
export function filterParams(filters, except = null) {
  const params = new URLSearchParams();
  for (const name of FILTERS) {
    if (name === except) continue;
    for (const value of filters[name] ?? []) params.append(name, value);
  }
  return params;
}

/**
 * The query string of the page URL for a state ("" for the empty state, else "?...").
 * @param {SearchState} state
 */
export function formatSearch(state) {
  const params = new URLSearchParams();
  if (state.image) params.set('image', '1');
  else if (state.q) params.set('q', state.q);
  if (state.mode && !state.image) params.set('mode', state.mode);
  for (const [name, value] of filterParams(state.filters)) params.append(name, value);
  if (!state.image) for (const name of state.ignore ?? []) params.append('ignore', name);
  if (state.allVariants && !state.image) params.set('variants', 'all');
  if (state.k !== DEFAULT_K) params.set('k', String(state.k));
  if (state.page > 1) params.set('page', String(state.page));
  const text = params.toString();
  return text ? `?${text}` : '';
}

/** The offset of the state's page. */
export function offsetOf(state) {
  return (state.page - 1) * state.k;
}

/** The highest page number the gateway will answer for this page size. */
export function lastPage(k) {
  return Math.floor(MAX_OFFSET / k) + 1;
}

/**
 * The query string of the REST call for a state: GET /search (text) or POST /search/image.
 * @param {SearchState} state
 */
export function apiParams(state) {
  const params = new URLSearchParams();
  if (!state.image) {
    params.set('q', state.q);
    if (state.mode) params.set('mode', state.mode);
  }
  params.set('k', String(state.k));
  params.set('offset', String(offsetOf(state)));
  for (const [name, value] of filterParams(state.filters)) params.append(name, value);
  return params;
}

/** A copy of the state with one filter value toggled on or off, back on page 1. */
export function toggleFilter(state, name, value) {
  const filters = structuredCloneFilters(state.filters);
  const values = new Set(filters[name] ?? []);
  if (values.has(value)) values.delete(value);
  else values.add(value);
  if (values.size > 0) filters[name] = [...values];
  else delete filters[name];
  return { ...state, filters, page: 1 };
}

/** A copy of the state without filters, back on page 1. */
export function clearFilters(state) {
  return { ...state, filters: {}, page: 1 };
}

export function activeFilterCount(filters) {
  return FILTERS.reduce((n, name) => n + (filters[name]?.length ?? 0), 0);
}

function structuredCloneFilters(filters) {
  const out = {};
  for (const [name, values] of Object.entries(filters)) out[name] = [...values];
  return out;
}

/**
 * The extra parameters of a text search the results page sends: the attributes the shopper
 * removed from what was understood, facet counts over the search's own top results, and variants
 * collapsed by display name unless every variant was asked for.
 * @param {SearchState} state
 */
export function resultSetParams(state) {
  const params = new URLSearchParams();
  if (state.image) return params;
  for (const name of state.ignore ?? []) params.append('ignore', name);
  params.set('facets', FACETS.join(','));
  if (!state.allVariants) params.set('collapse', 'name');
  return params;
}

/** A copy of the state that no longer applies what the search understood of one attribute, back on page 1. */
export function ignoreUnderstood(state, attribute) {
  return { ...state, ignore: [...new Set([...(state.ignore ?? []), attribute])], page: 1 };
}

