// Pieces the views share: product cards, the grid, and the loading, empty, error and
// "not available yet" states.
import { h } from './dom.js';
import { score } from './format.js';

/** The product's key attributes, in a short line. */
export function attributeLine(product) {
  return [product.articleType, product.baseColour, product.gender, product.season, product.year].filter((v) => v !== null && v !== undefined && v !== '').join(' · ');
}

/** An image that shows a neutral placeholder when the product has none or it fails to load. */
export function productImage(product, { className = 'thumb', eager = false } = {}) {
  const alt = product.name ?? `Product ${product.id}`;
  if (!product.imageUrl) return h('div', { class: `${className} thumb-missing`, role: 'img', 'aria-label': `${alt} (no image)` }, 'No image');
  const img = h('img', {
    class: className,
    src: product.imageUrl,
    alt,
    width: 60,
    height: 80,
    loading: eager ? 'eager' : 'lazy',
    decoding: 'async',
  });
  img.addEventListener('error', () => img.replaceWith(h('div', { class: `${className} thumb-missing`, role: 'img', 'aria-label': `${alt} (image unavailable)` }, 'Image unavailable')), { once: true });
  return img;
}

/** One result: a link to the product page with its image, name, attributes and score. */
export function productCard(hit, { eager = false, maxScore = 1 } = {}) {
  const product = hit.product ?? hit;
  const hasScore = typeof hit.score === 'number';
  const share = hasScore && maxScore > 0 ? Math.max(0, Math.min(1, hit.score / maxScore)) : 0;
  const bar = h('span', { class: 'score-bar', 'aria-hidden': 'true' }, h('span', { style: { width: `${(share * 100).toFixed(1)}%` } }));
  return h(
    'li',
    { class: 'card' },
    h(
      'a',
      { href: `products/${encodeURIComponent(product.id)}`, class: 'card-link', dataset: { productId: String(product.id) } },
      h('div', { class: 'card-media' }, productImage(product, { eager })),
      h(
        'div',
        { class: 'card-body' },
        h('span', { class: 'card-name' }, product.name ?? `Product ${product.id}`),
        h('span', { class: 'card-attrs' }, attributeLine(product) || '—'),
        hasScore ? h('span', { class: 'card-score', title: 'similarity score (higher is closer)' }, h('span', { class: 'visually-hidden' }, 'score '), score(hit.score), bar) : null,
      ),
    ),
  );
}

export function productGrid(hits, { label = 'Results', eager = 8 } = {}) {
  const maxScore = hits.reduce((m, hit) => (typeof hit.score === 'number' && hit.score > m ? hit.score : m), 0);
  return h(
    'ul',
    { class: 'grid', 'aria-label': label },
    hits.map((hit, i) => productCard(hit, { eager: i < eager, maxScore })),
  );
}

export function skeletonGrid(n = 12) {
  return h(
    'ul',
    { class: 'grid skeleton', 'aria-hidden': 'true' },
    Array.from({ length: n }, () => h('li', { class: 'card' }, h('div', { class: 'card-media' }, h('div', { class: 'thumb' })), h('div', { class: 'card-body' }, h('span', { class: 'line' }), h('span', { class: 'line short' })))),
  );
}

export function loading(text = 'Loading…') {
  return h('div', { class: 'state state-loading', role: 'status' }, h('span', { class: 'spinner', 'aria-hidden': 'true' }), text);
}

export function emptyState(title, detail, ...actions) {
  return h('div', { class: 'state state-empty', role: 'status' }, h('p', { class: 'state-title' }, title), detail ? h('p', {}, detail) : null, actions.length ? h('div', { class: 'state-actions' }, actions) : null);
}

const ERROR_TITLES = {
  0: 'The gateway could not be reached',
  400: 'The request was refused',
  404: 'Not found',
  413: 'The image is too large',
  415: 'This file cannot be used as a query image',
  503: 'A service behind the gateway is unavailable',
};

/** An error from the API with its message and, when given, a retry button. */
export function errorState(err, retry) {
  const code = err && typeof err.status === 'number' ? err.status : -1;
  const status = code > 0 ? ` (${code})` : '';
  const title = ERROR_TITLES[code] ?? (code >= 400 && code < 500 ? 'The request was refused' : 'Something went wrong');
  return h(
    'div',
    { class: 'state state-error', role: 'alert' },
    h('p', { class: 'state-title' }, `${title}${status}`),
    h('p', { class: 'error-message' }, err?.message ?? String(err)),
    retry ? h('div', { class: 'state-actions' }, h('button', { type: 'button', class: 'button', onclick: retry }, 'Try again')) : null,
  );
}

/** The state of a page whose API the gateway does not serve yet. */
export function notAvailable(title, endpoint, detail) {
  return h(
    'div',
    { class: 'state state-unavailable', role: 'status' },
    h('p', { class: 'state-title' }, title),
    h('p', {}, 'This gateway does not serve ', h('code', {}, endpoint), ' yet (it answered 404). ', detail ?? 'The page fills in as soon as the endpoint exists.'),
  );
}

/** A coloured status label: "champion", "training", "failed"... */
export function badge(text, tone = 'neutral') {
  return h('span', { class: `badge badge-${tone}` }, text);
}
