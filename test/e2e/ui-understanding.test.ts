// The search page's query-understanding parts in Debian's Chromium (playwright-core): chips for
// what was understood (removing one searches again without it), filter counts over the search's
// own results, variants collapsed by display name, and the notice when part of the query was
// relaxed. The gateway is the real one over the real search core, an embeddings projection this
// test fills through Kafka in a namespace of its own, and the real model server with the tiny model.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import t from 'tap';
import { createRuntime } from '../../runtime/runtime.ts';
import { buildGateway } from '../../gateway/index.ts';
import { uiPlugin } from '../../gateway/ui/plugin.ts';
import { writeManifest } from '../../models/manifest.ts';
import { startModelServer } from '../../models/server.ts';
import { SearchCore } from '../../projections/embeddings/search.ts';
import { createEncoderClient } from '../../proto/client.ts';
import { angleVector, embedding, emitEmbeddings, promote, startProjector, testSpace, waitForState } from '../integration/embeddings-fixtures.ts';
import { idBase } from '../integration/fixtures.ts';

t.setTimeout(20 * 60_000);
const here = path.dirname(fileURLToPath(import.meta.url));
const executablePath = execFileSync('bash', [path.join(here, 'ensure-chromium.sh')], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], timeout: 15 * 60_000 }).trim().split('\n').pop()!;

const COUNT = 24;
const TYPES = ['Dresses', 'Watches', 'Tshirts'];
const COLOURS = ['Black', 'Red', 'Navy Blue', 'White'];

const rt = createRuntime('test-ui-understanding');
t.teardown(() => rt.close());
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'vitrina-ui-understanding-'));
const space = testSpace(COUNT);
const version = space.version('tiny');
writeManifest(path.join(tmp, 'models', version), { source: 'tiny', seed: 11, version });
const modelServer = await startModelServer({ address: '127.0.0.1:0', model: path.join(tmp, 'models', version), cacheDir: tmp, s3: null, threads: 1 });
t.teardown(() => modelServer.stop());
const encoder = createEncoderClient(modelServer.address, 10_000);
t.teardown(() => encoder.close());
const dimension = (await encoder.embedTexts(['x'], version)).vectors[0]!.length;

const base = idBase();
// i and i + 12 share a display name: 12 names with two variants each
const events = Array.from({ length: COUNT }, (_, i) =>
  embedding(base + i, version, angleVector(dimension, i * 3), angleVector(dimension, i * 3), {
    productDisplayName: `Chip ${COLOURS[i % 4]} ${TYPES[i % 3]}`,
    gender: i % 2 === 0 ? 'Men' : 'Women',
    masterCategory: 'Apparel',
    subCategory: 'Topwear',
    articleType: TYPES[i % 3]!,
    baseColour: COLOURS[i % 4]!,
    season: 'Summer',
    usage: 'Casual',
    year: 2012,
    imageKey: null,
  }),
);
await startProjector(rt, space, t);
await emitEmbeddings(rt, events);
await promote(rt, space, version);
await waitForState(rt.db, space, version, 'live');

const app = await buildGateway({ search: new SearchCore(rt.db, { namespace: space.namespace }), encoder, s3: rt.s3 }, { plugins: [{ plugin: uiPlugin }] });
t.teardown(() => app.close());
await app.listen({ host: '127.0.0.1', port: 0 });
const url = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;

