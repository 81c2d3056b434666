// Query understanding: what it reads from shoppers' words against a catalog's values and the
// shipped table of shoppers' words, and how the gateway applies and echoes it (filters,
// exclusions, boosts, ignore, understand=false, relaxing when nothing is found).
import * as Minio from 'minio';
import t from 'tap';
import type { Encoder, ProductView, SearchBackend, SearchOptions, SearchPage } from '../../gateway/core.ts';
import { buildGateway } from '../../gateway/index.ts';
import { applyUnderstanding, buildLexicon, leastCertain, tokens, understand, type Understood } from '../../projections/embeddings/understand.ts';

const CATALOG = {
  gender: ['Men', 'Women', 'Boys', 'Girls', 'Unisex'],
  masterCategory: ['Apparel', 'Footwear', 'Accessories'],
  subCategory: ['Topwear', 'Bottomwear', 'Shoes', 'Watches', 'Bags'],
  articleType: ['Tshirts', 'Shirts', 'Track Pants', 'Lounge Pants', 'Ties', 'Formal Shoes', 'Casual Shoes', 'Sports Shoes', 'Heels', 'Dresses', 'Watches', 'Belts', 'Handbags', 'Jeans'],
  baseColour: ['Black', 'White', 'Blue', 'Navy Blue', 'Turquoise Blue', 'Red', 'Maroon', 'Brown', 'Off White', 'Cream', 'Skin', 'NA'],
  season: ['Summer', 'Winter'],
  usage: ['Casual', 'Formal', 'Sports', 'NA'],
};
const lexicon = buildLexicon(CATALOG);

const read = (q: string): Array<Pick<Understood, 'attribute' | 'values' | 'source' | 'applied'>> =>
  understand(q, lexicon).items.map(({ attribute, values, source, applied }) => ({ attribute, values, source, applied }));

t.test('words: lower case, possessives, hyphens', async (t) => {
  t.same(tokens("Men's Button-Down SHIRT!"), ['mens', 'button', 'down', 'shirt']);
});

t.test("the catalog's own values, their plurals and singulars, and shoppers' words", async (t) => {
  t.same(read('mens joggers'), [
    { attribute: 'gender', values: ['Men'], source: 'vocabulary', applied: 'filter' },
    { attribute: 'articleType', values: ['Track Pants', 'Lounge Pants'], source: 'synonym', applied: 'filter' },
  ]);
  t.same(read("men's blue necktie"), [
    { attribute: 'gender', values: ['Men'], source: 'vocabulary', applied: 'filter' },
    { attribute: 'baseColour', values: ['Blue', 'Navy Blue', 'Turquoise Blue'], source: 'vocabulary', applied: 'filter' },
    { attribute: 'articleType', values: ['Ties'], source: 'synonym', applied: 'filter' },
  ], 'a colour word stands for its shades the catalog holds');
  t.same(read('brown office shoes for men').map((i) => [i.attribute, i.values]), [['baseColour', ['Brown']], ['articleType', ['Formal Shoes']], ['gender', ['Men']]], 'the longest phrase wins: "office shoes" before "shoes"');
  t.same(read('watch').map((i) => [i.attribute, i.values, i.source]), [['articleType', ['Watches'], 'vocabulary']], 'a singular of a value; articleType wins over the subCategory of the same name');
  t.same(read('t-shirt')[0]!.values, ['Tshirts'], 'hyphenated and joined forms');
  t.same(read('navy blue dress').map((i) => i.values), [['Navy Blue'], ['Dresses']], 'a two-word colour is one colour');
  t.same(read('formal shirt').map((i) => [i.attribute, i.applied]), [['usage', 'boost'], ['articleType', 'filter']], 'usage is a boost, not a filter');
  t.same(read('skin cream'), [{ attribute: 'baseColour', values: ['Cream', 'Off White'], source: 'vocabulary', applied: 'filter' }], 'ignored values ("Skin") are not read by themselves');
  t.same(read('sunglasses'), [], 'a shoppers\' word whose labels the catalog lacks is not read');
});

