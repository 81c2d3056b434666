// The model registry routes on the real stack: reads from the model-registry projection, and the
// admin commands, which need the configured token and publish events.
import crypto from 'node:crypto';
import Fastify from 'fastify';
import t from 'tap';
import { createRuntime } from '../../cli/runtime.ts';
import { modelRoutes } from '../../gateway/plugins/models.ts';
import { requestTraining } from '../../mlops/requests.ts';
import { readToEnd } from '../../streams/read-to-end.ts';
import { topics } from '../../streams/topics.ts';

t.test('model registry routes read the projection; admin commands need the token', async (t) => {
  const rt = createRuntime('test-gateway-models');
  t.teardown(() => rt.close());
  const modelName = `test-${crypto.randomBytes(4).toString('hex')}`;
  const token = crypto.randomBytes(16).toString('hex');
  const commands = {
    requestTraining: async (input: { requestedBy: string }) => ({ runId: (await requestTraining(rt.producer, { ...input, modelName })).runId }),
    promote: async () => {
      throw new Error(`model version x is neither in MinIO (vitrina-models/x/model.json), the cache nor the repository`);
    },
    rollback: async () => {
      throw new Error(`model ${modelName} has no earlier champion to roll back to (0 promotions)`);
    },
  };
  const app = Fastify();
  await app.register(modelRoutes, { prefix: '/api/v1', db: rt.db, modelName, commands, adminToken: token });
  const off = Fastify();
  await off.register(modelRoutes, { prefix: '/api/v1', db: rt.db, modelName, commands, adminToken: undefined });
  t.teardown(() => Promise.all([app.close(), off.close()]));

  const models = await app.inject({ method: 'GET', url: '/api/v1/models' });
  t.equal(models.statusCode, 200);
  t.same(models.json(), { modelName, champion: null, versions: [], promotions: [] }, 'an unknown model has an empty registry');
  t.equal((await app.inject({ method: 'GET', url: '/api/v1/training-runs' })).json().runs.length, 0);
  t.equal((await app.inject({ method: 'GET', url: '/api/v1/models/nope' })).statusCode, 404);

  t.equal((await off.inject({ method: 'POST', url: '/api/v1/training-runs', payload: {} })).statusCode, 403, 'no configured token: admin is off');
  t.equal((await app.inject({ method: 'POST', url: '/api/v1/training-runs', payload: {} })).statusCode, 401, 'no token sent');
  t.equal((await app.inject({ method: 'POST', url: '/api/v1/training-runs', headers: { authorization: 'Bearer wrong' }, payload: {} })).statusCode, 401, 'a wrong token');
  t.equal((await app.inject({ method: 'POST', url: '/api/v1/training-runs', headers: { authorization: `Bearer ${token}` }, payload: { seed: -1 } })).statusCode, 400, 'a bad body');

  const accepted = await app.inject({ method: 'POST', url: '/api/v1/training-runs', headers: { authorization: `Bearer ${token}` }, payload: { seed: 7 } });
  t.equal(accepted.statusCode, 202);
  const { runId } = accepted.json() as { runId: string };
  let published: { runId: string; seed: number; requestedBy: string } | undefined;
  await readToEnd(rt.kafka, [topics.trainingRequested.name], async (_t, _p, message) => {
    const event = await rt.codec.decode(topics.trainingRequested.name, message.value!);
    if (event.runId === runId) published = event;
  });
  t.match(published, { runId, seed: 7, requestedBy: /^admin:[0-9a-f]{12}$/ }, 'the request is published as TrainingRunRequested');

  const promote = await app.inject({ method: 'POST', url: '/api/v1/models/x/promote', headers: { authorization: `Bearer ${token}` }, payload: {} });
  t.equal(promote.statusCode, 404);
  const rollback = await app.inject({ method: 'POST', url: '/api/v1/models/rollback', headers: { authorization: `Bearer ${token}` }, payload: {} });
  t.equal(rollback.statusCode, 409);
  t.match(rollback.json().message, /no earlier champion/);
});
