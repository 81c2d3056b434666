// The shell of the single-page UI: a router over the History API (every page has a real URL the
// gateway serves index.html for), the header's search form, image search by file picker, drag and
// drop or paste, keyboard shortcuts and the footer's health line.
import { api } from './api.js';
import { emptyState } from './components.js';
import { h, replace } from './dom.js';
import { setImageQuery } from './image-query.js';
import { modelsView } from './models.js';
import { pipelineView } from './pipeline.js';
import { productView } from './product.js';
import { searchView } from './search.js';
import { emptyState as emptySearch, formatSearch, parseSearch } from './state.js';

const BASE = new URL(document.baseURI).pathname.replace(/[^/]*$/, '');

const ROUTES = [
  { name: 'search', pattern: /^$/, view: searchView },
  { name: 'product', pattern: /^products\/([^/]+)\/?$/, view: productView },
  { name: 'models', pattern: /^models\/?$/, view: modelsView },
  { name: 'pipeline', pattern: /^pipeline\/?$/, view: pipelineView },
];

const notFoundView = {
  mount(ctx) {
    document.title = 'Page not found · Vitrina';
    replace(ctx.main, h('h1', { class: 'page-title', tabindex: '-1' }, 'Page not found'), emptyState('There is no page at this address.', null, h('a', { class: 'button', href: './' }, 'Go to search')));
    return {};
  },
};

const main = document.getElementById('main');
const form = document.getElementById('search-form');
const input = document.getElementById('q');
const modeSelect = document.getElementById('mode');
const imageInput = document.getElementById('image-input');
const imageButton = document.getElementById('image-button');
const overlay = document.getElementById('drop-overlay');

let active = null; // { route, instance }
let firstLoad = true;

/** The path of `url` below the UI's base ("" for the search page), or null if it is not a UI page. */
function appPath(url) {
  if (url.origin !== location.origin || !url.pathname.startsWith(BASE)) return null;
  const rest = url.pathname.slice(BASE.length);
  if (rest.startsWith('api/') || rest.startsWith('ui/') || rest === 'graphql') return null;
  return decodeURI(rest);
}

function match(url) {
  const path = appPath(url) ?? '';
  for (const route of ROUTES) {
    const m = route.pattern.exec(path);
    if (m) return { route, params: m.slice(1) };
  }
  return { route: { name: 'not-found', view: notFoundView }, params: [] };
}

/**
 * Goes to a UI page. `scroll`: "top" (a new page), "keep" (the same page refined: a filter), or a
 * y position (restored on back/forward).
 */
export function navigate(href, { replace: replaceEntry = false, scroll = 'top', focus = true } = {}) {
  const url = new URL(href, document.baseURI);
  if (url.href === location.href && !replaceEntry) {
    render({ scroll, focus });
    return;
  }
  const from = active ? active.route.name : null;
  history.replaceState({ ...(history.state ?? {}), scroll: window.scrollY }, '');
  if (replaceEntry) history.replaceState({ scroll: 0, from }, '', url);
  else history.pushState({ scroll: 0, from }, '', url);
  render({ scroll, focus, from });
}

function setNav(name) {
  for (const link of document.querySelectorAll('.site-nav a')) {
    const current = link.dataset.nav === (name === 'product' ? 'search' : name);
    if (current) link.setAttribute('aria-current', 'page');
    else link.removeAttribute('aria-current');
  }
}

function render({ scroll = 'top', focus = true, from = null } = {}) {
  const url = new URL(location.href);
  const fromRoute = from;
  const { route, params } = match(url);
  setNav(route.name);
  syncForm(route.name, url);
  const ctx = {
    main,
    /** The route the user came from inside the UI (null on a fresh load or back/forward). */
    from: fromRoute,
    url,
    params,
    navigate,
    /** Called by a view once its main content is in place, to restore the scroll position. */
    ready: () => {
      if (typeof scroll === 'number') window.scrollTo(0, scroll);
    },
  };
  if (active && active.route === route && active.instance.update) {
    active.instance.update(ctx);
  } else {
    active?.instance.unmount?.();
    main.replaceChildren();
    active = { route, instance: route.view.mount(ctx) ?? {} };
    if (!firstLoad && focus) {
      const heading = main.querySelector('h1');
      if (heading) {
        heading.setAttribute('tabindex', '-1');
        heading.focus({ preventScroll: true });
      }
    }
  }
  if (scroll === 'top') window.scrollTo(0, 0);
  firstLoad = false;
}

/** The header's query field and mode follow the URL of the search page. */
function syncForm(routeName, url) {
  if (routeName !== 'search') return;
  const state = parseSearch(url.search);
  if (document.activeElement !== input) input.value = state.image ? '' : state.q;
  modeSelect.value = state.mode ?? '';
}