t.test('negation: "not", "without", "no" exclude what follows; the text drops them', async (t) => {
  const dress = understand('dress not black', lexicon);
  t.same(dress.items.map((i) => [i.attribute, i.values, i.negated, i.applied]), [['articleType', ['Dresses'], false, 'filter'], ['baseColour', ['Black'], true, 'exclude']]);
  t.equal(dress.text, 'dress', 'the negated words are not embedded');
  const two = understand('mens tshirt not white or black', lexicon);
  t.same(two.items.find((i) => i.negated)!.values, ['White', 'Off White', 'Cream', 'Black'], 'the negation runs over "or"');
  const heels = understand('shoes without heels for women', lexicon);
  t.same(heels.items.map((i) => [i.attribute, i.negated]), [['subCategory', false], ['articleType', true], ['gender', false]], 'and stops at the next word ("for women" is positive)');
  t.same(understand('watches not for women', lexicon).items.map((i) => [i.attribute, i.negated]), [['articleType', false], ['gender', true]], '"not for women" negates women');
  const skinny = understand('jeans not skinny', lexicon);
  t.same(skinny.items.map((i) => i.attribute), ['articleType'], 'an unknown negated word filters nothing');
  t.equal(skinny.text, 'jeans', 'but is not embedded either');
});

t.test('typos: one edit from a catalog word, with fewer edits allowed in short words', async (t) => {
  const fixed = understand('tshrit for mne', lexicon);
  t.same(fixed.items.map((i) => [i.attribute, i.values, i.source, i.certainty]), [['articleType', ['Tshirts'], 'typo', 0.6], ['gender', ['Men'], 'typo', 0.6]], 'a swap of neighbours, even in a 3-letter word');
  t.equal(fixed.text, 'tshirt for men', 'the corrected words are embedded');
  t.same(read('blak dress').map((i) => i.values), [['Black'], ['Dresses']], 'a missing letter in a 4-letter word');
  t.same(read('sneekers').map((i) => [i.values, i.source]), [[['Casual Shoes', 'Sports Shoes'], 'typo']], "a shoppers' word is corrected too");
  t.same(read('best watch').map((i) => i.values), [['Watches']], '"best" is not corrected to "belt" (a stop word, and a changed letter in a 4-letter word)');
  t.same(read('bold watch').map((i) => i.attribute), ['articleType'], 'no substitution in 4-letter words');
  t.same(read('jeens').map((i) => [i.values, i.source]), [[['Jeans'], 'typo']]);
});

t.test('a word read as a typo of an attribute the query also names correctly is kept as written', async (t) => {
  const both = understand('beats black belts', lexicon);
  t.same(both.items.map((i) => [i.attribute, i.values, i.source]), [['baseColour', ['Black'], 'vocabulary'], ['articleType', ['Belts'], 'vocabulary']], '"beats" is not a second belt');
  t.equal(both.text, 'beats black belts', 'and is embedded as written');
  t.same(read('beats').map((i) => [i.values, i.source]), [[['Belts'], 'typo']], 'alone, it is still corrected');
  t.same(read('blak dress for women').map((i) => i.source), ['typo', 'vocabulary', 'vocabulary'], 'a typo of an attribute named nowhere else stays');
});

t.test("an article type the query names as the catalog does ranks first among those a shopper's word adds", async (t) => {
  const types = buildLexicon({ articleType: ['Blazers', 'Jackets', 'Suits', 'Shirts'] });
  const blazer = applyUnderstanding(understand('navy blazer', types).items, {});
  t.same(blazer.filters.articleType, ['Blazers', 'Jackets', 'Suits'], '"blazer" filters what the synonym table says shoppers mean by it');
  t.same(blazer.boost, { articleType: ['Blazers'] }, 'and raises Blazers, the type it names');
  t.same(applyUnderstanding(understand('shirt', types).items, {}).boost, {}, 'a word naming only its own type boosts nothing');
  t.same(applyUnderstanding(understand('sneakers', lexicon).items, {}).boost, {}, "a shoppers' word alone names no catalog type");
});

