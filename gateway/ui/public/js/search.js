// The search page: text search (GET /search) or image search (POST /search/image) with the
// filters, facet counts (GET /facets), pagination and the query image's preview. Everything but
// the image lives in the URL, so a results page can be shared.
import { api, isAbort } from './api.js';
import { emptyState, errorState, productGrid, skeletonGrid } from './components.js';
import { announce, h, replace } from './dom.js';
import { bytes, count } from './format.js';
import { clearImageQuery, imageQuery } from './image-query.js';
import {
  FILTER_LABELS,
  FILTERS,
  PAGE_SIZES,
  activeFilterCount,
  apiParams,
  clearFilters,
  filterParams,
  formatSearch,
  ignoreUnderstood,
  lastPage,
  parseSearch,
  resultSetParams,
  toggleFilter,
} from './state.js';

/** Recent answers, so going back to results (or a facet list) shows them at once. */
const recent = new Map();
const RECENT_MS = 60_000;
const RECENT_MAX = 30;

async function cachedApi(path, signal) {
  const hit = recent.get(path);
  if (hit && Date.now() - hit.at < RECENT_MS) return hit.data;
  const data = await api(path, { signal });
  recent.delete(path);
  recent.set(path, { at: Date.now(), data });
  if (recent.size > RECENT_MAX) recent.delete(recent.keys().next().value);
  return data;
}

const EXAMPLES = ['blue denim jeans', 'red dress', 'white sports shoes', 'black leather handbag', 'analog watch', 'kurta for women'];
const FACET_PREVIEW = 6;

export const searchView = {
  mount(ctx) {
    const page = new SearchPage(ctx);
    page.update(ctx);
    return page;
  },
};

const href = (state) => `./${formatSearch(state)}`;

class SearchPage {
  constructor(ctx) {
    this.ctx = ctx;
    this.controller = null;
    this.expanded = new Set();
    this.facetsOpen = false;
    this.lastKey = null;
    this.root = h('div', { class: 'search-page' });
    ctx.main.append(this.root);
  }

  unmount() {
    this.controller?.abort();
  }

  update(ctx) {
    this.ctx = ctx;
    const state = parseSearch(ctx.url.search);
    this.controller?.abort();
    this.controller = new AbortController();
    if (state.image) {
      const image = imageQuery();
      if (!image) return this.renderHome(state, 'The image of this search is not kept across page loads: choose or drop it again.');
      return this.load(state, image, this.controller.signal);
    }
    if (!state.q) return this.renderHome(state);
    return this.load(state, null, this.controller.signal);
  }

  // ---- the start page ----

  renderHome(state, notice = null) {
    document.title = 'Search · Vitrina';
    this.lastKey = null;
    replace(
      this.root,
      h(
        'section',
        { class: 'home' },
        h('h1', { class: 'home-title' }, 'Find products by words or by picture'),
        h('p', { class: 'home-lead' }, 'Type what you are looking for in the search box, or search with a photo of a product.'),
        notice ? h('p', { class: 'notice', role: 'status' }, notice) : null,
        activeFilterCount(state.filters) > 0 && !notice ? h('p', { class: 'notice', role: 'status' }, 'Filters apply to a search: type a query or choose an image.') : null,
        h(
          'div',
          { class: 'examples' },
          h('span', { class: 'examples-label', id: 'examples-label' }, 'Try:'),
          h('ul', { 'aria-labelledby': 'examples-label' }, EXAMPLES.map((q) => h('li', {}, h('a', { class: 'chip', href: href({ ...state, q, image: false, page: 1 }), 'data-scroll': 'top' }, q)))),
        ),
        dropZone(),
      ),
    );
    this.ctx.ready();
  }

  // ---- results ----

  layout() {
    if (this.root.querySelector('.search-layout')) return;
    this.head = h('div', { class: 'search-head' });
    this.facetsPanel = h('aside', { class: 'facets', id: 'facets', 'aria-label': 'Filters' });
    this.toolbar = h('div', { class: 'results-toolbar' });
    this.results = h('div', { class: 'results-body', 'aria-live': 'off' });
    this.pager = h('nav', { class: 'pager', 'aria-label': 'Pages' });
    // The toolbar (active filters, page size and, on narrow screens, the button that unfolds the
    // filters) sits above both columns, so the unfolded filters come right under their button.
    replace(
      this.root,
      this.head,
      this.toolbar,
      h('div', { class: 'search-layout' }, this.facetsPanel, h('section', { class: 'results', 'aria-label': 'Results' }, this.results, this.pager)),
    );
    this.results.append(skeletonGrid());
  }

