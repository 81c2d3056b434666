// The pure parts of `bench search`: percentiles and the load generator, the recipe's NL queries
// and their judgement, result lists as the evaluator's Ranked, and the default-mode rule.
import t from 'tap';
import { matchesNlQuery, recipeNlQueries, titleHalf } from '../../bench/search-inputs.ts';
import { percentile, underLoad } from '../../bench/search-measure.ts';
import { chooseDefaultMode, rankedOf, type ModeResult } from '../../bench/search-modes.ts';
import { accuracyAtK, groupAccuracyAtK } from '../../processors/evaluator/metrics.ts';

t.test('percentile by nearest rank', async (t) => {
  const values = Array.from({ length: 100 }, (_, i) => 100 - i); // 1..100, unsorted
  t.equal(percentile(values, 50), 50);
  t.equal(percentile(values, 95), 95);
  t.equal(percentile(values, 99), 99);
  t.equal(percentile(values, 100), 100);
  t.equal(percentile([7], 99), 7);
  t.ok(Number.isNaN(percentile([], 50)));
});

t.test('underLoad keeps at most `concurrency` calls in flight and counts failures', async (t) => {
  let inFlight = 0;
  let most = 0;
  const seen = new Set<number>();
  const summary = await underLoad(
    40,
    4,
    async (i) => {
      inFlight += 1;
      most = Math.max(most, inFlight);
      await new Promise((r) => setTimeout(r, 5));
      inFlight -= 1;
      if (i < 40) seen.add(i);
      if (i === 3) throw new Error('boom');
    },
    2,
  );
  t.equal(most, 4, 'four in flight at most, and four reached');
  t.equal(seen.size, 40, 'every index 0..39 sent once (warm-up calls use indices past the end)');
  t.equal(summary.errors, 1);
  t.equal(summary.firstError, 'boom');
  t.ok(summary.p50Ms >= 4 && summary.p99Ms >= summary.p50Ms, `latencies measured (${summary.p50Ms} / ${summary.p99Ms} ms)`);
  t.ok(summary.requestsPerSecond > 0 && summary.requestsPerSecond < 4 * (1000 / 4), `throughput bounded by concurrency (${summary.requestsPerSecond}/s)`);
});

t.test("the recipe's NL queries, judged as the recipe judges them", async (t) => {
  const queries = recipeNlQueries();
  t.equal(queries.length, 22, 'the 22 queries of models/recipe/train_base.py');
  t.same(queries[0], { text: 'white sneakers for men', genders: ['Men'], articleTypes: ['Casual Shoes', 'Sports Shoes'], colours: ['White'] });
  const sneakers = queries[0]!;
  t.ok(matchesNlQuery(sneakers, { gender: 'Men', articleType: 'Sports Shoes', baseColour: 'White' }));
  t.ok(matchesNlQuery(sneakers, { gender: 'Unisex', articleType: 'Casual Shoes', baseColour: 'White' }), 'Unisex counts for a Men query');
  t.notOk(matchesNlQuery(sneakers, { gender: 'Women', articleType: 'Casual Shoes', baseColour: 'White' }), 'another gender does not');
  t.notOk(matchesNlQuery(sneakers, { gender: 'Men', articleType: 'Casual Shoes', baseColour: 'Black' }), 'another colour does not');
  t.notOk(matchesNlQuery(sneakers, { gender: 'Men', articleType: null, baseColour: 'White' }), 'a missing attribute does not');
  const boys = queries.find((q) => q.text === 'blue t-shirt for boys')!;
  t.notOk(matchesNlQuery(boys, { gender: 'Unisex', articleType: 'Tshirts', baseColour: 'Blue' }), 'Unisex does not count for Boys');
  t.throws(() => recipeNlQueries('NL_QUERIES = [\n    ("x", {"Men"}, {"Shirts"}),\n]\n'), /cannot read/, 'a line it cannot read is an error, not a silent skip');
  t.throws(() => recipeNlQueries('nothing here'), /not found/);
});

