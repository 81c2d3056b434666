// End-to-end tests of the web UI in a real browser: Debian's Chromium (installed by
// ensure-chromium.sh when missing) driven by playwright-core, against the real gateway of the real
// system on the stack the environment names (the test stack: `eval "$(npx vitrina stack --test env)"`).
//
// ./system.ts starts it in this process: the drawn 80-product catalog of ./fixtures.ts ingested by
// the real ingest, projected and embedded by the real projectors and embedder with the tiny model
// (a real gRPC model server), images served from MinIO; the gateway built as `vitrina serve all`
// builds it (search core over the embeddings projection, model-server client, UI, pipeline and
// model-registry routes); the registry's history of a model name of this run's own; an upload
// predicted by the dispatcher and a file dead-lettered. The tiny model's vectors mean nothing, so
// the assertions are about what the test controls: its own products and their attributes, filters
// and facet counts against the catalog it ingested, an exact image or exact name finding its own
// product first (similarity 1), the registry and pipeline rows its events made. A second gateway
// with the UI only and a model-server address nothing listens on gives the "not available" and
// 503 states.
//
// Screenshots of every page go to test/e2e/screenshots/ (git-ignored) for a look by eye.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type BrowserContextOptions, type Page } from 'playwright-core';
import t, { type Test } from 'tap';
import { DEFAULT_SEARCH_MODE } from '../../gateway/config.ts';
import type { CatalogProduct } from './fixtures.ts';
import { startE2eSystem, type E2eSystem } from './system.ts';

// Functions given to page.evaluate and waitForFunction run in the browser. The project's
// TypeScript has no DOM library (it is a Node project), so the browser globals they use are
// declared loosely here, for this file only.
/* eslint-disable @typescript-eslint/no-explicit-any */
declare const document: any;
declare const window: any;
declare const getComputedStyle: any;
declare const DataTransfer: any;
declare const DragEvent: any;
declare const File: any;
type HTMLElement = any;
type HTMLImageElement = any;
type HTMLInputElement = any;
type DataTransfer = any;

const here = path.dirname(fileURLToPath(import.meta.url));
const SHOTS = path.join(here, 'screenshots');
fs.mkdirSync(SHOTS, { recursive: true });

// Installing Chromium on a fresh machine takes a few minutes: tell tap before it starts.
t.setTimeout(20 * 60_000);
const executablePath = execFileSync('bash', [path.join(here, 'ensure-chromium.sh')], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], timeout: 15 * 60_000 }).trim().split('\n').pop()!;

const system: E2eSystem = await startE2eSystem();
t.teardown(() => system.close());
const full = { url: system.url };
const bare = { url: system.bareUrl };
// playwright launches Chromium with a fresh temporary --user-data-dir of its own (it refuses one in
// args) and removes it on close.
const browser: Browser = await chromium.launch({
  executablePath,
  headless: true,
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
t.teardown(() => browser.close());

const products = system.catalog.products;
const ids = new Set(products.map((p) => p.id));
const where = (test: (p: CatalogProduct) => boolean): CatalogProduct[] => products.filter(test);
const ascending = (a: number, b: number): number => a - b;
const count = (test: (p: CatalogProduct) => boolean): number => where(test).length;

const DESKTOP: BrowserContextOptions = { viewport: { width: 1280, height: 900 } };
const PHONE: BrowserContextOptions = { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, deviceScaleFactor: 1 };

/** A fresh browser context and page; console errors and page errors fail the test. */
async function withPage(t: Test, options: BrowserContextOptions, fn: (page: Page) => Promise<void>): Promise<void> {
  const context = await browser.newContext({ ...options, serviceWorkers: 'block' });
  const page = await context.newPage();
  page.setDefaultTimeout(20_000);
  const problems: string[] = [];
  page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
  page.on('console', (msg) => {
    // The browser logs every 4xx/5xx response; the flows that expect one check the page instead.
    if (msg.type() === 'error' && !/Failed to load resource/.test(msg.text())) problems.push(`console: ${msg.text()}`);
  });
  try {
    await fn(page);
  } finally {
    await context.close();
  }
  t.same(problems, [], 'no script errors, CSP violations or console errors');
}

/** Saves a screenshot; a full-page one from the top, so the sticky header sits where it belongs. */
async function shot(page: Page, name: string, fullPage = true): Promise<void> {
  if (fullPage) await page.evaluate(() => window.scrollTo(0, 0));
  await page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage });
}

