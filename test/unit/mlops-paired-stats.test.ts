// The paired statistics of the promotion rule on cases small enough to check by hand: the normal
// quantile, nearest-rank quantiles, the exact McNemar test, the minimum detectable effect and the
// seeded paired bootstrap.
import t from 'tap';
import { mcnemarExactP, minimumDetectableEffect, nearestRank, normalQuantile, pairedIntervals, sdFloor } from '../../mlops/paired-stats.ts';

const f64 = (values: number[]): Float64Array => Float64Array.from(values);

t.test('normal quantile', async (t) => {
  t.ok(Math.abs(normalQuantile(0.5)) < 5e-4, 'z(0.5) ≈ 0');
  t.ok(Math.abs(normalQuantile(0.95) - 1.6449) < 5e-4, `z(0.95) = ${normalQuantile(0.95)}`);
  t.ok(Math.abs(normalQuantile(0.8) - 0.8416) < 5e-4, `z(0.80) = ${normalQuantile(0.8)}`);
  t.ok(Math.abs(normalQuantile(0.975) - 1.96) < 5e-4);
  t.equal(normalQuantile(0.05), -normalQuantile(0.95), 'symmetric');
  t.throws(() => normalQuantile(1), /p must be in/);
});

t.test('nearest-rank quantiles', async (t) => {
  const ten = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
  t.equal(nearestRank(ten, 0.05), 1, '⌈0.5⌉ = 1st');
  t.equal(nearestRank(ten, 0.95), 10, '⌈9.5⌉ = 10th');
  t.equal(nearestRank(ten, 0.3), 3);
  t.equal(nearestRank(ten, 0), 1);
});

t.test('exact McNemar: discordant queries split like a fair coin', async (t) => {
  t.equal(mcnemarExactP(0, 0), 1, 'no discordant query: no evidence');
  t.equal(mcnemarExactP(5, 0), 2 / 32, '5 of 5 one way: 2 · (1/2)^5');
  t.equal(mcnemarExactP(0, 5), 2 / 32, 'symmetric');
  t.equal(mcnemarExactP(3, 3), 1, 'even split: capped at 1');
  t.ok(Math.abs(mcnemarExactP(10, 2) - (2 * (1 + 12 + 66)) / 4096) < 1e-12, '10 vs 2: 2 · (C(12,0)+C(12,1)+C(12,2)) / 2^12');
  t.ok(mcnemarExactP(600, 400) < 1e-9 && mcnemarExactP(600, 400) > 0, 'large counts stay finite');
});

t.test('minimum detectable effect: (z_c + z_power) · sd / √n, sd floored at √(3/n)', async (t) => {
  const zs = normalQuantile(0.95) + normalQuantile(0.8);
  t.ok(Math.abs(minimumDetectableEffect(0.5, 100, 0.95, 0.8) - (zs * 0.5) / 10) < 1e-12, `sd 0.5, 100 queries: ${minimumDetectableEffect(0.5, 100, 0.95, 0.8)} ≈ 0.1243`);
  t.equal(sdFloor(3), 1);
  t.ok(Math.abs(minimumDetectableEffect(0, 3, 0.95, 0.8) - zs / Math.sqrt(3)) < 1e-12, 'no difference seen on 3 queries: the floor decides');
  t.ok(minimumDetectableEffect(0.2, 4000, 0.95, 0.8) < 0.01, 'a 4,000-query split detects effects under a point');
  t.equal(minimumDetectableEffect(0.2, 1, 0.95, 0.8), Infinity, 'one query detects nothing');
});

t.test('paired bootstrap: hand-checkable cases', async (t) => {
  const options = { seed: 1, resamples: 4000, confidence: 0.95 };
  const [gain] = pairedIntervals({ m: f64(Array(10).fill(0)) }, { m: f64(Array(10).fill(1)) }, options);
  t.match(gain, { metric: 'm', champion: 0, challenger: 1, difference: 1, low: 1, high: 1, sdDifference: 0, queries: 10, improved: 10, worsened: 0, mcnemarP: 2 / 1024 });
  const same = pairedIntervals({ m: f64([1, 0, 1, 1]) }, { m: f64([1, 0, 1, 1]) }, options)[0]!;
  t.match(same, { difference: 0, low: 0, high: 0, improved: 0, worsened: 0, mcnemarP: 1 }, 'an identical challenger: [0, 0]');
  // Two queries, differences 0 and 1: a resample's mean is 0, ½ or 1 with chances ¼, ½, ¼.
  const two = (confidence: number) => pairedIntervals({ m: f64([0, 0]) }, { m: f64([0, 1]) }, { seed: 2, resamples: 4000, confidence })[0]!;
  t.same([two(0.8).low, two(0.8).high], [0, 1], '0.2 and 0.8 quantiles: P(0) = P(1) = ¼ exceed 0.2');
  t.same([two(0.7).low, two(0.7).high], [0.5, 0.5], '0.3 and 0.7 quantiles both fall on ½');
  const graded = pairedIntervals({ g: f64([0.5, 0.25]) }, { g: f64([0.75, 0.25]) }, options)[0]!;
  t.equal(graded.mcnemarP, null, 'no McNemar for a graded metric');
  t.equal(graded.difference, 0.125);
  t.throws(() => pairedIntervals({ m: f64([1]) }, { m: f64([1, 0]) }, options), /1 champion outcomes but 2/);
});

t.test('the intervals repeat for a seed and differ for another', async (t) => {
  const random = (seed: number) => {
    let s = seed;
    return () => ((s = (s * 1103515245 + 12345) % 2147483648) / 2147483648);
  };
  const r = random(9);
  const a = f64(Array.from({ length: 500 }, () => (r() < 0.8 ? 1 : 0)));
  const b = a.map((v) => (r() < 0.1 ? 1 - v : v));
  const run = (seed: number) => pairedIntervals({ 'x.acc@1': a, 'y.acc@1': b }, { 'x.acc@1': b, 'y.acc@1': a }, { seed, resamples: 1000, confidence: 0.95 });
  t.same(run(5), run(5), 'same seed, same intervals');
  t.not(JSON.stringify(run(5)), JSON.stringify(run(6)), 'another seed, other intervals');
  const alone = pairedIntervals({ 'x.acc@1': a }, { 'x.acc@1': b }, { seed: 5, resamples: 1000, confidence: 0.95 });
  t.same(alone[0], run(5)[0], 'a metric\'s interval does not depend on the metrics computed with it (the evaluator computes a few at a time)');
  const [x, y] = run(5);
  t.ok(x!.low <= x!.difference && x!.difference <= x!.high, 'the point difference lies inside');
  t.ok(Math.abs(x!.difference + y!.difference) < 1e-12 && x!.improved === y!.worsened, 'swapping the sides mirrors the difference');
});