t.test('relaxing order: the least certain first; among equals the colour first and the article type last', async (t) => {
  const items = applyUnderstanding(understand('dresses for women in black', lexicon).items, {}).items;
  const order: string[] = [];
  for (let rest = items, drop = leastCertain(rest); drop; rest = rest.filter((i) => i !== drop), drop = leastCertain(rest)) order.push(drop.attribute);
  t.same(order, ['baseColour', 'gender', 'articleType']);
  const her = applyUnderstanding(understand('black dress for her', lexicon).items, {}).items;
  t.equal(leastCertain(her)!.attribute, 'gender', 'a synonym ("her") is less certain than a catalog word');
});

t.test('applying: request filters and ignore win, Men and Women keep Unisex, relax the least certain first', async (t) => {
  const items = understand('blak dress for women', lexicon).items;
  const applied = applyUnderstanding(items, {});
  t.same(applied.filters, { baseColour: ['Black'], articleType: ['Dresses'], gender: ['Women', 'Unisex'] });
  t.same(applyUnderstanding(items, { gender: ['Girls'] }).filters, { gender: ['Girls'], baseColour: ['Black'], articleType: ['Dresses'] }, "the request's own gender filter stays");
  t.same(applyUnderstanding(items, {}, new Set(['baseColour'])).filters, { articleType: ['Dresses'], gender: ['Women', 'Unisex'] }, 'an ignored attribute is not applied');
  t.equal(leastCertain(applied.items)!.attribute, 'baseColour', 'the typo is the least certain');
  const blue = applyUnderstanding(understand('blue not navy blue shirt', lexicon).items, {});
  t.same(blue.filters.baseColour, ['Blue', 'Turquoise Blue'], 'an exclusion narrows a filter of the same attribute');
  t.same(blue.exclude, {});
  const boosted = applyUnderstanding(understand('summer shirt', lexicon).items, {});
  t.same([boosted.filters, boosted.boost], [{ articleType: ['Shirts'] }, { season: ['Summer'] }]);
  t.equal(leastCertain(boosted.items)!.attribute, 'articleType', 'a boost is never relaxed');
});

// ---- through the gateway, with a search core stand-in that only holds black dresses ----

const PRODUCT: ProductView = { id: 1, name: 'A dress', gender: 'Women', masterCategory: 'Apparel', subCategory: 'Dress', articleType: 'Dresses', baseColour: 'Black', season: 'Summer', usage: 'Casual', year: 2012, imageKey: null };

function backend(calls: SearchOptions[]): SearchBackend {
  const page = (o: SearchOptions): SearchPage => {
    calls.push(o);
    const pass = Object.entries(o.filters ?? {}).every(([name, values]) => (values as unknown[]).includes((PRODUCT as unknown as Record<string, unknown>)[name]));
    const excluded = Object.entries(o.exclude ?? {}).some(([name, values]) => (values as unknown[]).includes((PRODUCT as unknown as Record<string, unknown>)[name]));
    return { modelVersion: 'fake-v1', hits: pass && !excluded ? [{ product: PRODUCT, score: 0.9 }] : [], k: o.k, offset: o.offset ?? 0 };
  };
  return {
    liveVersion: async () => 'fake-v1',
    byImageVector: async (_v, o) => page(o),
    byTextVector: async (_v, o) => page(o),
    byNameVector: async (_v, o) => page(o),
    hybrid: async (_q, _v, o) => page(o),
    moreLikeThis: async (_id, o) => page(o),
    product: async () => PRODUCT,
    facets: async () => ({}),
    filterValues: async () => CATALOG,
  };
}

const texts: string[] = [];
const encoder: Encoder = {
  embedTexts: async (list, modelVersion) => {
    texts.push(...list);
    return { modelVersion: modelVersion ?? 'fake-v1', dimension: 2, vectors: list.map(() => new Float32Array([1, 0])) };
  },
  embedImages: async (list, modelVersion) => ({ modelVersion: modelVersion ?? 'fake-v1', dimension: 2, vectors: list.map(() => new Float32Array([0, 1])) }),
  describe: async () => ({ name: 'fake', version: 'fake-v1', dimension: 2, textPreprocessing: '', imagePreprocessing: '', source: 'fake', loadedVersions: ['fake-v1'], maxBatch: 8, maxImageBytes: 0 }),
};
const s3 = new Minio.Client({ endPoint: '127.0.0.1', port: 9, useSSL: false, accessKey: 'x', secretKey: 'y' });