/** The names and attribute lines of the result cards in a grid. */
async function cards(page: Page, scope = '.results'): Promise<Array<{ id: number; name: string; attrs: string; score: string }>> {
  return page.$$eval(`${scope} .grid .card-link`, (links) =>
    links.map((a) => ({
      id: Number((a as HTMLElement).dataset.productId),
      name: a.querySelector('.card-name')?.textContent ?? '',
      attrs: a.querySelector('.card-attrs')?.textContent ?? '',
      score: (a.querySelector('.card-score')?.textContent ?? '').replace(/[^0-9.-]/g, ''),
    })),
  );
}

async function resultsSettled(page: Page): Promise<void> {
  await page.waitForSelector('.results-body:not([aria-busy]) .grid .card, .results-body:not([aria-busy]) .state');
}

/** The eagerly loaded images of a grid have all loaded (served by the gateway's image route). */
async function imagesLoaded(page: Page, scope = '.results'): Promise<void> {
  await page.waitForFunction((s) => {
    const imgs = [...document.querySelectorAll(`${s} .grid img[loading="eager"]`)] as HTMLImageElement[];
    return imgs.length > 0 && imgs.every((img) => img.complete && img.naturalWidth > 0);
  }, scope);
}

async function noHorizontalScroll(page: Page): Promise<boolean> {
  return page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth + 1);
}

/** The text of a facet value's count, e.g. for the label of #f-gender-Women. */
async function facetCount(page: Page, name: string, value: string): Promise<number> {
  return Number(await page.textContent(`label[for="f-${name}-${value}"] .facet-count`));
}