t.test('result lists become a Ranked the evaluator metrics read', async (t) => {
  const p = (id: number, name: string, articleType: string) => ({ id, name, gender: 'Men', masterCategory: 'Apparel', subCategory: null, articleType, baseColour: 'Blue', season: null, usage: null, year: null });
  const lists = [
    [p(1, 'a', 'Shirts'), p(2, 'b', 'Jeans'), p(3, 'c', 'Shirts')],
    [p(5, 'x', 'Jeans')], // a short list: padded with -1
  ];
  const { ranked, gallery } = rankedOf(lists, 3);
  t.same([...ranked.indices], [0, 1, 2, 3, -1, -1]);
  const wanted = [{ id: 3, articleType: 'Shirts' }, { id: 5, articleType: 'Jeans' }];
  const acc = accuracyAtK(ranked, (q, g) => g >= 0 && gallery[g]!.id === wanted[q]!.id, [1, 3]);
  t.equal(acc.get(1), 0.5, 'query 2 finds its product first');
  t.equal(acc.get(3), 1, 'query 1 at rank 3');
  const group = groupAccuracyAtK(ranked, (q, g) => g >= 0 && gallery[g]!.articleType === wanted[q]!.articleType, [3]);
  t.equal(group.get(3), (2 / 3 + 1 / 3) / 2, 'missing rows count as outside the group');
});

t.test('title queries are split into dev and test by a fixed rule on the product id', async (t) => {
  t.equal(titleHalf(15970), titleHalf(15970), 'the same product, the same half');
  const halves = Array.from({ length: 2000 }, (_, i) => titleHalf(i + 1));
  const dev = halves.filter((h) => h === 'dev').length;
  t.ok(dev > 900 && dev < 1100, `about half of 2,000 ids are dev (${dev})`);
  t.same([titleHalf(1), titleHalf(2), titleHalf(3)], ['test', 'dev', 'dev'], 'sha256("1") starts with 0x6b (odd), "2" with 0xd4, "3" with 0x4e (even)');
});

t.test('the default-mode rule: a p50 within 100 ms, then NL precision, then articleType group accuracy, then speed; under 0.01 is a tie', async (t) => {
  const r = (mode: ModeResult['mode'], nl: number, typeAcc: number, p50: number): ModeResult => ({
    mode,
    titleQueries: { queries: 1, exactIdAccAt1: 0, exactIdAccAt10: 0, sameNameAccAt1: 0, sameNameAccAt10: 0, articleTypeGroupAccAt10: typeAcc, masterCategoryGroupAccAt10: 0 },
    nlQueries: { queries: 22, precisionAt10: nl, relevantResults: Math.round(nl * 220), perQuery: [] },
    latencyMs: { p50, p95: p50, p99: p50, mean: p50, requests: 1 },
  });
  t.equal(chooseDefaultMode([r('vector', 0.6, 0.9, 10), r('hybrid', 0.9, 0.5, 100), r('name', 0.85, 0.99, 10)]), 'hybrid', 'a clear NL lead wins over group accuracy and speed');
  t.equal(chooseDefaultMode([r('vector', 0.6, 0.7, 10), r('hybrid', 0.9, 0.8, 100), r('name', 0.905, 0.7, 10)]), 'hybrid', 'an NL lead under 0.01 is a tie: group accuracy decides');
  t.equal(chooseDefaultMode([r('vector', 0.6, 0.95, 10), r('hybrid', 0.9, 0.873, 164), r('name', 0.9045, 0.87, 18)]), 'name', 'ties on both: the faster mode');
  t.equal(chooseDefaultMode([r('vector', 0.9, 0.8, 20), r('hybrid', 0.9, 0.8, 164), r('name', 0.9, 0.8, 18)]), 'name', 'a full tie: the fastest');
  t.equal(chooseDefaultMode([r('vector', 0.68, 0.83, 33), r('hybrid', 0.941, 0.901, 248), r('name', 0.905, 0.896, 35)]), 'name', 'a clear NL lead over 100 ms p50 is not a candidate');
  t.equal(chooseDefaultMode([r('vector', 0.6, 0.8, 150), r('hybrid', 0.9, 0.8, 300), r('name', 0.7, 0.8, 120)]), 'hybrid', 'none within the budget: all are candidates again');
});