t.test('the gateway echoes what it understood, applies it, relaxes it when nothing is found', async (t) => {
  const calls: SearchOptions[] = [];
  const app = await buildGateway({ search: backend(calls), encoder, s3 }, { defaultMode: 'name' });
  t.teardown(() => app.close());

  const hit = await app.inject({ url: '/api/v1/search?q=dress%20not%20red%20for%20her' });
  t.equal(hit.statusCode, 200, hit.body);
  const page = hit.json();
  t.same(page.query.understood.map((u: Understood) => [u.attribute, u.values, u.applied, u.removable]), [
    ['articleType', ['Dresses'], 'filter', true],
    ['baseColour', ['Red', 'Maroon'], 'exclude', true],
    ['gender', ['Women', 'Unisex'], 'filter', true],
  ]);
  t.equal(page.query.searchedText, 'dress for her');
  t.equal(texts.at(-1), 'dress for her', 'the searched text is what was embedded');
  t.same(page.query.filters, {}, "the request's own filters stay as they were sent");
  t.same(calls[0]!.filters, { articleType: ['Dresses'], gender: ['Women', 'Unisex'] });
  t.same(calls[0]!.exclude, { baseColour: ['Red', 'Maroon'] });
  t.notOk('relaxed' in page.query);

  calls.length = 0;
  const relaxed = (await app.inject({ url: '/api/v1/search?q=whte%20dress' })).json();
  t.equal(relaxed.hits.length, 1, 'found after relaxing');
  t.same(relaxed.query.relaxed.map((u: Understood) => [u.attribute, u.text, u.source]), [['baseColour', 'whte', 'typo']], 'the typo, least certain, was relaxed');
  t.same(relaxed.query.understood.map((u: Understood) => u.attribute), ['articleType']);
  t.equal(calls.length, 3, 'one search, then one relaxed search, then one without the dress filter to fill the short page (it found nothing new)');
  t.notOk('broadened' in relaxed.query, 'nothing was added');

  const none = (await app.inject({ url: '/api/v1/search?q=white%20shirt' })).json();
  t.equal(none.hits.length, 1, 'found once every understood filter is relaxed');
  t.same(none.query.relaxed.map((u: Understood) => u.attribute), ['baseColour', 'articleType'], 'equals in certainty: the colour first, the article type last');

  calls.length = 0;
  const ignored = (await app.inject({ url: '/api/v1/search?q=red%20dress&ignore=baseColour' })).json();
  t.same(ignored.query.understood.map((u: Understood) => u.attribute), ['articleType'], 'a removed chip is not applied');
  t.same(calls[0]!.filters, { articleType: ['Dresses'] });

  calls.length = 0;
  const plain = (await app.inject({ url: '/api/v1/search?q=red%20dress&understand=false' })).json();
  t.same(plain.query, { kind: 'text', q: 'red dress', mode: 'name', filters: {} }, 'understand=false: the echo of before, nothing applied');
  t.same(calls[0]!.filters, {});

  const bad = await app.inject({ url: '/api/v1/search?q=dress&ignore=colour' });
  t.equal(bad.statusCode, 400);
  t.match(bad.json().message, /ignore/);

  const gql = await app.inject({ method: 'POST', url: '/graphql', payload: { query: '{ search(q: "dress not red", ignore: ["gender"]) { query { understood { attribute values applied negated source } searchedText } hits { product { id } } } }' } });
  t.equal(gql.statusCode, 200, gql.body);
  t.same(gql.json().data.search.query.understood.map((u: { attribute: string }) => u.attribute), ['articleType', 'baseColour'], 'GraphQL takes the same arguments and echoes the same');
});

