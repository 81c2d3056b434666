// The browser modules' pure parts, imported straight into Node: the search state and its URL,
// the API query built from it, formatting, the chart scale and the choice of headline metrics.
// The modules are copied to a folder of their own beside the attributes module the gateway serves
// them (written from schemas/product-attributes.ts), as a browser finds them under ui/js/.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import t from 'tap';
import { ATTRIBUTES_MODULE, attributesModule } from '../../gateway/ui/attributes.ts';
import { UI_ROOT } from '../../gateway/ui/plugin.ts';
import { UNDERSTOOD_ATTRIBUTES } from '../../projections/embeddings/understand.ts';
import { FILTER_ATTRIBUTES } from '../../schemas/product-attributes.ts';

const served = fs.mkdtempSync(path.join(os.tmpdir(), 'vitrina-ui-'));
fs.cpSync(UI_ROOT, served, { recursive: true });
fs.writeFileSync(path.join(served, ATTRIBUTES_MODULE), attributesModule());
fs.writeFileSync(path.join(served, 'package.json'), '{"type": "module"}\n'); // ES modules, as the browser loads them
t.teardown(() => fs.rmSync(served, { recursive: true, force: true }));
const load = async <T>(file: string): Promise<T> => (await import(pathToFileURL(path.join(served, 'js', file)).href)) as T;

type Filters = Record<string, string[]>;
interface SearchState {
  q: string;
  mode: string | null;
  page: number;
  k: number;
  image: boolean;
  filters: Filters;
}
interface StateModule {
  FILTERS: string[];
  DEFAULT_K: number;
  parseSearch(search: string): SearchState;
  formatSearch(state: SearchState): string;
  apiParams(state: SearchState): URLSearchParams;
  filterParams(filters: Filters, except?: string | null): URLSearchParams;
  toggleFilter(state: SearchState, name: string, value: string): SearchState;
  clearFilters(state: SearchState): SearchState;
  activeFilterCount(filters: Filters): number;
  lastPage(k: number): number;
}

const state = await load<StateModule>('state.js');

t.test('the filters, their labels, the facets asked for and ignore= follow the declaration the gateway serves', async (t) => {
  const ui = await load<StateModule & { FILTER_LABELS: Record<string, string>; resultSetParams(state: SearchState): URLSearchParams }>('state.js');
  t.same(ui.FILTERS, FILTER_ATTRIBUTES.map((a) => a.api), 'the filter panel lists every filter attribute, in the declaration order');
  t.same(ui.FILTER_LABELS, Object.fromEntries(FILTER_ATTRIBUTES.map((a) => [a.api, a.label])));
  t.equal(ui.resultSetParams(ui.parseSearch('?q=red+dress')).get('facets'), FILTER_ATTRIBUTES.filter((a) => a.facet).map((a) => a.api).join(','));
  const ignored = ui.parseSearch(`?q=red+dress&${[...FILTER_ATTRIBUTES.map((a) => a.api), 'nope'].map((n) => `ignore=${n}`).join('&')}`) as SearchState & { ignore?: string[] };
  t.same([...(ignored.ignore ?? [])].sort(), [...UNDERSTOOD_ATTRIBUTES].sort(), 'ignore= keeps the attributes query understanding reads, nothing else');
});

t.test('the URL round-trips the search state', async (t) => {
  const parsed = state.parseSearch('?q=blue+shirt&mode=hybrid&articleType=Shirts&gender=Men&articleType=Tshirts&year=2012&k=48&page=3');
  t.same(parsed, { q: 'blue shirt', mode: 'hybrid', page: 3, k: 48, image: false, filters: { gender: ['Men'], articleType: ['Shirts', 'Tshirts'], year: ['2012'] } });
  t.equal(state.formatSearch(parsed), '?q=blue+shirt&mode=hybrid&gender=Men&articleType=Shirts&articleType=Tshirts&year=2012&k=48&page=3', 'filters in a stable order');
  t.same(state.parseSearch(state.formatSearch(parsed)), parsed);
  t.equal(state.formatSearch(state.parseSearch('')), '', 'the empty state is the bare URL');
  t.equal(state.formatSearch({ ...parsed, image: true }), '?image=1&gender=Men&articleType=Shirts&articleType=Tshirts&year=2012&k=48&page=3', 'an image search keeps no text query or mode');
});

t.test('unknown or malformed parameters fall back to defaults', async (t) => {
  const parsed = state.parseSearch('?q=%20%20shoes%20&mode=fuzzy&k=7&page=-2&colour=Red&gender=&gender=%20Women%20&gender=Women');
  t.equal(parsed.q, 'shoes');
  t.equal(parsed.mode, null, 'an unknown mode is the gateway default');
  t.equal(parsed.k, state.DEFAULT_K, 'k only from the offered page sizes');
  t.equal(parsed.page, 1);
  t.same(parsed.filters, { gender: ['Women'] }, 'unknown parameters ignored, values trimmed and de-duplicated');
  t.equal(state.parseSearch('?page=1e3').page, 1);
});