  async load(state, image, signal) {
    this.layout();
    this.renderHead(state, image, null);
    this.renderToolbar(state);
    const key = `${image ? `image:${image.id}` : `q:${state.q}|${state.mode}|${resultSetParams(state)}`}|${filterParams(state.filters)}|${state.k}|${state.page}`;
    this.lastKey = key;
    this.results.setAttribute('aria-busy', 'true');
    this.results.classList.add('is-loading');
    if (!this.results.querySelector('.grid')) replace(this.results, skeletonGrid(Math.min(state.k, 12)));
    this.pager.replaceChildren();
    document.title = `${image ? 'Image search' : state.q} · Vitrina`;

    // an image search counts facets over the catalog; a text search over its own top results
    let facets = image ? this.loadFacets(state, signal) : null;
    try {
      const params = apiParams(state);
      let page;
      if (image) {
        const body = new FormData();
        body.append('image', image.file, image.name);
        page = await api(`/search/image?${params}`, { method: 'POST', body, signal });
      } else {
        page = await cachedApi(`/search?${params}&${resultSetParams(state)}`, signal);
        facets = this.loadFacets(state, signal, page.facets ?? null, page.resultGroups ?? page.resultsCounted ?? null);
      }
      if (signal.aborted) return;
      this.renderResults(state, image, page);
    } catch (err) {
      if (isAbort(err) || signal.aborted) return;
      this.renderHead(state, image, null, 'Search failed');
      replace(this.results, errorState(err, () => this.update(this.ctx)));
      announce(`Search failed: ${err.message}`);
    } finally {
      if (!signal.aborted) {
        this.results.removeAttribute('aria-busy');
        this.results.classList.remove('is-loading');
        this.ctx.ready();
      }
    }
    await facets;
  }

  renderHead(state, image, page, status = 'Searching…') {
    const title = image ? 'Results for your image' : h('span', {}, 'Results for ', h('q', {}, state.q));
    const parts = [];
    if (page) {
      const from = page.offset + 1;
      const to = page.offset + page.hits.length;
      parts.push(page.hits.length > 0 ? `Showing ${count(from)}–${count(to)}` : 'No results');
      if (page.modelVersion) parts.push(`model ${page.modelVersion}`);
      if (page.query?.mode) parts.push(`${page.query.mode} mode`);
    } else parts.push(status);
    const preview = image
      ? h(
          'figure',
          { class: 'query-image' },
          queryPreview(image),
          h(
            'figcaption',
            {},
            h('span', { class: 'query-image-name' }, image.name),
            h('span', { class: 'muted' }, [page?.query?.image ? `${page.query.image.width}×${page.query.image.height} ${page.query.image.format}` : image.type || 'image', bytes(image.size)].join(' · ')),
            h(
              'span',
              { class: 'query-image-actions' },
              h('button', { type: 'button', class: 'button small', onclick: () => document.getElementById('image-input')?.click() }, 'Change image'),
              h('a', { class: 'button small ghost', href: href({ ...state, image: false, q: '', page: 1 }), onclick: () => clearImageQuery() }, 'Clear'),
            ),
          ),
        )
      : null;
    replace(this.head, preview, h('div', { class: 'search-title' }, h('h1', {}, title), h('p', { class: 'muted', id: 'results-summary' }, parts.join(' · '))), image ? null : understoodChips(state, page));
  }