t.test('search: type a query, see results, page through them, name mode, keyboard and shareable URL', async (t) => {
  await withPage(t, DESKTOP, async (page) => {
    await page.goto(`${full.url}/`);
    await page.waitForSelector('h1.home-title');
    t.match(await page.textContent('h1'), 'Find products by words or by picture', 'the start page');
    await page.waitForFunction((v) => document.getElementById('footer-status')?.textContent?.includes(`model ${v}`), system.champion);
    await shot(page, 'home');

    await page.keyboard.press('/');
    t.equal(await page.evaluate(() => document.activeElement?.id), 'q', '"/" focuses the search field');
    await page.keyboard.type('blue jeans');
    await page.keyboard.press('Enter');
    await page.waitForURL(/\?q=blue\+jeans$/);
    await resultsSettled(page);
    await imagesLoaded(page);
    t.equal(await page.evaluate(() => document.activeElement?.id), 'q', 'focus stays in the search field after searching');
    const first = await cards(page);
    t.equal(first.length, 24, 'a page of 24 results');
    t.ok(first.every((c) => ids.has(c.id)), 'every result is a product this test ingested');
    const one = products.find((p) => p.id === first[0]!.id)!;
    t.equal(first[0]!.name, one.name, 'cards show the ingested name');
    t.equal(first[0]!.attrs, [one.articleType, one.baseColour, one.gender, one.season, one.year].filter((v) => v !== null).join(' · '), 'and the key attributes');
    const scores = first.map((c) => Number(c.score));
    t.ok(scores.every((s, i) => i === 0 || s <= scores[i - 1]!), 'cards show scores, best first');
    t.match(await page.textContent('#results-summary'), `Showing 1–24 · model ${system.champion} · ${DEFAULT_SEARCH_MODE} mode` /* no mode in the URL: the default */);
    await page.waitForSelector('#facets fieldset');
    for (const gender of ['Men', 'Women', 'Girls']) t.equal(await facetCount(page, 'gender', gender), count((p) => p.gender === gender), `the ${gender} facet counts the ingested catalog`);
    t.equal(await facetCount(page, 'articleType', 'Jeans'), count((p) => p.articleType === 'Jeans'), 'so does the Jeans facet');
    t.equal(await page.title(), 'blue jeans · Vitrina');
    await shot(page, 'search');

    await page.click('a[rel="next"]');
    await page.waitForURL(/page=2/);
    await resultsSettled(page);
    t.match(await page.textContent('#results-summary'), /Showing 25–48/, 'the second page');
    const second = await cards(page);
    t.equal(second.length, 24);
    t.notOk(second.some((c) => first.some((f) => f.id === c.id)), 'page 2 holds other products');
    await page.click('a[rel="prev"]');
    await page.waitForURL(/\?q=blue\+jeans$/);
    await resultsSettled(page);
    t.same((await cards(page)).map((c) => c.id), first.map((c) => c.id), 'back on page 1');

    // The URL is the query: opened in a fresh page, it shows the same results.
    const shared = await page.context().newPage();
    await shared.goto(`${full.url}/?q=blue+jeans&page=2`);
    await resultsSettled(shared);
    t.same((await cards(shared)).map((c) => c.id), second.map((c) => c.id), 'a shared URL gives the same page');
    t.equal(await shared.inputValue('#q'), 'blue jeans', 'the search field shows the shared query');
    await shared.close();

    // Name mode: a product's exact name finds that product first (its name embedding is the query's).
    const target = products[21]!;
    await page.selectOption('#mode', 'name');
    await page.waitForURL(/mode=name/);
    await resultsSettled(page);
    await page.fill('#q', target.name);
    await page.keyboard.press('Enter');
    await page.waitForURL((url) => url.searchParams.get('q') === target.name && url.searchParams.get('mode') === 'name');
    await resultsSettled(page);
    const named = await cards(page);
    t.equal(named[0]!.id, target.id, `"${target.name}" in name mode finds that product first`);
    t.equal(named[0]!.score, '1.000', 'with similarity 1');
    t.match(await page.textContent('#results-summary'), /name mode/);

    // Keyboard: Enter on a focused result opens it.
    await page.focus('.results .card-link');
    await page.keyboard.press('Enter');
    await page.waitForURL(/\/products\/\d+$/);
    t.equal(new URL(page.url()).pathname, `/products/${target.id}`, 'Enter opens the focused product');
  });
});

t.test('filters: apply facet values, counts and results agree with the ingested catalog, remove them', async (t) => {
  await withPage(t, DESKTOP, async (page) => {
    await page.goto(`${full.url}/?q=blue+jeans`);
    await resultsSettled(page);
    await page.waitForSelector('#facets fieldset');
    await page.click('#facets label[for="f-gender-Women"]');
    await page.waitForURL(/gender=Women/);
    await resultsSettled(page);
    t.ok((await cards(page)).every((c) => c.attrs.includes('Women')), 'every result is for women');
    t.ok(await page.isChecked('#f-gender-Women'), 'the checkbox is checked');

    // Keyboard: Space toggles a value and focus stays on it after the panel refreshes.
    await page.waitForSelector('#f-articleType-Jeans');
    const womensJeans = where((p) => p.gender === 'Women' && p.articleType === 'Jeans');
    t.equal(await facetCount(page, 'articleType', 'Jeans'), womensJeans.length, `the facet counts the ingested women’s jeans (${womensJeans.length})`);
    await page.focus('#f-articleType-Jeans');
    await page.keyboard.press('Space');
    await page.waitForURL(/articleType=Jeans/);
    await resultsSettled(page);
    await page.waitForFunction(() => (document.getElementById('f-articleType-Jeans') as HTMLInputElement | null)?.checked === true);
    t.equal(await page.evaluate(() => document.activeElement?.id), 'f-articleType-Jeans', 'focus stays on the checkbox');
    const filtered = await cards(page);
    t.same(filtered.map((c) => c.id).sort(ascending), womensJeans.map((p) => p.id).sort(ascending), 'the results are exactly the ingested women’s jeans');
    t.ok(filtered.every((c) => /^Jeans · .*Women/.test(c.attrs)), 'and say so');
    t.match(await page.textContent('.active-filters'), /Gender: Women.*Article type: Jeans/s, 'active filters are chips');
    t.equal(await page.locator('a[rel="next"]').count(), 0, 'one page only: no next link');
    await imagesLoaded(page);
    await shot(page, 'search-filtered');

    await page.click('a[aria-label="Remove filter Gender: Women"]');
    await page.waitForURL((url) => !url.search.includes('gender='));
    await resultsSettled(page);
    const jeans = await cards(page);
    t.same(jeans.map((c) => c.id).sort(ascending), where((p) => p.articleType === 'Jeans').map((p) => p.id).sort(ascending), 'removing a chip keeps the other filter: every ingested pair of jeans');
    await page.click('text=Clear all');
    await page.waitForURL(/\?q=blue\+jeans$/);
    await resultsSettled(page);
    t.equal((await cards(page)).length, 24, 'all filters cleared');
  });
});

