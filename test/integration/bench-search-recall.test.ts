// The recall judgement of `bench search` (bench/search-hnsw.ts) on vectors placed by hand in a real
// embeddings table: around the query e0, rows at 1°..9°, three tied rows at 10°, one at 20°, and
// fillers far away, some of them "Rare" and three "Tiny". Searchers whose answers are known
// (the exact list, a tied swap, a farther row, rows outside the filter, a short list, a duplicate)
// must get exactly the recall the definition gives, and SearchCore's exact path must get 1.
import t from 'tap';
import { createRuntime } from '../../runtime/runtime.ts';
import { SearchCore } from '../../projections/embeddings/search.ts';
import { countRecall, exactNearest, judgeRows, measureRecall, type Searcher } from '../../bench/search-hnsw.ts';
import { liveTable, sampleProducts } from '../../bench/search-inputs.ts';
import { idBase } from './fixtures.ts';
import { applyDirectly, dropSpace, embedding, testSpace, versionsOf } from './embeddings-fixtures.ts';

const DIM = 4;
const FILLERS = 200;

/** A unit vector θ degrees away from e0, turned by φ in the plane of components 2 and 3 (or 1 when plain). */
function at(theta: number, phi?: number): number[] {
  const r = (theta * Math.PI) / 180;
  if (phi === undefined) return [Math.cos(r), Math.sin(r), 0, 0];
  const p = (phi * Math.PI) / 180;
  return [Math.cos(r), 0, Math.sin(r) * Math.cos(p), Math.sin(r) * Math.sin(p)];
}

