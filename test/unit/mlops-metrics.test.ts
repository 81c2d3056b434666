// The evaluation's metrics on cases small enough to compute by hand, the exact search against a
// plain loop, and the augmented query images being the same for the same seed.
import sharp from 'sharp';
import t from 'tap';
import { augmentImage, drawAugmentation } from '../../processors/evaluator/augment.ts';
import { makeGallery, searchTopK, type Ranked } from '../../processors/evaluator/exact-search.ts';
import { accuracyAtK, groupAccuracyAtK, latencySummary } from '../../processors/evaluator/metrics.ts';
import { evaluationSetOf } from '../../processors/evaluator/run-evaluation.ts';
import { mulberry32 } from '../../mlops/prng.ts';
import { decodeTable, encodeTable, selectRows } from '../../mlops/embedding-table.ts';
import type { CatalogManifest, SplitManifest } from '../../mlops/manifests.ts';

// Three queries, k = 4. Gallery indices ranked best first.
const ranked: Ranked = { k: 4, indices: Int32Array.from([7, 2, 5, 1, 3, 3, 3, 3, 0, 9, 8, 4]) };
const target = [2, 4, 6]; // query q's own product

t.test('accuracy@k: share of queries with a relevant result in the top k', async (t) => {
  const acc = accuracyAtK(ranked, (q, g) => g === target[q], [1, 2, 3, 4]);
  // q0 finds 2 at rank 2; q1 (3,3,3,3) never finds 4; q2 (0,9,8,4) never finds 6.
  t.same([...acc.entries()], [[1, 0], [2, 1 / 3], [3, 1 / 3], [4, 1 / 3]]);
  // Counting 4 as relevant for q2 too (say, the same display name): q2 hits at rank 4.
  const anyOf = accuracyAtK(ranked, (q, g) => (q === 2 ? g === 4 : g === target[q]), [1, 4]);
  t.same([...anyOf.entries()], [[1, 0], [4, 2 / 3]]);
});

t.test('group accuracy@k: mean share of the top k in the query group', async (t) => {
  const group = [0, 1, 0, 1, 0, 1, 0, 1, 0, 1]; // gallery index → group
  const queryGroup = [1, 1, 0];
  const g = groupAccuracyAtK(ranked, (q, i) => group[i] === queryGroup[q], [1, 2, 4]);
  // q0: 7(1) 2(0) 5(1) 1(1) → @1 1, @2 1/2, @4 3/4; q1: 3,3,3,3 all group 1 → 1, 1, 1; q2: 0(0) 9(1) 8(0) 4(0) → 1, 1/2, 3/4
  t.equal(g.get(1), (1 + 1 + 1) / 3);
  t.equal(g.get(2), (0.5 + 1 + 0.5) / 3);
  t.equal(g.get(4), (0.75 + 1 + 0.75) / 3);
});

t.test('latency: mean and nearest-rank p95', async (t) => {
  const ms = Array.from({ length: 20 }, (_, i) => i + 1); // 1..20
  t.same(latencySummary(ms), { mean: 10.5, p95: 19 });
  t.same(latencySummary([5]), { mean: 5, p95: 5 });
  t.same(latencySummary([]), { mean: 0, p95: 0 });
});

t.test('the exact search finds what a plain loop finds', async (t) => {
  const random = mulberry32(4);
  const dim = 16;
  const g = new Float32Array(500 * dim).map(() => random() - 0.5);
  const q = new Float32Array(12 * dim).map(() => random() - 0.5);
  const found = await searchTopK(q, makeGallery(g, dim), 5, { block: 5 });
  for (let i = 0; i < 12; i += 1) {
    const scores = Array.from({ length: 500 }, (_, j) => {
      let s = 0;
      for (let c = 0; c < dim; c += 1) s += q[i * dim + c]! * g[j * dim + c]!;
      return [s, j] as const;
    }).sort((a, b) => b[0] - a[0]);
    t.same([...found.indices.subarray(i * 5, i * 5 + 5)], scores.slice(0, 5).map((s) => s[1]), `query ${i}`);
  }
  const small = await searchTopK(q.subarray(0, dim), makeGallery(g.subarray(0, 3 * dim), dim), 10);
  t.equal(small.k, 3, 'k is capped by the gallery size');
});

t.test('the evaluation set maps the split onto the catalog and samples queries with the seed', async (t) => {
  const catalog = { rows: [10, 20, 30, 40, 50, 60].map((id) => ({ id, displayName: `p${id}`, articleType: 'A', masterCategory: 'M', imageKey: 'k' })) } as CatalogManifest;
  const split = { seed: 1, test: [20, 50, 60], train: [10, 30, 40] } as SplitManifest;
  const all = evaluationSetOf(catalog, split, 0);
  t.same(all.testIndices, [1, 4, 5]);
  t.same(all.queryIndices, [1, 4, 5]);
  const two = evaluationSetOf(catalog, split, 2);
  t.equal(two.queryIndices.length, 2);
  t.same(evaluationSetOf(catalog, split, 2).queryIndices, two.queryIndices, 'same sample for the same seed');
  t.throws(() => evaluationSetOf(catalog, { ...split, test: [99] }, 0), /not in the run's catalog/);
});

t.test('augmented query images repeat for a seed and differ across seeds', async (t) => {
  const image = await sharp({ create: { width: 60, height: 80, channels: 3, background: { r: 200, g: 40, b: 40 } } })
    .composite([{ input: { create: { width: 20, height: 30, channels: 3, background: { r: 0, g: 0, b: 200 } } }, left: 10, top: 15 }])
    .jpeg()
    .toBuffer();
  const a = await augmentImage(image, drawAugmentation(5, 123));
  const b = await augmentImage(image, drawAugmentation(5, 123));
  const c = await augmentImage(image, drawAugmentation(6, 123));
  t.ok(a.equals(b), 'same seed and product → same bytes');
  t.notOk(a.equals(c), 'another seed → another image');
  const meta = await sharp(a).metadata();
  t.same([meta.width, meta.height, meta.format], [60, 80, 'jpeg'], 'same size, JPEG');
  const d = drawAugmentation(5, 123);
  t.ok(d.cropScale ** 2 >= 0.75 && d.cropScale ** 2 <= 0.95 && Math.abs(d.degrees) <= 10 && d.brightness >= 0.8 && d.brightness <= 1.2 && d.quality >= 60 && d.quality <= 90);
});

t.test('embedding tables survive their binary form', async (t) => {
  const table = { version: 'v', dim: 2, ids: [3, 1, 2], image: Float32Array.from([1, 2, 3, 4, 5, 6]), text: Float32Array.from([6, 5, 4, 3, 2, 1]) };
  const back = decodeTable(encodeTable(table));
  t.same(back.ids, [3, 1, 2]);
  t.same([...back.image], [1, 2, 3, 4, 5, 6]);
  t.same([...selectRows(back, [2, 3]).text], [2, 1, 6, 5]);
  const imagesOnly = decodeTable(encodeTable({ ...table, text: new Float32Array(0) }));
  t.equal(imagesOnly.text.length, 0);
  t.throws(() => decodeTable(Buffer.from('nope')));
});
