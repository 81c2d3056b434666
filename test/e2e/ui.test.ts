// End-to-end tests of the web UI in a real browser: Debian's Chromium (installed by
// ensure-chromium.sh when missing) driven by playwright-core, against the real gateway
// (buildGateway from gateway/, with the UI plugin registered) listening on a local port.
//
// What is NOT real here, so the test needs no stack: the gateway's dependencies. The search core,
// the model server and the object store are the in-memory stand-ins of ./fixtures.ts (an 80-product
// catalog with drawn images, ranked by a fake encoder), and the model-registry, training-run and
// pipeline endpoints (GET /api/v1/models, /training-runs, /pipeline, POST promote/rollback), which
// the gateway does not serve yet, are fixed JSON answers mounted next to it. A second gateway
// without those endpoints checks the pages' "not available yet" state. When the real endpoints
// exist, drop mlopsFixtures and point the models/pipeline flows at them.
//
// Screenshots of every page go to test/e2e/screenshots/ (git-ignored) for a look by eye.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type BrowserContextOptions, type Page } from 'playwright-core';
import t, { type Test } from 'tap';
import { productPicture, startUiServer, type UiServer } from './fixtures.ts';

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

const full: UiServer = await startUiServer();
const bare: UiServer = await startUiServer({ mlops: false, catalog: full.catalog });
// playwright launches Chromium with a fresh temporary --user-data-dir of its own (it refuses one in
// args) and removes it on close.
const browser: Browser = await chromium.launch({
  executablePath,
  headless: true,
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
t.teardown(async () => {
  await browser.close();
  await full.close();
  await bare.close();
});

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
async function cards(page: Page, scope = '.results'): Promise<Array<{ id: number; name: string; attrs: string }>> {
  return page.$$eval(`${scope} .grid .card-link`, (links) =>
    links.map((a) => ({
      id: Number((a as HTMLElement).dataset.productId),
      name: a.querySelector('.card-name')?.textContent ?? '',
      attrs: a.querySelector('.card-attrs')?.textContent ?? '',
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

t.test('search: type a query, see results, page through them, keyboard and shareable URL', async (t) => {
  await withPage(t, DESKTOP, async (page) => {
    await page.goto(`${full.url}/`);
    await page.waitForSelector('h1.home-title');
    t.match(await page.textContent('h1'), 'Find products by words or by picture', 'the start page');
    await page.waitForFunction(() => /model clip-ft-r2/.test(document.getElementById('footer-status')?.textContent ?? ''));
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
    t.match(first[0]!.name, /Blue.*Jeans/, 'the best match is blue jeans');
    t.match(first[0]!.attrs, /Jeans · Blue/, 'cards show the key attributes');
    const scores = await page.$$eval('.results .card-score', (els) => els.map((e) => Number(e.textContent?.replace(/[^0-9.]/g, ''))));
    t.ok(scores.every((s, i) => i === 0 || s <= scores[i - 1]!), 'cards show scores, best first');
    t.match(await page.textContent('#results-summary'), /Showing 1–24 · model clip-ft-r2 · vector mode/);
    await page.waitForSelector('#facets fieldset');
    t.match(await page.textContent('#facets'), /Gender.*(Women|Men)\s*\d+.*Article type.*Jeans\s*\d+/s, 'facets with counts');
    t.equal(await page.title(), 'blue jeans · Vitrina');
    await shot(page, 'search');

    await page.click('a[rel="next"]');
    await page.waitForURL(/page=2/);
    await resultsSettled(page);
    t.match(await page.textContent('#results-summary'), /Showing 25–48/, 'the second page');
    const second = await cards(page);
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

    // Keyboard: Enter on a focused result opens it.
    await page.focus('.results .card-link');
    await page.keyboard.press('Enter');
    await page.waitForURL(/\/products\/\d+$/);
    t.equal(new URL(page.url()).pathname, `/products/${first[0]!.id}`, 'Enter opens the focused product');
  });
});

t.test('filters: apply facet values, counts and results agree, remove them', async (t) => {
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
    const jeansCount = Number(await page.textContent('label[for="f-articleType-Jeans"] .facet-count'));
    await page.focus('#f-articleType-Jeans');
    await page.keyboard.press('Space');
    await page.waitForURL(/articleType=Jeans/);
    await resultsSettled(page);
    await page.waitForFunction(() => (document.getElementById('f-articleType-Jeans') as HTMLInputElement | null)?.checked === true);
    t.equal(await page.evaluate(() => document.activeElement?.id), 'f-articleType-Jeans', 'focus stays on the checkbox');
    const filtered = await cards(page);
    t.equal(filtered.length, jeansCount, `the facet count (${jeansCount}) is the number of results`);
    t.ok(filtered.every((c) => /Jeans · .*Women/.test(c.attrs)), 'every result is women’s jeans');
    t.match(await page.textContent('.active-filters'), /Gender: Women.*Article type: Jeans/s, 'active filters are chips');
    t.equal(await page.locator('a[rel="next"]').count(), 0, 'one page only: no next link');
    await imagesLoaded(page);
    await shot(page, 'search-filtered');

    await page.click('a[aria-label="Remove filter Gender: Women"]');
    await page.waitForURL((url) => !url.search.includes('gender='));
    await resultsSettled(page);
    t.ok((await cards(page)).every((c) => c.attrs.includes('Jeans')), 'removing a chip keeps the other filter');
    await page.click('text=Clear all');
    await page.waitForURL(/\?q=blue\+jeans$/);
    await resultsSettled(page);
    t.equal((await cards(page)).length, 24, 'all filters cleared');
  });
});

t.test('image search: file picker and drag and drop show the query image and its neighbours', async (t) => {
  await withPage(t, DESKTOP, async (page) => {
    await page.goto(`${full.url}/`);
    await page.waitForSelector('.drop-zone');
    const redTshirt = await productPicture('tshirt', 'Red', { width: 300, format: 'png' });
    await page.setInputFiles('#image-input', { name: 'red-tshirt.png', mimeType: 'image/png', buffer: redTshirt });
    await page.waitForURL(/\?image=1$/);
    await resultsSettled(page);
    await imagesLoaded(page);
    t.equal(await page.textContent('.search-title h1'), 'Results for your image');
    await page.waitForFunction(() => (document.querySelector('.query-image img') as HTMLImageElement | null)?.naturalWidth === 300);
    t.match(await page.textContent('.query-image figcaption'), /red-tshirt\.png.*300×400 png/s, 'the preview names the file with its size as the gateway read it');
    const neighbours = await cards(page);
    t.match(neighbours[0]!.attrs, /^Tshirts · Red/, 'the nearest product is a red T-shirt');
    t.ok(neighbours.slice(0, 5).filter((c) => c.attrs.startsWith('Tshirts')).length >= 3, 'mostly T-shirts among the nearest');
    await shot(page, 'image-search');

    // Filters apply to the image query too (the image is sent again).
    await page.waitForSelector('#f-gender-Women');
    await page.click('#facets label[for="f-gender-Women"]');
    await page.waitForURL(/image=1&gender=Women/);
    await resultsSettled(page);
    t.ok((await cards(page)).every((c) => c.attrs.includes('Women')), 'image results filtered');

    // Drag and drop anywhere on the page.
    const blueJeans = (await productPicture('jeans', 'Blue', { width: 240, format: 'png' })).toString('base64');
    await page.evaluate((b64) => {
      const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
      const data = new DataTransfer();
      data.items.add(new File([bytes], 'blue-jeans.png', { type: 'image/png' }));
      (window as unknown as { __drop: DataTransfer }).__drop = data;
      document.body.dispatchEvent(new DragEvent('dragenter', { dataTransfer: data, bubbles: true, cancelable: true }));
      document.body.dispatchEvent(new DragEvent('dragover', { dataTransfer: data, bubbles: true, cancelable: true }));
    }, blueJeans);
    await page.waitForSelector('#drop-overlay:not([hidden])');
    await shot(page, 'drop-overlay', false);
    await page.evaluate(() => {
      const data = (window as unknown as { __drop: DataTransfer }).__drop;
      document.body.dispatchEvent(new DragEvent('drop', { dataTransfer: data, bubbles: true, cancelable: true }));
    });
    await page.waitForSelector('#drop-overlay[hidden]', { state: 'attached' });
    await page.waitForFunction(() => /blue-jeans\.png/.test(document.querySelector('.query-image figcaption')?.textContent ?? ''));
    await resultsSettled(page);
    const dropped = await cards(page);
    t.match(dropped[0]!.attrs, /^Jeans · (Navy )?Blue · Women/, 'the dropped image finds blue jeans, women’s as the filter kept says');

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

t.test('product page: details and more like this, back to the results', async (t) => {
  await withPage(t, DESKTOP, async (page) => {
    await page.goto(`${full.url}/?q=red+dress`);
    await resultsSettled(page);
    const [top] = await cards(page);
    await page.click(`.results .card-link[data-product-id="${top!.id}"]`);
    await page.waitForURL(new RegExp(`/products/${top!.id}$`));
    await page.waitForSelector('.similar .grid .card');
    t.equal(await page.textContent('.product-info h1'), top!.name, 'the product name');
    const details = await page.textContent('.attributes');
    t.match(details, new RegExp(`Article type\\s*Dresses.*Product id\\s*${top!.id}`, 's'), 'its attributes');
    await page.waitForFunction(() => (document.querySelector('.product-image') as HTMLImageElement | null)?.naturalWidth === 60, undefined);
    const similar = await cards(page, '.similar');
    t.equal(similar.length, 12, 'twelve similar products');
    t.notOk(similar.some((c) => c.id === top!.id), 'the product itself is not among them');
    t.ok(similar.slice(0, 4).every((c) => c.attrs.startsWith('Dresses')), 'the nearest are dresses');
    await page.waitForFunction(() => [...document.querySelectorAll('.similar img')].slice(0, 6).every((i) => (i as HTMLImageElement).complete));
    t.equal(await page.title(), `${top!.name} · Vitrina`);
    await shot(page, 'product');

    await page.click('text=← Back to results');
    await page.waitForURL(/\?q=red\+dress$/);
    await resultsSettled(page);
    t.equal((await cards(page))[0]!.id, top!.id, 'back on the results');

    await page.goto(`${full.url}/products/999999`);
    await page.waitForSelector('.state-empty');
    t.match(await page.textContent('main'), /Product not found.*no product 999999/s, 'an unknown product says so');
  });
});

t.test('models page: champion, metrics chart, versions, training runs, promote as admin', async (t) => {
  await withPage(t, DESKTOP, async (page) => {
    await page.goto(`${full.url}/`);
    await page.click('.site-nav a[data-nav="models"]');
    await page.waitForURL(/\/models$/);
    await page.waitForSelector('.champion-version');
    await page.waitForSelector('.runs table');
    t.equal(await page.getAttribute('.site-nav a[data-nav="models"]', 'aria-current'), 'page');
    t.match(await page.textContent('.champion-version'), /clip-ft-r2/, 'the champion');
    t.match(await page.textContent('.champion'), /Promoted .* by promoter: group accuracy@10/, 'why it is the champion');
    t.equal(await page.locator('svg.chart circle').count(), 4, 'one point per version in the chart');
    t.equal(await page.locator('svg.chart .chart-dot-highlight').count(), 1, 'the champion stands out');
    t.equal(await page.locator('.registry table').first().locator('tbody tr').count(), 4, 'four versions');
    const runs = await page.textContent('.runs');
    t.match(runs, /training.*epoch 3\/10.*succeeded.*Not promoted.*failed.*did not answer/s, 'training runs with status, progress and results');
    await page.selectOption('#metric-select', 'group.articleType.acc@10');
    await page.waitForFunction(() => /group\.articleType\.acc@10/.test(document.querySelector('svg.chart')?.getAttribute('aria-label') ?? ''));
    await shot(page, 'models');

    // Promote: a refused token, then the right one.
    page.on('dialog', (dialog) => void dialog.accept());
    await page.fill('#admin-token', 'wrong-token');
    await page.click('text=Use token');
    await page.click('tr[data-version="clip-ft-r3"] >> text=Promote');
    await page.waitForSelector('.flash-error');
    t.match(await page.textContent('.flash'), /admin token was refused/, 'a wrong token is refused');
    await page.click('text=Forget the token');
    await page.fill('#admin-token', full.mlops.adminToken);
    await page.click('text=Use token');
    await page.click('tr[data-version="clip-ft-r3"] >> text=Promote');
    await page.waitForSelector('.flash-success');
    await page.waitForFunction(() => /clip-ft-r3/.test(document.querySelector('.champion-version')?.textContent ?? ''));
    t.equal(full.mlops.champion, 'clip-ft-r3', 'the gateway got the promotion');
    const last = full.mlops.calls.at(-1)!;
    t.same({ path: last.path, authorization: last.authorization }, { path: '/api/v1/models/clip-ft-r3/promote', authorization: `Bearer ${full.mlops.adminToken}` }, 'POST with the bearer token');
    t.ok(await page.isVisible('text=Roll back to clip-ft-r2'), 'rollback offered to the previous champion');
    await shot(page, 'models-admin');
    await page.click('text=Roll back to clip-ft-r2');
    await page.waitForFunction(() => /clip-ft-r2/.test(document.querySelector('.champion-version')?.textContent ?? ''));
    t.equal(full.mlops.champion, 'clip-ft-r2', 'rolled back');
  });
});

t.test('pipeline page: health, topics, consumer lag, dead letters, latest predictions', async (t) => {
  await withPage(t, DESKTOP, async (page) => {
    await page.goto(`${full.url}/pipeline`);
    await page.waitForSelector('.pipeline-body table');
    await page.waitForSelector('.health');
    t.match(await page.textContent('.health'), /Gateway\s*up.*Model server\s*up.*Database\s*up/s, 'health from GET /health');
    const body = await page.textContent('.pipeline-body');
    t.match(body, /vitrina\.products.*entity/s, 'topics');
    t.match(body, /embeddings projection.*Stable.*120/s, 'consumer lag per processor');
    t.match(body, /Dead letters \(2\).*UnsupportedImage.*not an image/s, 'dead letters');
    t.match(body, /uploads\/2024\/05\/06\/red top\.jpg.*Tshirts · confidence 80 %/s, 'latest predictions');
    await page.click('.predictions a >> nth=0');
    await page.waitForURL(/\/products\/1001$/);
    await page.waitForSelector('.product-info h1');
    t.pass('a predicted neighbour links to its product page');
    await page.goBack();
    await page.waitForSelector('.pipeline-body table');
    await shot(page, 'pipeline');
  });
});

t.test('models and pipeline pages on a gateway without those endpoints say they are not available yet', async (t) => {
  await withPage(t, DESKTOP, async (page) => {
    await page.goto(`${bare.url}/models`);
    await page.waitForSelector('.registry .state-unavailable');
    await page.waitForSelector('.runs .state-unavailable');
    t.match(await page.textContent('.registry'), /The model registry is not available yet.*GET \/api\/v1\/models/s);
    t.match(await page.textContent('.runs'), /Training runs are not available yet.*GET \/api\/v1\/training-runs/s);
    await shot(page, 'models-unavailable');
    await page.goto(`${bare.url}/pipeline`);
    await page.waitForSelector('.pipeline-body .state-unavailable');
    await page.waitForSelector('.health');
    t.match(await page.textContent('.pipeline-body'), /The pipeline view is not available yet.*GET \/api\/v1\/pipeline/s);
    t.match(await page.textContent('.health'), /Model server\s*up/s, 'health still shows');
    await shot(page, 'pipeline-unavailable');
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
    await shot(page, 'product-phone');
    await page.goto(`${full.url}/models`);
    await page.waitForSelector('.runs table');
    t.ok(await noHorizontalScroll(page), 'the models page fits the width (wide tables scroll inside their box)');
    await shot(page, 'models-phone');
    await page.goto(`${full.url}/pipeline`);
    await page.waitForSelector('.pipeline-body table');
    t.ok(await noHorizontalScroll(page), 'the pipeline page fits the width');
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
