// The versions a server holds: the champion plus an LRU of versions asked for by name; a version
// swapped out or evicted closes only after its last request; a failed load keeps the champion.
import t from 'tap';
import { LoadedVersions } from '../../models/loaded-versions.ts';
import { assembleModel, type LoadedModel } from '../../models/model.ts';

function fakeModels(): { open: (v: string) => Promise<LoadedModel>; closed: string[]; opened: string[] } {
  const closed: string[] = [];
  const opened: string[] = [];
  return {
    closed,
    opened,
    open: async (version) => {
      if (version.startsWith('broken')) throw new Error(`cannot load ${version}`);
      opened.push(version);
      const info = { name: 'fake', version, dimension: 1, textPreprocessing: '', imagePreprocessing: '', source: `fake:${version}` };
      const run = async (items: unknown[]): Promise<Float32Array[]> => items.map(() => Float32Array.of(1));
      return assembleModel(info, { prepare: async () => [1], run }, { prepare: async () => new Float32Array(1), run }, async () => void closed.push(version));
    },
  };
}

t.test('the champion swaps only after the new version loaded; the old one closes when its leases end', async (t) => {
  const fake = fakeModels();
  const versions = new LoadedVersions({ open: fake.open, capacity: 3, maxBatch: 8, maxWaitMs: 0 });
  await t.rejects(versions.acquire(), /no model version is loaded/);
  await versions.promote('v1');
  const lease = await versions.acquire();
  t.equal(lease.serving.version, 'v1');
  await versions.promote('v2');
  t.equal(versions.championVersion(), 'v2');
  await new Promise((r) => setTimeout(r, 20));
  t.same(fake.closed, [], 'v1 stays open while a request holds it');
  t.same((await lease.serving.texts.submit([[1]])).length, 1, 'the request in flight completes on v1');
  lease.release();
  await new Promise((r) => setTimeout(r, 20));
  t.same(fake.closed, ['v1'], 'v1 closed after its last request');
  await t.rejects(versions.promote('broken-v3'), /cannot load/);
  t.equal(versions.championVersion(), 'v2', 'a failed load keeps the champion');
  await versions.close();
  t.same(fake.closed, ['v1', 'v2']);
});

t.test('versions asked for by name are kept least-recently-used first out, never the champion', async (t) => {
  const fake = fakeModels();
  const versions = new LoadedVersions({ open: fake.open, capacity: 2, maxBatch: 8, maxWaitMs: 0 });
  await versions.promote('champ');
  const [a1, a2] = await Promise.all([versions.acquire('a'), versions.acquire('a')]);
  t.equal(a1.serving, a2.serving, 'concurrent requests share one load');
  a1.release();
  a2.release();
  t.same(fake.opened, ['champ', 'a']);
  (await versions.acquire('b')).release();
  t.same(versions.loadedVersions().sort(), ['b', 'champ'], 'a evicted, the champion kept');
  await new Promise((r) => setTimeout(r, 20));
  t.same(fake.closed, ['a']);
  (await versions.acquire('champ')).release();
  const last = await versions.acquire();
  t.equal(last.serving.version, 'champ');
  last.release();
  await versions.close();
});