const browser = await chromium.launch({ executablePath, headless: true, args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'] });
t.teardown(() => browser.close());

// a results grid the page has finished loading (while a search runs, the previous grid stays, marked busy)
const SETTLED = '.results-body:not([aria-busy]) .grid .card';

t.test('chips, counts over the results, variants and the relaxed notice', async (t) => {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  t.teardown(() => page.close());
  await page.goto(`${url}/?q=${encodeURIComponent('dress not black for women')}`); // collapsed by name: the default
  await page.waitForSelector(SETTLED);
  await page.waitForSelector('#facets fieldset');
  const chips = await page.$$eval('.chip-understood', (els: Array<{ textContent: string | null }>) => els.map((e) => (e.textContent ?? '').replace('×', '').trim()));
  t.same(chips, ['Article type: Dresses', 'Colour: not Black', 'Gender: Women, Unisex'], 'what was understood, as chips');
  const dresses = events.filter((e) => e.articleType === 'Dresses' && e.gender === 'Women' && e.baseColour !== 'Black');
  const names = new Set(dresses.map((e) => e.productDisplayName));
  t.match(await page.textContent('.facets-hint'), `among the top ${names.size} results`, 'counts over the search\'s own results, one per name as the cards are');
  t.equal(Number(await page.textContent('label[for="f-articleType-Dresses"] .facet-count')), names.size, 'the Dresses count is the number of cards');
  t.equal((await page.$$('.grid > li')).length, names.size, 'one card per display name');
  t.ok((await page.$$eval('.variants summary', (els: Array<{ textContent: string | null }>) => els.map((e) => e.textContent))).every((s: string | null) => s === '2 variants'), 'each with its two variants to open');

  // open the first card's variants: both products of its name, the other one a link to its own page
  const firstId = Number(await page.getAttribute('.grid .card-link >> nth=0', 'data-product-id'));
  const firstName = events.find((e) => e.productId === firstId)!.productDisplayName;
  const partner = events.find((e) => e.productDisplayName === firstName && e.productId !== firstId)!;
  const firstVariants = page.locator('.grid > li').first().locator('.variants');
  t.notOk(await firstVariants.locator('li').first().isVisible(), 'variants start folded');
  await firstVariants.locator('summary').click();
  t.equal(await firstVariants.locator('li').count(), 2, 'opened: the two products of the name');
  t.ok(await firstVariants.locator('li').first().isVisible(), 'and shown');
  await firstVariants.locator(`a[href="products/${partner.productId}"]`).click();
  await page.waitForURL(new RegExp(`/products/${partner.productId}$`));
  await page.waitForSelector('.product-info h1');
  t.equal(await page.textContent('.product-info h1'), partner.productDisplayName, 'a variant opens its own product page');
  await page.goBack();
  await page.waitForSelector(SETTLED);
  await page.click('text=Show every variant as its own result');
  await page.waitForURL(/variants=all/);
  await page.waitForSelector(`.grid > li:nth-child(${dresses.length})`);
  // uncollapsed, the page the understood filters leave short is filled (query.broadened): the women's dresses that are not black first
  const cards = await page.$$eval('.grid .card-link', (els: Array<{ getAttribute(name: string): string | null }>) => els.map((e) => Number(e.getAttribute('data-product-id'))));
  t.same(new Set(cards.slice(0, dresses.length)), new Set(dresses.map((e) => e.productId)), 'asked for, every variant is a card of its own, before the cards that fill the page');
  t.ok(cards.every((id) => events.find((e) => e.productId === id)!.baseColour !== 'Black'), 'and nothing the shopper said no to fills it');
  t.equal(await page.locator('.variants').count(), 0, 'with no variants to open');
  t.match(await page.textContent('.broadened-notice'), new RegExp(`^The first ${dresses.length} results match everything in your search; the ones after them leave out \\S`), 'and the page says where the filling starts and what it leaves out');

  await page.click('.chip-understood >> nth=1');
  await page.waitForURL(/ignore=baseColour/);
  await page.waitForSelector(SETTLED);
  t.same(await page.$$eval('.chip-understood', (els: Array<{ textContent: string | null }>) => els.map((e) => (e.textContent ?? '').replace('×', '').trim())), ['Article type: Dresses', 'Gender: Women, Unisex'], 'a removed chip is no longer applied');

  // navy blue tshirts are all Men's (i ≡ 2 mod 4 and ≡ 2 mod 3): the gender read from "her" is relaxed
  await page.goto(`${url}/?q=${encodeURIComponent('navy blue tshirt for her')}`);
  await page.waitForSelector('.relaxed-notice');
  t.match(await page.textContent('.relaxed-notice'), /leave out Gender “her”/, 'the notice says what was left out');
  t.ok((await page.$$('.grid .card')).length > 0, 'and results follow');
});
