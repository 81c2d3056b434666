// The product page: the product's image and attributes (GET /products/:id) and "more like this"
// (GET /products/:id/similar).
import { api, isAbort } from './api.js';
import { attributeLine, emptyState, errorState, loading, productGrid, productImage, skeletonGrid } from './components.js';
import { announce, h, replace } from './dom.js';
import { FILTER_LABELS, FILTERS, formatSearch, emptyState as emptySearch } from './state.js';

const SIMILAR_K = 12;

export const productView = {
  mount(ctx) {
    const page = new ProductPage(ctx);
    page.update(ctx);
    return page;
  },
};

class ProductPage {
  constructor(ctx) {
    this.root = h('div', { class: 'product-page' });
    ctx.main.append(this.root);
    this.controller = null;
  }

  unmount() {
    this.controller?.abort();
  }

  update(ctx) {
    this.ctx = ctx;
    this.controller?.abort();
    this.controller = new AbortController();
    const raw = ctx.params[0] ?? '';
    if (!/^[1-9]\d{0,9}$/.test(raw)) {
      document.title = 'Product not found · Vitrina';
      replace(this.root, h('h1', {}, 'Product not found'), emptyState(`“${raw}” is not a product id.`, null, h('a', { class: 'button', href: './' }, 'Go to search')));
      return;
    }
    void this.load(Number(raw), this.controller.signal);
  }

  async load(id, signal) {
    document.title = `Product ${id} · Vitrina`;
    replace(this.root, backLink(this.ctx), h('h1', { class: 'visually-hidden' }, `Product ${id}`), loading('Loading the product…'));
    let product;
    try {
      product = await api(`/products/${id}`, { signal });
    } catch (err) {
      if (isAbort(err)) return;
      if (err.status === 404) {
        replace(this.root, backLink(this.ctx), h('h1', {}, 'Product not found'), emptyState(err.message, 'It may not be in the search index (yet).', h('a', { class: 'button', href: './' }, 'Go to search')));
      } else {
        replace(this.root, backLink(this.ctx), h('h1', {}, `Product ${id}`), errorState(err, () => this.load(id, signal)));
      }
      this.ctx.ready();
      return;
    }
    if (signal.aborted) return;
    const name = product.name ?? `Product ${product.id}`;
    document.title = `${name} · Vitrina`;
    const similar = h('div', { class: 'similar-body', 'aria-busy': 'true' }, skeletonGrid(6));
    replace(
      this.root,
      backLink(this.ctx),
      h(
        'article',
        { class: 'product' },
        h('div', { class: 'product-media' }, productImage(product, { className: 'product-image', eager: true })),
        h(
          'div',
          { class: 'product-info' },
          h('h1', {}, name),
          h('p', { class: 'muted' }, attributeLine(product)),
          h(
            'dl',
            { class: 'attributes' },
            FILTERS.map((key) => [h('dt', {}, FILTER_LABELS[key]), h('dd', {}, product[key] === null || product[key] === undefined ? '—' : String(product[key]))]),
            h('dt', {}, 'Product id'),
            h('dd', {}, String(product.id)),
          ),
          h(
            'div',
            { class: 'product-actions' },
            product.articleType
              ? h('a', { class: 'button', href: `./${formatSearch({ ...emptySearch(), q: product.articleType, filters: { articleType: [product.articleType] } })}` }, `More ${product.articleType}`)
              : null,
            product.name ? h('a', { class: 'button', href: `./${formatSearch({ ...emptySearch(), q: product.name })}` }, 'Search this name') : null,
            product.imageUrl ? h('a', { class: 'button ghost', href: product.imageUrl, target: '_blank', rel: 'noopener' }, 'Open image') : null,
          ),
        ),
      ),
      h('section', { class: 'similar', 'aria-labelledby': 'similar-title' }, h('h2', { id: 'similar-title' }, 'More like this'), similar),
    );
    this.ctx.ready();
    try {
      const page = await api(`/products/${id}/similar?k=${SIMILAR_K}`, { signal });
      if (signal.aborted) return;
      similar.removeAttribute('aria-busy');
      if (!page.hits || page.hits.length === 0) replace(similar, emptyState('No similar products found.'));
      else {
        replace(similar, productGrid(page.hits, { label: `Products like ${name}`, eager: 0 }), h('p', { class: 'muted small' }, `Nearest image embeddings under model ${page.modelVersion}.`));
        announce(`${page.hits.length} similar products`);
      }
    } catch (err) {
      if (isAbort(err)) return;
      similar.removeAttribute('aria-busy');
      replace(similar, errorState(err, () => this.load(id, signal)));
    }
  }
}

/** Back to where the user came from inside the UI (the results keep their scroll), else to search. */
function backLink(ctx) {
  if (!ctx.from) return h('a', { class: 'back-link', href: './' }, '← Search');
  const link = h('a', { class: 'back-link', href: './' }, ctx.from === 'search' ? '← Back to results' : '← Back');
  link.addEventListener('click', (event) => {
    if (event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
    event.preventDefault();
    history.back();
  });
  return link;
}
