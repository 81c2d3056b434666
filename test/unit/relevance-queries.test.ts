// The shopper-query set of `bench relevance`: enough queries, every judged label one the catalog
// uses (read from the dataset's styles.csv), no duplicates, the dev/test split by its stated rule
// and balanced, and the judge's semantics (sets, negation, Unisex for Men/Women).
import fs from 'node:fs';
import path from 'node:path';
import t from 'tap';
import { halfOf, isRelevant, loadShopperQueries, parseJudgment, parseQueries, JUDGED_ATTRIBUTES } from '../../bench/relevance-queries.ts';
import { precisionAt10, VARIANTS } from '../../bench/relevance.ts';
import { parseStyles } from '../../processors/ingest/styles.ts';
import { loadConfig } from '../../platform/config.ts';

const queries = loadShopperQueries();

t.test('at least 400 distinct queries, each with a judgment', async (t) => {
  t.ok(queries.length >= 400, `${queries.length} queries`);
  const texts = queries.map((q) => q.text.toLowerCase());
  t.equal(new Set(texts).size, texts.length, 'no query twice');
  t.ok(queries.every((q) => q.clauses.length > 0));
  t.ok(queries.filter((q) => q.clauses.some((c) => c.negated)).length >= 30, 'negations are covered');
  t.ok(queries.filter((q) => q.clauses.some((c) => c.attribute === 'gender')).length >= 100, 'gendered queries are covered');
  t.ok(queries.filter((q) => q.clauses.some((c) => c.attribute === 'baseColour' && !c.negated)).length >= 100, 'colour queries are covered');
});

t.test("every judged label is one of the catalog's own values (the dataset's styles.csv)", async (t) => {
  const file = path.join(loadConfig().datasetDir, 'styles.csv');
  const vocabulary = new Map<string, Set<string>>(JUDGED_ATTRIBUTES.map((a) => [a, new Set<string>()]));
  for (const line of parseStyles(fs.readFileSync(file, 'utf8'))) {
    if (!line.ok) continue;
    for (const a of JUDGED_ATTRIBUTES) {
      const v = line.row[a];
      if (v !== null) vocabulary.get(a)!.add(v);
    }
  }
  t.ok(vocabulary.get('articleType')!.size > 100, 'the vocabulary was read');
  const unknown = queries.flatMap((q) => q.clauses.flatMap((c) => c.values.filter((v) => !vocabulary.get(c.attribute)!.has(v)).map((v) => `${q.text}: ${c.attribute}=${v}`)));
  t.same(unknown, [], 'no label outside the vocabulary');
});

t.test('the split: sha256 of the query text, first byte even → dev; stable and balanced', async (t) => {
  t.equal(halfOf('dress not black'), 'dev');
  t.equal(halfOf('mens joggers'), 'test');
  for (const q of queries) t.equal(q.half, halfOf(q.text));
  t.same(parseQueries(`a query\tgender=Men\n`)[0]!.half, halfOf('a query'), 'the half follows the text, not the line position');
  const dev = queries.filter((q) => q.half === 'dev').length;
  t.ok(dev / queries.length > 0.4 && dev / queries.length < 0.6, `${dev} dev of ${queries.length}`);
  t.ok(queries.length - dev >= 200, 'the test half alone holds at least 200 queries');
});

t.test('the judge: value sets, negations, Unisex for Men and Women only', async (t) => {
  const [q] = parseQueries('mens shirt not blue\tgender=Men; articleType=Shirts; baseColour!=Blue|Navy Blue\n');
  t.ok(isRelevant(q!, { gender: 'Men', articleType: 'Shirts', baseColour: 'White' }));
  t.ok(isRelevant(q!, { gender: 'Unisex', articleType: 'Shirts', baseColour: 'White' }), 'Unisex counts for Men');
  t.notOk(isRelevant(q!, { gender: 'Women', articleType: 'Shirts', baseColour: 'White' }));
  t.notOk(isRelevant(q!, { gender: 'Men', articleType: 'Shirts', baseColour: 'Navy Blue' }), 'a negated value fails');
  t.notOk(isRelevant(q!, { gender: 'Men', articleType: 'Shirts', baseColour: null }), 'a missing value fails a negation too');
  t.notOk(isRelevant(q!, { gender: 'Men', articleType: 'Tshirts', baseColour: 'White' }));
  const [boys] = parseQueries('boys tshirt\tgender=Boys; articleType=Tshirts\n');
  t.notOk(isRelevant(boys!, { gender: 'Unisex', articleType: 'Tshirts' }), 'Unisex does not count for Boys');
  t.throws(() => parseJudgment('colour=Red'), /unknown attribute/);
  t.throws(() => parseJudgment('gender=Men|'), /empty value/);
  t.throws(() => parseQueries('no tab here\n'), /expected/);
});

t.test('precision@10 counts missing places as misses; variants cover every mode with and without understanding', async (t) => {
  const [q] = parseQueries('red dress\tarticleType=Dresses; baseColour=Red\n');
  const red = { articleType: 'Dresses', baseColour: 'Red' };
  t.equal(precisionAt10(q!, [red, red, { articleType: 'Dresses', baseColour: 'Blue' }]), 0.2, 'two relevant of a three-hit list: 2/10');
  t.equal(precisionAt10(q!, Array.from({ length: 12 }, () => red)), 1, 'only the first 10 count');
  t.same(VARIANTS.map((v) => v.params), ['mode=vector', 'mode=vector&understand=false', 'mode=hybrid', 'mode=hybrid&understand=false', 'mode=name', 'mode=name&understand=false']);
});