t.test('image search: file picker and drag and drop find the product whose image it is', async (t) => {
  const tshirt = products.find((p) => p.gender === 'Women' && p.articleType === 'Tshirts')!;
  const dress = products.find((p) => p.gender === 'Women' && p.articleType === 'Dresses')!;
  // The bytes the ingest stored and the embedder embedded: the nearest image is the product's own.
  const [tshirtImage, dressImage] = await Promise.all([system.normalizedImage(tshirt.id), system.normalizedImage(dress.id)]);
  await withPage(t, DESKTOP, async (page) => {
    await page.goto(`${full.url}/`);
    await page.waitForSelector('.drop-zone');
    await page.setInputFiles('#image-input', { name: 'tshirt.jpg', mimeType: 'image/jpeg', buffer: tshirtImage });
    await page.waitForURL(/\?image=1$/);
    await resultsSettled(page);
    await imagesLoaded(page);
    t.equal(await page.textContent('.search-title h1'), 'Results for your image');
    await page.waitForFunction(() => (document.querySelector('.query-image img') as HTMLImageElement | null)?.naturalWidth === 60);
    t.match(await page.textContent('.query-image figcaption'), /tshirt\.jpg.*60×80 jpeg/s, 'the preview names the file with its size as the gateway read it');
    const neighbours = await cards(page);
    t.equal(neighbours[0]!.id, tshirt.id, `the product whose image it is comes first (${tshirt.name})`);
    t.equal(neighbours[0]!.score, '1.000', 'with similarity 1');
    t.ok(neighbours.every((c) => ids.has(c.id)), 'every neighbour is an ingested product');
    await shot(page, 'image-search');

    // Filters apply to the image query too (the image is sent again).
    await page.waitForSelector('#f-gender-Women');
    await page.click('#facets label[for="f-gender-Women"]');
    await page.waitForURL(/image=1&gender=Women/);
    await resultsSettled(page);
    const women = await cards(page);
    t.ok(women.every((c) => c.attrs.includes('Women')), 'image results filtered');
    t.equal(women[0]!.id, tshirt.id, 'the women’s T-shirt is still first');

    // Drag and drop anywhere on the page.
    await page.evaluate((b64) => {
      const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
      const data = new DataTransfer();
      data.items.add(new File([bytes], 'dress.jpg', { type: 'image/jpeg' }));
      (window as unknown as { __drop: DataTransfer }).__drop = data;
      document.body.dispatchEvent(new DragEvent('dragenter', { dataTransfer: data, bubbles: true, cancelable: true }));
      document.body.dispatchEvent(new DragEvent('dragover', { dataTransfer: data, bubbles: true, cancelable: true }));
    }, dressImage.toString('base64'));
    await page.waitForSelector('#drop-overlay:not([hidden])');
    await shot(page, 'drop-overlay', false);
    await page.evaluate(() => {
      const data = (window as unknown as { __drop: DataTransfer }).__drop;
      document.body.dispatchEvent(new DragEvent('drop', { dataTransfer: data, bubbles: true, cancelable: true }));
    });
    await page.waitForSelector('#drop-overlay[hidden]', { state: 'attached' });
    await page.waitForFunction(() => /dress\.jpg/.test(document.querySelector('.query-image figcaption')?.textContent ?? ''));
    await resultsSettled(page);
    const dropped = await cards(page);
    t.equal(dropped[0]!.id, dress.id, 'the dropped image finds its dress first, with the women’s filter kept');
    t.ok(dropped.every((c) => c.attrs.includes('Women')));

    // Not an image: the gateway's 415 message is shown.
    await page.setInputFiles('#image-input', { name: 'notes.txt', mimeType: 'text/plain', buffer: Buffer.from('not an image at all') });
    await page.waitForSelector('.results .state-error');
    t.match(await page.textContent('#results-summary'), /Search failed/);
    t.ok(await page.isVisible('.query-image-none'), 'no broken preview for a file that is not an image');
    t.match(await page.textContent('.results .state-error'), /cannot be used as a query image \(415\).*not an image/s, 'a file that is not an image gets the gateway’s message');
    await shot(page, 'image-search-error');

    // Reloading an image search cannot resend the image: it asks for it again.
    await page.reload();
    await page.waitForSelector('.home .notice');
    t.match(await page.textContent('.home .notice'), /choose or drop it again/);
  });
});

