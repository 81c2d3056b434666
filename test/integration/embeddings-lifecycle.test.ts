// The life of model versions in the embeddings projection: a promoted version goes live only when
// it is complete, atomically, while searches run without an error or an empty page; rollback is a
// promotion of the older version; replaying twice gives identical tables, equal to the live ones.
import t from 'tap';
import { createRuntime } from '../../runtime/runtime.ts';
import { ensureCatalog, liveGeneration } from '../../projections/catalog.ts';
import { UnknownModelVersionError } from '../../projections/embeddings/errors.ts';
import { SearchCore } from '../../projections/embeddings/search.ts';
import { checksum, replay } from '../../projections/replay.ts';
import { idBase, waitFor } from './fixtures.ts';
import { angleVector, embedding, emitEmbeddings, promote, startProjector, testSpace, versionsOf, waitForState } from './embeddings-fixtures.ts';

const DIM = 8;
const COUNT = 30;

/** Searches without pause until stopped, recording failures, empty pages and the versions read. */
function searchContinuously(search: SearchCore, query: Float32Array): { stop: () => Promise<{ searches: number; errors: string[]; empty: number; versions: string[] }> } {
  let running = true;
  const errors: string[] = [];
  const versions: string[] = [];
  let searches = 0;
  let empty = 0;
  const loop = (async () => {
    while (running) {
      try {
        const page = await search.byImageVector(query, { k: 5 });
        searches += 1;
        if (page.hits.length !== 5) empty += 1;
        if (versions[versions.length - 1] !== page.modelVersion) versions.push(page.modelVersion);
      } catch (err) {
        errors.push(String(err));
      }
      await new Promise((r) => setTimeout(r, 10));
    }
  })();
  return {
    stop: async () => {
      running = false;
      await loop;
      return { searches, errors, empty, versions };
    },
  };
}

t.test('a version goes live only when complete and promoted; searches never fail through switches and replays', async (t) => {
  const rt = createRuntime('test-embeddings-lifecycle');
  t.teardown(() => rt.close());
  const space = testSpace(COUNT);
  const [v1, v2] = [space.version('v1'), space.version('v2')];
  const base = idBase();
  const product = (i: number, version: string, turn: number) =>
    embedding(base + i, version, angleVector(DIM, i * 3 + turn), angleVector(DIM, i * 5, 2, 3), { gender: i % 2 ? 'Women' : 'Men', articleType: 'Shirts', productDisplayName: `Lifecycle shirt ${i}` });
  await startProjector(rt, space, t);
  const search = new SearchCore(rt.db, { namespace: space.namespace });
  const query = new Float32Array(angleVector(DIM, 0));

  await emitEmbeddings(rt, Array.from({ length: COUNT }, (_, i) => product(i, v1, 0)));
  const first = await waitForState(rt.db, space, v1, 'live');
  t.match(first, { rows: COUNT, expectedRows: COUNT, indexed: true, dimension: DIM }, 'the first complete version goes live without a promotion');

  const watcher = searchContinuously(search, query);
  await promote(rt, space, v2, v1);
  await emitEmbeddings(rt, Array.from({ length: 20 }, (_, i) => product(i, v2, 1)));
  const building = await waitFor('v2 to hold 20 rows', async () => (await versionsOf(rt.db, space)).find((v) => v.version === v2 && v.rows === 20));
  t.match(building, { state: 'building', indexed: false, expectedRows: COUNT }, 'a promoted version that is not complete is building, without its HNSW index');
  t.equal(await search.liveVersion(), v1, 'search still reads the complete version');
  await t.rejects(search.byImageVector(query, { k: 5, modelVersion: v2 }), UnknownModelVersionError, 'nothing reads a half-built version, even by name');

  await emitEmbeddings(rt, Array.from({ length: 10 }, (_, i) => product(20 + i, v2, 1)));
  await waitForState(rt.db, space, v2, 'live');
  t.match((await versionsOf(rt.db, space)).find((v) => v.version === v1), { state: 'complete' }, 'the previous version stays complete, ready for a rollback');
  t.equal((await search.byImageVector(query, { k: 5 })).modelVersion, v2);

  await promote(rt, space, v1, v2);
  await waitForState(rt.db, space, v1, 'live');
  t.pass('a rollback is a promotion of the older version: live at once, it is complete');

  const client = await rt.db.connect();
  t.teardown(() => client.release());
  await ensureCatalog(client);
  const liveBefore = await checksum(client, space.projection);
  const generationBefore = await liveGeneration(client, space.namespace);
  const firstReplay = await replay(space.projection, rt);
  const afterFirst = await checksum(client, space.projection);
  const secondReplay = await replay(space.projection, rt);
  const afterSecond = await checksum(client, space.projection);
  const seen = await watcher.stop();

  t.equal(firstReplay.generation, (generationBefore ?? 0) + 1);
  t.equal(secondReplay.generation, firstReplay.generation + 1);
  t.equal(Object.keys(afterFirst).length, 4, 'registry, promotions and one table per version');
  t.same(afterSecond, afterFirst, 'replaying twice gives identical tables');
  t.same(afterFirst, liveBefore, 'equal to what the live projector built');
  t.match((await versionsOf(rt.db, space)).find((v) => v.version === v1), { state: 'live', indexed: true }, 'after a replay the same version is live');

  t.same(seen.errors, [], `no search failed (${seen.searches} searches through the switches and replays)`);
  t.equal(seen.empty, 0, 'no search returned a short page');
  t.same(seen.versions, [v1, v2, v1], 'searches read v1, then v2 once complete, then v1 again after the rollback');
});