t.test('the server option turns understanding off by default; the parameter still turns it on', async (t) => {
  const calls: SearchOptions[] = [];
  const app = await buildGateway({ search: backend(calls), encoder, s3 }, { understandQueries: false });
  t.teardown(() => app.close());
  t.notOk('understood' in (await app.inject({ url: '/api/v1/search?q=red%20dress' })).json().query);
  t.equal((await app.inject({ url: '/api/v1/search?q=black%20dress&understand=true' })).json().query.understood.length, 2);
});

t.test('a page the understood filters leave short is filled from the search without the least certain of them', async (t) => {
  // three black dresses, five red ones, two white shirts; the stand-in ranks by id
  const catalog: ProductView[] = [
    ...[1, 2, 3].map((id) => ({ ...PRODUCT, id })),
    ...[4, 5, 6, 7, 8].map((id) => ({ ...PRODUCT, id, baseColour: 'Red' })),
    ...[9, 10].map((id) => ({ ...PRODUCT, id, articleType: 'Shirts', baseColour: 'White', gender: 'Men' })),
  ];
  const calls: SearchOptions[] = [];
  const page = (o: SearchOptions): SearchPage => {
    calls.push(o);
    const value = (p: ProductView, name: string): unknown => (p as unknown as Record<string, unknown>)[name];
    const pass = catalog.filter((p) => Object.entries(o.filters ?? {}).every(([name, values]) => (values as unknown[]).includes(value(p, name))));
    const offset = o.offset ?? 0;
    return { modelVersion: 'fake-v1', hits: pass.slice(offset, offset + o.k).map((product) => ({ product, score: 1 - product.id / 100 })), k: o.k, offset };
  };
  const app = await buildGateway({ search: { ...backend([]), byNameVector: async (_v, o) => page(o) }, encoder, s3 }, { defaultMode: 'name' });
  t.teardown(() => app.close());
  type Page = { hits: Array<{ product: { id: number } }>; nextOffset: number | null; query: { broadened?: { after: number; dropped: Understood[] }; relaxed?: unknown } };
  const get = async (url: string): Promise<Page> => {
    const res = await app.inject({ url });
    t.equal(res.statusCode, 200, res.body);
    return res.json() as Page;
  };
  const first = await get('/api/v1/search?q=black%20dress%20for%20women&k=5');
  t.same(first.hits.map((h) => h.product.id), [1, 2, 3, 4, 5], 'the three black dresses, then dresses of other colours');
  t.same([first.query.broadened!.after, first.query.broadened!.dropped.map((u) => u.attribute)], [3, ['baseColour']], 'the echo says from where, and without what');
  t.notOk('relaxed' in first.query, 'something matched everything, so nothing was relaxed');
  t.ok((first.query as unknown as { understood: object[] }).understood.every((u) => !('named' in u)), 'what the words name is not echoed (it is not part of the API)');
  t.equal(first.nextOffset, 5);
  const second = await get('/api/v1/search?q=black%20dress%20for%20women&k=5&offset=5');
  t.same(second.hits.map((h) => h.product.id), [6, 7, 8, 9, 10], 'the next page goes on with the same list, then without the gender and the type');
  t.same(second.query.broadened!.dropped.map((u) => u.attribute), ['baseColour', 'gender', 'articleType']);
  const all = await get('/api/v1/search?q=black%20dress%20for%20women&k=20');
  t.same(all.hits.map((h) => h.product.id), [1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 'each product once');
  calls.length = 0;
  const full = await get('/api/v1/search?q=dress&k=5');
  t.notOk('broadened' in full.query, 'a full page is left alone');
  t.equal(calls.length, 1, 'with one search');
  const plain = await get('/api/v1/search?q=black%20dress&k=5&understand=false');
  t.notOk('broadened' in plain.query, 'nothing understood, nothing to leave out');
  const explicit = await get('/api/v1/search?q=anything&k=5&baseColour=White');
  t.same(explicit.hits.map((h) => h.product.id), [9, 10], "the request's own filters are never left out");
});