// ---- links: in-app navigation without reloads ----

document.addEventListener('click', (event) => {
  if (event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
  const link = event.target instanceof Element ? event.target.closest('a[href]') : null;
  if (!link || link.target || link.hasAttribute('download')) return;
  const url = new URL(link.href);
  if (appPath(url) === null) return;
  event.preventDefault();
  const sameView = match(url).route.name === 'search' && match(new URL(location.href)).route.name === 'search';
  navigate(url.href, { scroll: link.dataset.scroll === 'keep' || (sameView && link.dataset.scroll !== 'top') ? 'keep' : 'top' });
});

window.addEventListener('popstate', () => {
  const y = history.state && typeof history.state.scroll === 'number' ? history.state.scroll : 0;
  render({ scroll: y, focus: false, from: history.state?.from ?? null });
});

// ---- the search form ----

form.addEventListener('submit', (event) => {
  event.preventDefault();
  const q = input.value.trim();
  const here = new URL(location.href);
  const onSearch = match(here).route.name === 'search';
  const previous = onSearch ? parseSearch(here.search) : emptySearch();
  if (!q) {
    input.focus();
    if (onSearch && !previous.q && !previous.image) return;
    navigate('./', { focus: false });
    return;
  }
  const state = { ...previous, q, mode: modeSelect.value || null, page: 1, image: false };
  navigate(`./${formatSearch(state)}`, { focus: false });
});

modeSelect.addEventListener('change', () => {
  const here = new URL(location.href);
  if (match(here).route.name !== 'search') return;
  const state = parseSearch(here.search);
  if (!state.q || state.image) return;
  navigate(`./${formatSearch({ ...state, mode: modeSelect.value || null, page: 1 })}`, { scroll: 'keep', focus: false });
});

// ---- image search: file picker, drag and drop, paste ----

/** Starts an image search for `file`, keeping the current filters when on the search page. */
export function searchByImage(file) {
  setImageQuery(file);
  const here = new URL(location.href);
  const previous = match(here).route.name === 'search' ? parseSearch(here.search) : emptySearch();
  navigate(`./${formatSearch({ ...previous, q: '', image: true, page: 1 })}`, { focus: false });
}

imageButton.addEventListener('click', () => imageInput.click());
imageInput.addEventListener('change', () => {
  const file = imageInput.files?.[0];
  if (file) searchByImage(file);
  imageInput.value = '';
});

const hasFiles = (event) => Array.from(event.dataTransfer?.types ?? []).includes('Files');
let dragDepth = 0;
window.addEventListener('dragenter', (event) => {
  if (!hasFiles(event)) return;
  event.preventDefault();
  dragDepth += 1;
  overlay.hidden = false;
});
window.addEventListener('dragover', (event) => {
  if (!hasFiles(event)) return;
  event.preventDefault();
  event.dataTransfer.dropEffect = 'copy';
});
window.addEventListener('dragleave', (event) => {
  if (!hasFiles(event)) return;
  dragDepth = Math.max(0, dragDepth - 1);
  if (dragDepth === 0) overlay.hidden = true;
});
window.addEventListener('drop', (event) => {
  if (!hasFiles(event)) return;
  event.preventDefault();
  dragDepth = 0;
  overlay.hidden = true;
  const file = event.dataTransfer.files[0];
  if (file) searchByImage(file);
});
document.addEventListener('paste', (event) => {
  const file = Array.from(event.clipboardData?.files ?? []).find((f) => f.type.startsWith('image/'));
  if (!file) return;
  event.preventDefault();
  searchByImage(file);
});

// ---- keyboard: "/" focuses the search field ----

document.addEventListener('keydown', (event) => {
  if (event.key !== '/' || event.metaKey || event.ctrlKey || event.altKey) return;
  const target = event.target;
  if (target instanceof HTMLElement && (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName))) return;
  event.preventDefault();
  input.focus();
  input.select();
});

// ---- footer: which model version answers ----

async function footerStatus() {
  const footer = document.getElementById('footer-status');
  try {
    const health = await api('/health');
    const version = health?.database?.liveModelVersion ?? health?.modelServer?.modelVersion;
    footer.textContent = `Gateway ${health.status === 'ok' ? 'up' : 'degraded'}${version ? ` · model ${version}` : ''}`;
  } catch (err) {
    const health = err?.body;
    if (health && health.status === 'degraded') {
      const down = ['modelServer', 'database'].filter((name) => health[name]?.status === 'down');
      footer.textContent = `Gateway degraded: ${down.map((n) => (n === 'modelServer' ? 'model server' : 'database')).join(' and ')} down`;
    } else footer.textContent = 'Gateway health unknown';
  }
}

history.scrollRestoration = 'manual';
render({ scroll: 'top' });
void footerStatus();