t.test('product page: the ingested metadata, its image from MinIO and more like this, back to the results', async (t) => {
  const target = where((p) => p.articleType === 'Jeans')[1]!;
  const query = `/?q=${encodeURIComponent(target.name).replace(/%20/g, '+')}&mode=name`;
  await withPage(t, DESKTOP, async (page) => {
    await page.goto(`${full.url}${query}`);
    await resultsSettled(page);
    const [top] = await cards(page);
    t.equal(top!.id, target.id, 'its name finds it');
    await page.click(`.results .card-link[data-product-id="${top!.id}"]`);
    await page.waitForURL(new RegExp(`/products/${top!.id}$`));
    await page.waitForSelector('.similar .grid .card');
    t.equal(await page.textContent('.product-info h1'), target.name, 'the product name');
    const details = await page.textContent('.attributes');
    const attribute = (label: string, value: string | number | null): void => void t.match(details, new RegExp(`${label}\\s*${value}`), `${label}: ${value}`);
    attribute('Gender', target.gender);
    attribute('Article type', target.articleType);
    attribute('Colour', target.baseColour);
    attribute('Season', target.season);
    attribute('Year', target.year);
    attribute('Usage', target.usage);
    attribute('Product id', target.id);
    await page.waitForFunction(() => (document.querySelector('.product-image') as HTMLImageElement | null)?.naturalWidth === 60, undefined);
    const similar = await cards(page, '.similar');
    t.equal(similar.length, 12, 'twelve similar products');
    t.notOk(similar.some((c) => c.id === target.id), 'the product itself is not among them');
    t.ok(similar.every((c) => ids.has(c.id)), 'all of them ingested by this test');
    const api = (await (await fetch(`${full.url}/api/v1/products/${target.id}/similar?k=12`)).json()) as { hits: Array<{ product: { id: number } }> };
    t.same(similar.map((c) => c.id), api.hits.map((h) => h.product.id), 'the nearest image embeddings, in the order the API gives them');
    await page.waitForFunction(() => [...document.querySelectorAll('.similar img')].slice(0, 6).every((i) => (i as HTMLImageElement).complete));
    t.equal(await page.title(), `${target.name} · Vitrina`);
    await shot(page, 'product');

    await page.click('text=← Back to results');
    await page.waitForURL((url) => url.searchParams.get('q') === target.name);
    await resultsSettled(page);
    t.equal((await cards(page))[0]!.id, target.id, 'back on the results');

    await page.goto(`${full.url}/products/999999`);
    await page.waitForSelector('.state-empty');
    t.match(await page.textContent('main'), /Product not found.*no product 999999/s, 'an unknown product says so');
  });
});