  renderToolbar(state) {
    const n = activeFilterCount(state.filters);
    const label = () => `${this.facetsOpen ? 'Hide filters' : 'Filters'}${n > 0 ? ` (${n})` : ''}`;
    const toggle = h('button', { type: 'button', class: 'button facets-toggle', 'aria-controls': 'facets', 'aria-expanded': String(this.facetsOpen) }, label());
    toggle.addEventListener('click', () => {
      this.facetsOpen = !this.facetsOpen;
      toggle.setAttribute('aria-expanded', String(this.facetsOpen));
      toggle.textContent = label();
      this.facetsPanel.classList.toggle('open', this.facetsOpen);
    });
    this.facetsPanel.classList.toggle('open', this.facetsOpen);
    const chips = [];
    for (const name of FILTERS) {
      for (const value of state.filters[name] ?? []) {
        chips.push(
          h(
            'li',
            {},
            h(
              'a',
              { class: 'chip chip-active', href: href(toggleFilter(state, name, value)), 'aria-label': `Remove filter ${FILTER_LABELS[name]}: ${value}` },
              h('span', { class: 'chip-label' }, `${FILTER_LABELS[name]}: `),
              value,
              h('span', { class: 'chip-x', 'aria-hidden': 'true' }, '×'),
            ),
          ),
        );
      }
    }
    const size = h(
      'select',
      { id: 'page-size', onchange: (e) => this.ctx.navigate(href({ ...state, k: Number(e.target.value), page: 1 }), { scroll: 'keep', focus: false }) },
      PAGE_SIZES.map((k) => h('option', { value: String(k), selected: k === state.k }, String(k))),
    );
    replace(
      this.toolbar,
      toggle,
      chips.length > 0
        ? h('ul', { class: 'active-filters', 'aria-label': 'Active filters' }, chips, h('li', {}, h('a', { class: 'chip chip-clear', href: href(clearFilters(state)) }, 'Clear all')))
        : null,
      h('span', { class: 'page-size' }, h('label', { for: 'page-size' }, 'Per page'), size),
    );
  }

  renderResults(state, image, page) {
    this.renderHead(state, image, page);
    const hits = Array.isArray(page.hits) ? page.hits : [];
    const relaxed = relaxedNotice(page) ?? broadenedNotice(page);
    if (hits.length === 0) {
      const filtered = activeFilterCount(state.filters) > 0;
      const actions = [];
      if (filtered) actions.push(h('a', { class: 'button', href: href(clearFilters(state)) }, 'Clear filters'));
      if (state.page > 1) actions.push(h('a', { class: 'button', href: href({ ...state, page: 1 }) }, 'Back to page 1'));
      replace(
        this.results,
        emptyState(
          state.page > 1 ? `No more results after page ${state.page - 1}` : filtered ? 'No products match these filters' : 'No products found',
          filtered ? 'Remove a filter or two to widen the search.' : image ? 'Try another image.' : 'Try other words.',
          ...actions,
        ),
      );
      this.pager.replaceChildren();
      announce('No results');
      return;
    }
    const grid = productGrid(hits, { label: image ? 'Products similar to your image' : `Results for ${state.q}` });
    hits.forEach((hit, i) => {
      if ((hit.variants?.count ?? 1) > 1) grid.children[i]?.append(variantList(hit.variants));
    });
    const grouping = image
      ? null
      : h(
          'p',
          { class: 'variants-toggle muted' },
          state.allVariants
            ? h('a', { href: href({ ...state, allVariants: undefined, page: 1 }) }, 'Group variants of the same product')
            : h('a', { href: href({ ...state, allVariants: true, page: 1 }) }, 'Show every variant as its own result'),
        );
    replace(this.results, relaxed, grouping, grid);
    this.renderPager(state, page);
    announce(`${hits.length} results${image ? ' for your image' : ` for ${state.q}`}, page ${state.page}`);
  }

  renderPager(state, page) {
    const hasNext = page.nextOffset !== null && page.nextOffset !== undefined && state.page < lastPage(state.k);
    if (state.page === 1 && !hasNext) {
      this.pager.replaceChildren();
      return;
    }
    const prev =
      state.page > 1
        ? h('a', { class: 'button', href: href({ ...state, page: state.page - 1 }), rel: 'prev', 'data-scroll': 'top' }, '← Previous')
        : h('span', { class: 'button', 'aria-disabled': 'true' }, '← Previous');
    const next = hasNext
      ? h('a', { class: 'button', href: href({ ...state, page: state.page + 1 }), rel: 'next', 'data-scroll': 'top' }, 'Next →')
      : h('span', { class: 'button', 'aria-disabled': 'true' }, 'Next →');
    replace(this.pager, prev, h('span', { class: 'pager-current', 'aria-current': 'page' }, `Page ${state.page}`), next);
  }

  // ---- facets ----