t.test('bench search judges recall@10 against the exact scan, ties and filters included', async (t) => {
  const rt = createRuntime('test-bench-search-recall');
  t.teardown(() => rt.close());
  const space = testSpace(13 + FILLERS);
  t.teardown(() => dropSpace(rt.db, space));
  const version = space.version('bench');
  const base = idBase();
  const events = [];
  for (let i = 1; i <= 9; i += 1) events.push(embedding(base + i, version, at(i), at(i), { articleType: 'Common', productDisplayName: `near ${i}` }));
  for (const id of [10, 11, 12]) events.push(embedding(base + id, version, at(10), at(10), { articleType: 'Common', productDisplayName: `tied ${id}` }));
  events.push(embedding(base + 13, version, at(20), at(20), { articleType: 'Common', productDisplayName: 'farther' }));
  for (let j = 0; j < FILLERS; j += 1) {
    const articleType = j < 3 ? 'Tiny' : j % 10 === 0 ? 'Rare' : 'Common';
    const v = at(30 + (140 * j) / FILLERS, (360 * j * 7) / FILLERS);
    events.push(embedding(base + 100 + j, version, v, v, { articleType, productDisplayName: `filler ${j}` }));
  }
  await applyDirectly(rt.db, space, events);
  const row = (await versionsOf(rt.db, space)).find((v) => v.version === version);
  t.match(row, { state: 'live', indexed: true }, 'the version is live and indexed');

  const table = await liveTable(rt.db, space.namespace);
  t.equal(table.version, version, 'liveTable finds the live version');
  t.equal(table.dimension, DIM);
  const sample = await sampleProducts(rt.db, table, 5, 'seed-a');
  t.equal(sample.length, 5, 'a sample of 5');
  t.same(sample, await sampleProducts(rt.db, table, 5, 'seed-a'), 'the same seed draws the same sample');
  t.notSame(sample.map((p) => p.id), (await sampleProducts(rt.db, table, 5, 'seed-b')).map((p) => p.id), 'another seed draws another');

  const q = new Float32Array([1, 0, 0, 0]);
  const exact = await exactNearest(rt.db, table.view, 'image_embedding', q, undefined, 10);
  t.same(exact.map((n) => n.id - base), [1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 'the exact scan: 1°..9°, then the lowest id of the tie');
  const exactIds = exact.map((n) => n.id);
  const fixed = (ids: number[]): Searcher => async () => ids;
  const searchers: Record<string, Searcher> = {
    exact: fixed(exactIds),
    tiedSwap: fixed([...exactIds.slice(0, 9), base + 12]),
    fartherRow: fixed([...exactIds.slice(0, 9), base + 13]),
    threeFar: fixed([...exactIds.slice(0, 7), base + 13, base + 150, base + 160]),
    short: fixed(exactIds.slice(0, 5)),
    duplicate: fixed([...exactIds.slice(0, 9), exactIds[0]!]),
  };
  const unfiltered = await measureRecall(rt.db, table.view, 'image_embedding', [q], undefined, searchers);
  t.equal(unfiltered.exact!.recallAtK, 1, 'the exact list: 1');
  t.equal(unfiltered.tiedSwap!.recallAtK, 1, 'a row tied with the 10th instead of it: still 1');
  t.equal(unfiltered.fartherRow!.recallAtK, 0.9, 'a farther row instead of the 10th: 0.9');
  t.equal(unfiltered.threeFar!.recallAtK, 0.7, 'three farther rows: 0.7');
  t.equal(unfiltered.short!.recallAtK, 0.5, 'five rows of ten: 0.5');
  t.equal(unfiltered.short!.rowsPerQuery, 5);
  t.equal(unfiltered.duplicate!.recallAtK, 0.9, 'a row returned twice counts once');
  t.ok(unfiltered.exact!.speedUp > 0 && unfiltered.exact!.exactScanMs.mean > 0, 'times are measured');

  // Filters: the exact list of the unfiltered query is outside a Rare filter; SearchCore's exact path.
  const rare = { articleType: ['Rare'] };
  const exactRare = await exactNearest(rt.db, table.view, 'image_embedding', q, rare, 10);
  t.equal(exactRare.length, 10);
  const served = new SearchCore(rt.db, { namespace: space.namespace });
  const core = (column: 'image_embedding' | 'text_embedding'): Searcher => async (v, filters, k) =>
    (await (column === 'image_embedding' ? served.byImageVector(v, { k, filters }) : served.byNameVector(v, { k, filters }))).hits.map((h) => h.product.id);
  const filtered = await measureRecall(rt.db, table.view, 'image_embedding', [q], rare, { unfilteredList: fixed(exactIds), searchCore: core('image_embedding'), exactRare: fixed(exactRare.map((n) => n.id)) });
  t.equal(filtered.unfilteredList!.recallAtK, 0, 'rows outside the filter are never true neighbours');
  t.equal(filtered.unfilteredList!.outsideFilterRows, 10, 'and are counted as outside it');
  t.equal(filtered.exactRare!.recallAtK, 1);
  t.equal(filtered.searchCore!.recallAtK, 1, 'SearchCore ranks a selective filter exactly: 1');
  t.equal(filtered.searchCore!.outsideFilterRows, 0);

  const tiny = await measureRecall(rt.db, table.view, 'text_embedding', [q], { articleType: ['Tiny'] }, { searchCore: core('text_embedding') });
  t.equal(tiny.searchCore!.rowsPerQuery, 3, 'a filter passing 3 rows gives 3 rows');
  t.equal(tiny.searchCore!.recallAtK, 1, 'recall is over min(k, rows passing)');

  const judged = await judgeRows(rt.db, table.view, 'image_embedding', q, rare, [base + 1, base + 100, base + 110]);
  t.equal(judged.get(base + 1)!.passes, false, 'a Common row does not pass the Rare filter');
  t.equal(judged.get(base + 100)!.passes, false, 'nor a Tiny one');
  t.equal(judged.get(base + 110)!.passes, true, 'a Rare one does');
  t.ok(Math.abs(judged.get(base + 1)!.distance - (1 - Math.cos(Math.PI / 180))) < 1e-6, 'the distance is recomputed by Postgres');
});

t.test('countRecall on hand-made distances', async (t) => {
  const exact = [1, 2, 3].map((id) => ({ id, distance: id / 10 }));
  const judged = new Map([
    [1, { distance: 0.1, passes: true }],
    [2, { distance: 0.2, passes: true }],
    [4, { distance: 0.3, passes: true }],
    [5, { distance: 0.30000001, passes: true }],
    [6, { distance: 0.5, passes: true }],
    [7, { distance: 0.1, passes: false }],
  ]);
  t.same(countRecall([1, 2, 4], judged, exact, 3), { found: 3, expected: 3, returned: 3, outsideFilter: 0 }, 'a tie at the k-th distance counts');
  t.same(countRecall([1, 2, 5], judged, exact, 3), { found: 3, expected: 3, returned: 3, outsideFilter: 0 }, 'within 1e-6 counts');
  t.same(countRecall([1, 6, 7], judged, exact, 3), { found: 1, expected: 3, returned: 3, outsideFilter: 1 }, 'farther and filtered-out rows do not');
  t.same(countRecall([1, 2, 3, 4], judged, exact, 3).returned, 3, 'only the first k count');
  t.same(countRecall([99], judged, exact, 3), { found: 0, expected: 3, returned: 1, outsideFilter: 1 }, 'an unknown row is not a neighbour');
  t.same(countRecall([], new Map(), [], 10), { found: 0, expected: 0, returned: 0, outsideFilter: 0 }, 'nothing passes: nothing expected');
});