t.test('models page: the registry projection’s champion, metrics, runs; promote and roll back as admin', async (t) => {
  await withPage(t, DESKTOP, async (page) => {
    await page.goto(`${full.url}/`);
    await page.click('.site-nav a[data-nav="models"]');
    await page.waitForURL(/\/models$/);
    await page.waitForSelector('.champion-version');
    await page.waitForSelector('.runs table');
    t.equal(await page.getAttribute('.site-nav a[data-nav="models"]', 'aria-current'), 'page');
    t.match(await page.textContent('.champion-version'), system.champion, 'the champion');
    t.match(await page.textContent('.champion'), /Promoted .* by e2e: first model version of the browser tests/, 'why it is the champion');
    t.equal(await page.locator('svg.chart circle').count(), 2, 'one point per evaluated version in the chart');
    t.equal(await page.locator('svg.chart .chart-dot-highlight').count(), 1, 'the champion stands out');
    const labelsInside = await page.evaluate(() => {
      const svg = document.querySelector('svg.chart');
      const width = svg.viewBox.baseVal.width;
      return [...svg.querySelectorAll('.chart-label')].map((label: any) => label.getBBox()).every((box: any) => box.x >= 0 && box.x + box.width <= width);
    });
    t.ok(labelsInside, 'the version names under the chart are not cut off at its edges');
    t.equal(await page.locator('.registry table').first().locator('tbody tr').count(), 2, 'two versions');
    t.match(await page.textContent('.registry'), new RegExp(`${system.challenger}.*rejected`, 's'), 'the challenger the rule rejected');
    const runs = await page.textContent('.runs');
    t.match(runs, new RegExp(`${system.runId}.*succeeded.*Not promoted: articleType group accuracy@10 0\\.438 is not above the champion 0\\.500`, 's'), 'the training run with its status and decision');
    await page.selectOption('#metric-select', 'text2image.articleType.catalog.group@10');
    await page.waitForFunction(() => /text2image\.articleType\.catalog\.group@10/.test(document.querySelector('svg.chart')?.getAttribute('aria-label') ?? ''));
    await shot(page, 'models');

    // Promote: a refused token, then the right one. The command publishes a ModelPromoted; the
    // page shows the new champion once the registry projector has applied it.
    page.on('dialog', (dialog) => void dialog.accept());
    await page.fill('#admin-token', 'wrong-token');
    await page.click('text=Use token');
    await page.click(`tr[data-version="${system.challenger}"] >> text=Promote`);
    await page.waitForSelector('.flash-error');
    t.match(await page.textContent('.flash'), /admin token was refused/, 'a wrong token is refused');
    await page.click('text=Forget the token');
    await page.fill('#admin-token', system.adminToken);
    await page.click('text=Use token');
    await page.waitForSelector(`tr[data-version="${system.challenger}"] >> text=Promote`);
    t.ok(await noHorizontalScroll(page), 'the versions table with its Promote column scrolls inside its box, not the page');
    await page.click(`tr[data-version="${system.challenger}"] >> text=Promote`);
    await page.waitForSelector('.flash-success');
    await page.waitForFunction((v) => document.querySelector('.champion-version')?.textContent?.includes(v), system.challenger, { timeout: 40_000 });
    t.equal(await system.registryChampion(), system.challenger, 'the registry projection names the promoted version');
    t.match(await page.textContent('.champion'), /by admin:[0-9a-f]{12}: promoted by hand: from the web UI/, 'promoted by the admin, with the page’s reason');
    t.ok(await page.isVisible(`text=Roll back to ${system.champion}`), 'rollback offered to the previous champion');
    await shot(page, 'models-admin');
    await page.click(`text=Roll back to ${system.champion}`);
    await page.waitForFunction((v) => document.querySelector('.champion-version')?.textContent?.includes(v), system.champion, { timeout: 40_000 });
    t.equal(await system.registryChampion(), system.champion, 'rolled back');
    t.match(await page.textContent('.champion'), new RegExp(`by rollback:admin:[0-9a-f]{12}: rollback from ${system.challenger} to ${system.champion}: from the web UI`), 'by the admin, with the reason');
  });
});