t.test('the API query: offset from the page, repeated filter parameters', async (t) => {
  const s = state.parseSearch('?q=red+dress&gender=Women&baseColour=Red&page=2');
  t.equal(state.apiParams(s).toString(), 'q=red+dress&k=24&offset=24&gender=Women&baseColour=Red');
  t.equal(state.apiParams({ ...s, image: true }).toString(), 'k=24&offset=24&gender=Women&baseColour=Red', 'image search: no q');
  t.equal(state.filterParams(s.filters, 'gender').toString(), 'baseColour=Red', 'facet counts of one attribute leave it out');
  t.equal(state.lastPage(24), 42, 'the last page the gateway answers (offset ≤ 1000)');
});

t.test('toggling filters goes back to page 1 and never mutates the state', async (t) => {
  const s = state.parseSearch('?q=jeans&gender=Men&page=4');
  const on = state.toggleFilter(s, 'gender', 'Women');
  t.same(on.filters, { gender: ['Men', 'Women'] });
  t.equal(on.page, 1);
  t.same(s.filters, { gender: ['Men'] }, 'the original is unchanged');
  const off = state.toggleFilter(on, 'gender', 'Men');
  t.same(off.filters, { gender: ['Women'] });
  t.same(state.toggleFilter(off, 'gender', 'Women').filters, {}, 'the last value removes the attribute');
  t.equal(state.activeFilterCount(on.filters), 2);
  t.same(state.clearFilters(on), { ...on, filters: {}, page: 1 });
});

t.test('formatting', async (t) => {
  const f = await load<{
    metric(name: string, n: unknown): string;
    duration(ms: unknown): string;
    ago(value: unknown, now?: number): string;
    toDate(value: unknown): Date | null;
    score(n: unknown): string;
    bytes(n: unknown): string;
  }>('format.js');
  t.equal(f.metric('text2image.exact.catalog.acc@10', 0.2314), '23.1 %');
  t.equal(f.metric('latency.mean_ms', 15.42), '15 ms');
  t.equal(f.metric('latency.mean_ms', 4.2), '4.20 ms');
  t.equal(f.metric('loss', 2.1234), '2.123');
  t.equal(f.metric('x', null), '—');
  t.equal(f.duration(95 * 60_000), '1 h 35 min');
  t.equal(f.duration(41_000), '41.0 s');
  t.equal(f.score(0.70710678), '0.707');
  t.equal(f.bytes(5200), '5.1 KB');
  const now = Date.parse('2024-05-06T12:00:00Z');
  t.equal(f.ago(now - 3 * 3600_000, now), '3 hours ago', 'epoch milliseconds');
  t.equal(f.ago('2024-05-06T11:58:00Z', now), '2 minutes ago', 'ISO strings');
  t.equal(f.ago(null, now), '—');
  t.equal(f.toDate('not a date'), null);
});

t.test('chart scale and headline metrics', async (t) => {
  const chart = await load<{ niceScale(lo: number, hi: number): { lo: number; hi: number; ticks: number[] } }>('chart.js');
  const scale = chart.niceScale(0.176, 0.231);
  t.ok(scale.lo <= 0.176 && scale.hi >= 0.231, 'covers the values');
  t.ok(scale.ticks.length >= 3 && scale.ticks.length <= 8, `a few ticks: ${scale.ticks.join(', ')}`);
  t.same(chart.niceScale(0.5, 0.5).ticks.length > 1, true, 'a single value still gets a range');
  const models = await load<{ headlineMetrics(keys: string[]): string[] }>('models.js');
  t.same(
    models.headlineMetrics(['latency.mean_ms', 'group.articleType.acc@10', 'image2image.exact.acc@10', 'text2image.exact.catalog.acc@10', 'text2image.exact.test.acc@10']),
    ['text2image.exact.catalog.acc@10', 'text2image.exact.test.acc@10', 'image2image.exact.acc@10'],
  );
  t.same(models.headlineMetrics(['b', 'a']), ['b', 'a'], 'any metrics when none is a known headline');
});

t.test('the models page states each check with its interval and the cost of a switch', async (t) => {
  const models = await load<{ checkSummary(c: unknown): string; costSummary(c: unknown): string }>('models.js');
  t.equal(
    models.checkSummary({ metric: 'g@10', kind: 'better', difference: 0.0017, low: -0.001, high: 0.0045, threshold: 0.005, minDetectable: 0.004 }),
    'g@10: +0.0017 [−0.0010, +0.0045], lower bound > 0.0050, detectable ≥ 0.0040',
  );
  t.equal(models.checkSummary({ metric: 'n@10', kind: 'noWorse', difference: -0.002, low: -0.008, high: 0.004, threshold: -0.01, minDetectable: 0.006 }), 'n@10: −0.0020 [−0.0080, +0.0040], lower bound ≥ -0.0100, detectable ≥ 0.0060');
  t.equal(models.checkSummary({ metric: 'x', note: 'metric missing' }), 'x: metric missing');
  t.equal(models.costSummary({ products: 44075, perSecond: 50, minutes: 44075 / 50 / 60, rateSource: '' }), 'Going live re-embeds 44,075 products: about 14.7 min at 50 products/s.');
  t.equal(models.costSummary({ products: 12, perSecond: null, minutes: null, rateSource: '' }), 'Going live re-embeds 12 products: time unknown (no measured embedder rate).');
  t.equal(models.costSummary(null), 'Cost of the switch: not recorded.');
});