  async loadFacets(state, signal, resultFacets = null, counted = null) {
    const selected = FILTERS.filter((name) => (state.filters[name]?.length ?? 0) > 0);
    // Counts for an attribute with a selection come from the other filters only, so its other
    // values stay visible with the counts they would give (values of one attribute are ORed).
    // The others count the search's own top results when it sent them, else the catalog.
    const requests = [resultFacets ? { facets: resultFacets } : cachedApi(`/facets?${filterParams(state.filters)}`, signal), ...selected.map((name) => cachedApi(`/facets?${filterParams(state.filters, name)}`, signal))];
    try {
      const [all, ...others] = await Promise.all(requests);
      if (signal.aborted) return;
      const facets = { ...(all?.facets ?? {}) };
      selected.forEach((name, i) => {
        facets[name] = others[i]?.facets?.[name] ?? facets[name];
      });
      this.renderFacets(state, facets, resultFacets ? counted : null);
    } catch (err) {
      if (isAbort(err) || signal.aborted) return;
      replace(this.facetsPanel, h('h2', { class: 'facets-title' }, 'Filters'), h('p', { class: 'facets-error', role: 'alert' }, `Filter counts are unavailable: ${err.message}`));
    }
  }

  renderFacets(state, facets, counted = null) {
    const focused = document.activeElement instanceof HTMLInputElement && this.facetsPanel.contains(document.activeElement) ? document.activeElement.dataset.key : null;
    const groups = [];
    for (const name of FILTERS) {
      const selected = new Set(state.filters[name] ?? []);
      const list = Array.isArray(facets[name]) ? facets[name].map((v) => ({ value: String(v.value), count: Number(v.count) })).filter((v) => v.value !== 'null' && v.value !== '') : [];
      for (const value of selected) if (!list.some((v) => v.value === value)) list.unshift({ value, count: null });
      const values = list.filter((v) => selected.has(v.value) || (v.count ?? 0) > 0);
      if (values.length === 0) continue;
      const expanded = this.expanded.has(name);
      const shown = expanded ? values : values.filter((v, i) => i < FACET_PREVIEW || selected.has(v.value));
      const legendId = `facet-${name}`;
      groups.push(
        h(
          'fieldset',
          { class: 'facet', 'aria-labelledby': legendId },
          h('legend', { id: legendId }, FILTER_LABELS[name], selected.size > 0 ? h('span', { class: 'facet-selected' }, ` (${selected.size})`) : null),
          h(
            'ul',
            {},
            shown.map(({ value, count: n }) => {
              const key = `${name}=${value}`;
              const id = `f-${name}-${value.replace(/[^a-zA-Z0-9]+/g, '-')}`;
              return h(
                'li',
                {},
                h('input', {
                  type: 'checkbox',
                  id,
                  checked: selected.has(value),
                  dataset: { key, filter: name, value },
                  onchange: () => this.ctx.navigate(href(toggleFilter(state, name, value)), { scroll: 'keep', focus: false }),
                }),
                h('label', { for: id }, h('span', { class: 'facet-value' }, value), n === null ? null : h('span', { class: 'facet-count' }, count(n))),
              );
            }),
          ),
          values.length > shown.length || expanded
            ? h(
                'button',
                {
                  type: 'button',
                  class: 'link-button',
                  'aria-expanded': String(expanded),
                  onclick: () => {
                    if (expanded) this.expanded.delete(name);
                    else this.expanded.add(name);
                    this.renderFacets(state, facets, counted);
                    this.facetsPanel.querySelector(`fieldset[aria-labelledby="${legendId}"] .link-button`)?.focus();
                  },
                },
                expanded ? 'Show fewer' : `Show all ${values.length}`,
              )
            : null,
        ),
      );
    }
    replace(
      this.facetsPanel,
      h('h2', { class: 'facets-title' }, 'Filters'),
      h(
        'p',
        { class: 'facets-hint muted' },
        counted === null ? 'Counts: catalog products that match the other filters.' : `Counts: among the top ${count(counted)} results of this search (a chosen attribute: catalog products that match the other filters).`,
      ),
      groups.length > 0 ? groups : h('p', { class: 'muted' }, 'No filter values.'),
    );
    if (focused) {
      for (const input of this.facetsPanel.querySelectorAll('input[type="checkbox"]')) if (input.dataset.key === focused) input.focus({ preventScroll: true });
    }
  }
}