t.test('pipeline page: health, topics, consumer lag, dead letters, the latest prediction', async (t) => {
  await withPage(t, DESKTOP, async (page) => {
    await page.goto(`${full.url}/pipeline`);
    await page.waitForSelector('.pipeline-body table');
    await page.waitForSelector('.health');
    t.match(await page.textContent('.health'), new RegExp(`Gateway\\s*up.*Model server\\s*up\\s*${system.champion}.*Database\\s*up.*live index ${system.champion}`, 's'), 'health from GET /health');
    const body = (await page.textContent('.pipeline-body')) ?? '';
    t.match(body, /vitrina\.products\s*entity\s*6/, 'topics with their kind and partitions');
    const messages = Number((await page.textContent('xpath=//tr[th[text()="vitrina.products"]]/td[3]'))?.replace(/\D/g, ''));
    t.ok(messages >= products.length, `vitrina.products holds at least this run's ${products.length} products (${messages} messages)`);
    for (const name of ['projector.products', 'embedder', 'projector.embeddings', 'dispatcher', 'projector.pipeline', 'projector.model-registry']) {
      t.match(await page.textContent(`xpath=//tr[th[text()="${name}"]]`), /vitrina\.e2e\..*Stable/, `${name}: its consumer group, running`);
    }
    t.match(body, /Dead letters.*dispatcher.*vitrina\.uploads\.notifications.*PoisonError.*not a usable image/s, 'the dispatcher’s dead letter');
    const prediction = page.locator('.prediction', { hasText: system.upload.key });
    t.equal(await prediction.count(), 1, 'the uploaded image’s prediction');
    const uploaded = products.find((p) => p.id === system.upload.productId)!;
    t.match(await prediction.textContent(), new RegExp(`(${[...new Set(products.map((p) => p.articleType))].join('|')}) · confidence \\d+(\\.\\d)? % · model ${system.champion}`), 'the article type its neighbours vote for, the confidence and the model');
    t.equal(await prediction.locator('.neighbours a').first().textContent(), `#${uploaded.id}`, 'the nearest product is the one whose image was uploaded');
    await shot(page, 'pipeline');
    await prediction.locator('.neighbours a').first().click();
    await page.waitForURL(new RegExp(`/products/${uploaded.id}$`));
    await page.waitForSelector('.product-info h1');
    t.equal(await page.textContent('.product-info h1'), uploaded.name, 'a predicted neighbour links to its product page');
  });
});

t.test('a gateway without the MLOps endpoints and with its model server down', async (t) => {
  await withPage(t, DESKTOP, async (page) => {
    await page.goto(`${bare.url}/models`);
    await page.waitForSelector('.registry .state-unavailable');
    await page.waitForSelector('.runs .state-unavailable');
    t.match(await page.textContent('.registry'), /The model registry is not available yet.*GET \/api\/v1\/models/s);
    t.match(await page.textContent('.runs'), /Training runs are not available yet.*GET \/api\/v1\/training-runs/s);
    await page.waitForFunction(() => /model server down/.test(document.getElementById('footer-status')?.textContent ?? ''));
    await shot(page, 'models-unavailable');
    await page.goto(`${bare.url}/pipeline`);
    await page.waitForSelector('.pipeline-body .state-unavailable');
    await page.waitForSelector('.health');
    t.match(await page.textContent('.pipeline-body'), /The pipeline view is not available yet.*GET \/api\/v1\/pipeline/s);
    t.match(await page.textContent('.health'), new RegExp(`Model server\\s*down.*Database\\s*up.*live index ${system.champion}`, 's'), 'health shows which dependency is down');
    await shot(page, 'pipeline-unavailable');
    await page.goto(`${bare.url}/?q=blue+jeans`);
    await page.waitForSelector('.results .state-error');
    t.match(await page.textContent('.results .state-error'), /\(503\).*model server/is, 'a search says the model server is unavailable');
    await shot(page, 'search-model-server-down');
  });
});

const isSearch = (url: URL): boolean => url.pathname === '/api/v1/search';

