// A fresh system's champion is in the registry: the model server started as `serve all` and
// `serve model` start it (startServingModel), for a model name no other test uses, serves its
// bundled default and registers it through a ModelPromoted, so REST, GraphQL and the registry's
// queries name it; a restart and a second process's repeat add nothing; a replay gives the same rows.
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import t from 'tap';
import { ensureMlopsTopics } from '../../runtime/mlops-processors.ts';
import { createRuntime } from '../../runtime/runtime.ts';
import { startServingModel } from '../../cli/serve-model.ts';
import { promotionHistory } from '../../mlops/champion.ts';
import { modelRegistryProjection } from '../../projections/model-registry/projection.ts';
import { championOf, getModel } from '../../projections/model-registry/queries.ts';
import { createProjector } from '../../projections/projector.ts';
import { replay } from '../../projections/replay.ts';
import { totalLag } from '../../streams/lag.ts';
import { topics } from '../../streams/topics.ts';
import { uniqueGroup, waitFor } from './fixtures.ts';
import { registryGateway } from './registry-gateway.ts';

const bundled = (JSON.parse(fs.readFileSync(new URL('../../models/base/model.json', import.meta.url), 'utf8')) as { version: string }).version;

t.test('the bundled default is registered as the first champion at start, once, and replays', async (t) => {
  const rt = createRuntime('test-first-champion');
  t.teardown(() => rt.close());
  await ensureMlopsTopics(rt.kafka);
  const modelName = `test-first-${crypto.randomBytes(4).toString('hex')}`;
  const cacheDir = fs.mkdtempSync(path.join(os.tmpdir(), 'vitrina-first-champion-'));
  t.teardown(() => fs.rmSync(cacheDir, { recursive: true, force: true }));
  const serverOptions = { address: '127.0.0.1:0', modelName, kafka: rt.kafka, codec: rt.codec, s3: null, cacheDir, threads: 1 };

  const app = await registryGateway(t, rt, modelName);
  const rest = async (): Promise<{ champion: string | null; versions: Array<{ version: string; status: string }>; promotions: Array<{ version: string; previousVersion: string | null; promotedBy: string }> }> =>
    (await app.inject({ method: 'GET', url: '/api/v1/models' })).json();
  const graphqlChampion = async (): Promise<unknown> => ((await app.inject({ method: 'POST', url: '/graphql', payload: { query: '{ champion { version } }' } })).json() as { data: unknown }).data;

  const projector = createProjector(modelRegistryProjection, rt, { groupId: uniqueGroup('first-champion') });
  await projector.start();
  t.teardown(() => projector.stop());
  t.equal((await rest()).champion, null, 'before any start the registry names no champion');

  const first = await startServingModel(serverOptions);
  t.teardown(() => first.stop());
  t.equal(first.champion(), bundled, 'a fresh model name is served the bundled base version');
  await waitFor('the registry to name the served champion', async () => (await championOf(rt.db, modelName)).champion === first.champion());
  const registered = await rest();
  t.equal(registered.champion, bundled, 'GET /api/v1/models names the version that serves');
  t.match(registered.versions, [{ version: bundled, status: 'champion' }], 'with a version row');
  t.match(registered.promotions, [{ version: bundled, previousVersion: null, promotedBy: 'system:bundled' }]);
  t.same(await graphqlChampion(), { champion: { version: bundled } }, 'GraphQL champion names it');

  // A restart finds the champion on the log and publishes nothing.
  await first.stop();
  const again = await startServingModel(serverOptions);
  t.teardown(() => again.stop());
  t.equal(again.champion(), bundled);
  t.equal((await promotionHistory(rt.kafka, rt.codec, modelName)).length, 1, 'a restart adds no promotion');

  // A second process that started at the same moment registers the same default again: no-op.
  await rt.producer.send(topics.promotions.name, [{ key: modelName, value: { modelName, version: bundled, previousVersion: null, reason: 'second process', promotedBy: 'system:bundled', promotedAt: Date.now() } }]);
  await waitFor('the projector to read the repeat', async () => totalLag(await projector.lag()) === 0);
  t.equal((await championOf(rt.db, modelName)).promotions.length, 1, 'the repeat of the same first champion is not a second promotion');

  await replay(modelRegistryProjection, rt);
  const replayed = await championOf(rt.db, modelName);
  t.equal(replayed.champion, bundled, 'a replay names the same champion');
  t.same(replayed.promotions.map((p) => [p.version, p.previousVersion, p.promotedBy]), [[bundled, null, 'system:bundled']], 'and the same single promotion');
  t.equal((await getModel(rt.db, bundled, modelName))?.status, 'champion');
});