const NOT_LABEL = { filter: '', exclude: 'not ', boost: 'preferably ' };

/** What the search read from the query, as chips the shopper can remove (the search runs again without it). */
function understoodChips(state, page) {
  const understood = page?.query?.understood;
  if (!Array.isArray(understood) || (understood.length === 0 && !state.ignore)) return null;
  const chips = understood.map((u) =>
    h(
      'li',
      {},
      h(
        'a',
        { class: 'chip chip-understood', href: href(ignoreUnderstood(state, u.attribute)), 'aria-label': `Stop applying ${FILTER_LABELS[u.attribute] ?? u.attribute}: ${NOT_LABEL[u.applied] ?? ''}${u.values.join(', ')} (read from "${u.text}")`, title: `read from "${u.text}"${u.source === 'typo' ? ' (a typo corrected)' : ''}` },
        h('span', { class: 'chip-label' }, `${FILTER_LABELS[u.attribute] ?? u.attribute}: `),
        `${NOT_LABEL[u.applied] ?? ''}${u.values.join(', ')}`,
        h('span', { class: 'chip-x', 'aria-hidden': 'true' }, '×'),
      ),
    ),
  );
  if (state.ignore) chips.push(h('li', {}, h('a', { class: 'chip chip-clear', href: href({ ...state, ignore: undefined, page: 1 }) }, 'Apply everything understood')));
  return h('div', { class: 'understood' }, h('span', { class: 'understood-label muted', id: 'understood-label' }, 'Understood:'), h('ul', { 'aria-labelledby': 'understood-label' }, chips));
}

/** When what was understood left nothing, the search dropped the least certain part: say which. */
function relaxedNotice(page) {
  const relaxed = page?.query?.relaxed;
  if (!Array.isArray(relaxed) || relaxed.length === 0) return null;
  const parts = relaxed.map((u) => `${FILTER_LABELS[u.attribute] ?? u.attribute} “${u.text}”`);
  return h('p', { class: 'notice relaxed-notice', role: 'status' }, `Nothing matched everything in your search, so these results leave out ${parts.join(' and ')}.`);
}

/** When what was understood left the first page short, the rest of it was found without the least certain part: say from where and without what. */
function broadenedNotice(page) {
  const broadened = page?.query?.broadened;
  if (!broadened || !Array.isArray(broadened.dropped) || broadened.dropped.length === 0) return null;
  const parts = broadened.dropped.map((u) => `${FILTER_LABELS[u.attribute] ?? u.attribute} “${u.text}”`);
  const head = broadened.after > 0 ? `The first ${broadened.after} results match everything in your search` : 'Nothing matched everything in your search';
  return h('p', { class: 'notice broadened-notice', role: 'status' }, `${head}; the ones after them leave out ${parts.join(' and ')}.`);
}

/** The other products of a collapsed hit's display name, folded under the card. */
function variantList(variants) {
  return h(
    'details',
    { class: 'variants' },
    h('summary', {}, `${count(variants.count)} variants`),
    h(
      'ul',
      {},
      variants.products.map((p) =>
        h('li', {}, h('a', { href: `products/${encodeURIComponent(p.id)}` }, [p.baseColour, p.gender].filter((v) => v).join(' · ') || `Product ${p.id}`)),
      ),
    ),
  );
}

/** The query image as the browser shows it, or a placeholder when it cannot (not an image). */
function queryPreview(image) {
  const placeholder = () => h('div', { class: 'query-image-none', role: 'img', 'aria-label': 'No preview' }, 'No preview');
  if (image.type && !image.type.startsWith('image/')) return placeholder();
  const img = h('img', { src: image.previewUrl, alt: 'The query image', width: 72, height: 96 });
  img.addEventListener('error', () => img.replaceWith(placeholder()), { once: true });
  return img;
}

/** The big "drop an image here" target of the start page (a button: it opens the file picker). */
function dropZone() {
  return h(
    'button',
    { type: 'button', class: 'drop-zone', onclick: () => document.getElementById('image-input')?.click() },
    h('span', { class: 'drop-zone-title' }, 'Search by image'),
    h('span', { class: 'muted' }, 'Drop a photo anywhere on the page, paste one, or choose a file (JPEG, PNG, WebP, GIF, AVIF, TIFF).'),
  );
}