t.test('loading, empty and error states', async (t) => {
  await withPage(t, DESKTOP, async (page) => {
    // Loading: skeleton cards while the search answers (held back here for the screenshot).
    let release: () => void = () => {};
    const held = new Promise<void>((resolve) => (release = resolve));
    await page.route(isSearch, async (route) => {
      await held;
      await route.continue();
    });
    await page.goto(`${full.url}/?q=analog+watch`);
    await page.waitForSelector('.results-body[aria-busy="true"] .skeleton');
    t.match(await page.textContent('#results-summary'), /Searching/);
    await shot(page, 'loading', false);
    release();
    await resultsSettled(page);
    await page.unroute(isSearch);

    t.equal(count((p) => p.gender === 'Girls' && p.articleType === 'Watches'), 0, 'the catalog has no girls’ watches');
    await page.goto(`${full.url}/?q=analog+watch&gender=Girls&articleType=Watches`);
    await page.waitForSelector('.results .state-empty');
    t.match(await page.textContent('.results .state-empty'), /No products match these filters.*Clear filters/s, 'empty results offer to clear the filters');
    await shot(page, 'empty');

    await page.goto(`${full.url}/?q=shirt&gender=Martians`);
    await page.waitForSelector('.results .state-error');
    t.match(await page.textContent('.results .state-error'), /refused \(400\).*unknown gender value "Martians"/s, 'the gateway’s 400 message');
    await shot(page, 'error');

    await page.route(isSearch, (route) => route.abort());
    await page.click('.results .state-error button');
    await page.waitForFunction(() => /could not be reached/.test(document.querySelector('.results .state-error')?.textContent ?? ''));
    t.pass('an unreachable gateway is reported');
    await page.unroute(isSearch);

    await page.goto(`${full.url}/no/such/page`);
    t.match(await page.textContent('body'), /no route GET \/no\/such\/page/, 'other paths stay the gateway’s JSON 404');
  });
});

t.test('phone-sized screen: no sideways scrolling, filters behind a button', async (t) => {
  await withPage(t, PHONE, async (page) => {
    await page.goto(`${full.url}/?q=blue+jeans`);
    await resultsSettled(page);
    await imagesLoaded(page);
    t.ok(await noHorizontalScroll(page), 'search results fit the width');
    t.notOk(await page.isVisible('#facets'), 'filters are folded away');
    t.equal(await page.$$eval('.results .grid', (g) => getComputedStyle(g[0]!).gridTemplateColumns.split(' ').length), 2, 'two columns of results');
    await shot(page, 'search-phone', false);
    await page.click('.facets-toggle');
    await page.waitForSelector('#facets fieldset', { state: 'visible' });
    t.equal(await page.getAttribute('.facets-toggle', 'aria-expanded'), 'true');
    await shot(page, 'search-phone-filters', false);
    await page.click('.results .card-link >> nth=0');
    await page.waitForSelector('.similar .grid .card');
    t.ok(await noHorizontalScroll(page), 'the product page fits the width');
    // The similar products' images load lazily: each scrolled into view has loaded before the shot.
    for (const img of await page.locator('.similar img').all()) await img.scrollIntoViewIfNeeded();
    await page.waitForFunction(() => [...document.querySelectorAll('.similar img')].every((i) => (i as HTMLImageElement).complete && (i as HTMLImageElement).naturalWidth > 0));
    await shot(page, 'product-phone');
    await page.goto(`${full.url}/models`);
    await page.waitForSelector('.runs table');
    t.ok(await noHorizontalScroll(page), 'the models page fits the width (wide tables scroll inside their box)');
    await shot(page, 'models-phone');
    await page.goto(`${full.url}/pipeline`);
    await page.waitForSelector('.pipeline-body table');
    t.ok(await noHorizontalScroll(page), 'the pipeline page fits the width');
    await shot(page, 'pipeline-phone');
  });
});

t.test('dark colour scheme', async (t) => {
  await withPage(t, { ...DESKTOP, colorScheme: 'dark' }, async (page) => {
    await page.goto(`${full.url}/?q=black+leather+handbag`);
    await resultsSettled(page);
    await imagesLoaded(page);
    const background = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
    t.equal(background, 'rgb(20, 21, 23)', 'the dark palette applies');
    await shot(page, 'search-dark', false);
  });
});
