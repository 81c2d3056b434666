// The seeded train/test split, stratified by articleType: within each class (its ids sorted, then
// shuffled by a generator seeded from the run's seed and the class name) the first
// round(n × testFraction) ids go to the test split, at most n − 1 of them so every class keeps a
// training example. Each class draws from its own stream, so products added to one class do not
// move the split of another; the input order never matters. When only some products may be tested
// (those the base model never trained on), a class's test ids are drawn from those alone, as many
// as the class's share asks for and it has.
import { randomFor, shuffle } from '../../mlops/prng.ts';
import type { CatalogRow, ClassSplit } from '../../mlops/manifests.ts';

export interface Split {
  train: number[];
  test: number[];
  classes: ClassSplit[];
}

export function testCountOf(size: number, testFraction: number): number {
  if (size < 2) return 0;
  return Math.min(size - 1, Math.max(0, Math.round(size * testFraction)));
}

export function stratifiedSplit(rows: Array<Pick<CatalogRow, 'id' | 'articleType'>>, seed: number, testFraction: number, testable?: (id: number) => boolean): Split {
  if (!(testFraction > 0 && testFraction < 1)) throw new RangeError(`testFraction must be in (0, 1), got ${testFraction}`);
  const byClass = new Map<string, number[]>();
  for (const row of rows) {
    const ids = byClass.get(row.articleType) ?? [];
    ids.push(row.id);
    byClass.set(row.articleType, ids);
  }
  const train: number[] = [];
  const test: number[] = [];
  const classes: ClassSplit[] = [];
  for (const articleType of [...byClass.keys()].sort()) {
    const ids = byClass.get(articleType)!.sort((a, b) => a - b);
    if (new Set(ids).size !== ids.length) throw new Error(`duplicate product ids in class ${articleType}`);
    shuffle(ids, randomFor(seed, 'split', articleType));
    const candidates = testable ? ids.filter(testable) : ids;
    const nTest = Math.min(testCountOf(ids.length, testFraction), candidates.length);
    const chosen = new Set(candidates.slice(0, nTest));
    for (const id of ids) (chosen.has(id) ? test : train).push(id);
    classes.push({ articleType, train: ids.length - nTest, test: nTest });
  }
  return { train: train.sort((a, b) => a - b), test: test.sort((a, b) => a - b), classes };
}
