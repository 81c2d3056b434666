// The model registry routes on the real stack: reads from the model-registry projection, and the
// admin commands, which need the configured token and publish events.
import crypto from 'node:crypto';
import fs from 'node:fs';
import Fastify from 'fastify';
import t from 'tap';
import { adminPlugins } from '../../cli/admin-plugins.ts';
import { createRuntime } from '../../runtime/runtime.ts';
import { buildGateway } from '../../gateway/index.ts';
import { modelRoutes } from '../../gateway/plugins/models.ts';
import { adminGuard, adminIdentity } from '../../mlops/admin-token.ts';
import { loadSettings, type Settings } from '../../platform/env-table.ts';
import { ConflictError, NotFoundError } from '../../platform/errors.ts';
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
    // Typed refusals: their status comes from their class (platform/errors.ts), whatever they say.
    promote: async () => {
      throw new NotFoundError('model version x is not stored anywhere');
    },
    rollback: async () => {
      throw new ConflictError(`model ${modelName} has nothing to return to (0 promotions)`);
    },
  };
  // Mounted in the gateway as `serve gateway` mounts them, so its one error handler answers; the
  // admin routes use neither the search core nor the model server.
  const unused = {} as never;
  const mounted = (admin: ReturnType<typeof adminGuard>) =>
    buildGateway({ search: unused, encoder: unused, s3: rt.s3 }, { plugins: [{ plugin: modelRoutes, prefix: '/api/v1', options: { db: rt.db, modelName, commands, admin } }] });
  const app = await mounted(adminGuard(token));
  const off = await mounted(undefined);
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
  // Authentication comes first: a bad body from someone without the token learns nothing about the body.
  t.equal((await app.inject({ method: 'POST', url: '/api/v1/training-runs', payload: { seed: -1, nope: 1 } })).statusCode, 401, 'no token and a bad body: 401');
  t.equal((await app.inject({ method: 'POST', url: '/api/v1/training-runs', headers: { authorization: 'Bearer wrong' }, payload: { seed: 'x' } })).statusCode, 401, 'a wrong token and a bad body: 401');
  t.equal((await app.inject({ method: 'POST', url: '/api/v1/models/x/promote', payload: { reason: 'r'.repeat(600) } })).statusCode, 401, 'promote: 401 before 400');
  t.equal((await app.inject({ method: 'POST', url: '/api/v1/models/rollback', headers: { 'content-type': 'application/json' }, payload: '{' })).statusCode, 401, 'rollback: even malformed JSON is a 401 first');
  t.equal((await off.inject({ method: 'POST', url: '/api/v1/training-runs', payload: { seed: -1 } })).statusCode, 403, 'admin off and a bad body: 403');

  const accepted = await app.inject({ method: 'POST', url: '/api/v1/training-runs', headers: { authorization: `Bearer ${token}` }, payload: { seed: 7 } });
  t.equal(accepted.statusCode, 202);
  const { runId } = accepted.json() as { runId: string };
  let published: { runId: string; seed: number; requestedBy: string } | undefined;
  await readToEnd(rt.kafka, [topics.trainingRequested.name], async (_t, _p, message) => {
    const event = await rt.codec.decode(topics.trainingRequested.name, message.value!);
    if (event.runId === runId) published = event;
  });
  t.match(published, { runId, seed: 7, requestedBy: adminIdentity(token) }, 'the request is published as TrainingRunRequested, by the same actor the CLI records for this token');

  const promote = await app.inject({ method: 'POST', url: '/api/v1/models/x/promote', headers: { authorization: `Bearer ${token}` }, payload: {} });
  t.equal(promote.statusCode, 404);
  const rollback = await app.inject({ method: 'POST', url: '/api/v1/models/rollback', headers: { authorization: `Bearer ${token}` }, payload: {} });
  t.equal(rollback.statusCode, 409);
  t.same(rollback.json(), { error: 'Conflict', message: `model ${modelName} has nothing to return to (0 promotions)`, statusCode: 409 }, 'the one error shape');
  t.same((await off.inject({ method: 'POST', url: '/api/v1/models/rollback', payload: {} })).json(), {
    error: 'Forbidden',
    message: 'admin actions are off: start the gateway with VITRINA_ADMIN_TOKEN set',
    statusCode: 403,
  });
  t.same((await app.inject({ method: 'GET', url: '/api/v1/models/nope' })).json(), { error: 'Not Found', message: 'no model version nope', statusCode: 404 });
});

t.test('a weak configured admin token stops the gateway from starting; the README names admin routes that exist', async (t) => {
  const rt = createRuntime('test-gateway-models-start');
  t.teardown(() => rt.close());
  // The settings a command reads once from its environment, with VITRINA_ADMIN_TOKEN set.
  const withToken = (token: string): Settings => loadSettings({ ...process.env, VITRINA_ADMIN_TOKEN: token });
  for (const weak of ['secret', 'x'.repeat(40), '123412341234123412341234']) {
    t.throws(() => adminPlugins(rt, withToken(weak)), /VITRINA_ADMIN_TOKEN is too weak/, `"${weak.slice(0, 12)}..." is refused at start-up`);
  }
  const app = Fastify();
  t.teardown(() => app.close());
  for (const { plugin, prefix, options } of adminPlugins(rt, withToken(crypto.randomBytes(16).toString('hex')))) await app.register(plugin, { ...options, prefix });

  const readme = fs.readFileSync(new URL('../../gateway/README.md', import.meta.url), 'utf8');
  t.notMatch(readme, /\/api\/v1\/admin\b/, 'no /api/v1/admin path (there is none)');
  const named = [...readme.matchAll(/`POST (\/api\/v1\/[\w/:-]+)`/g)].map((m) => m[1]!);
  t.ok(named.length >= 3, `the README names the admin commands (${named.join(', ')})`);
  for (const path of named) {
    const res = await app.inject({ method: 'POST', url: path.replace(/:\w+/g, 'x'), payload: {} });
    t.equal(res.statusCode, 401, `POST ${path} exists and asks for the token`);
  }
});

t.test('admin commands in the whole gateway are not cut by the 4 s deadline meant for searches', async (t) => {
  const rt = createRuntime('test-gateway-models-deadline');
  t.teardown(() => rt.close());
  const token = crypto.randomBytes(16).toString('hex');
  const settings = loadSettings({ ...process.env, VITRINA_ADMIN_TOKEN: token, VITRINA_MODEL_NAME: `test-${crypto.randomBytes(4).toString('hex')}` });
  // The admin routes use neither the search core nor the model server.
  const unused = {} as never;
  const app = await buildGateway({ search: unused, encoder: unused, s3: rt.s3 }, { plugins: adminPlugins(rt, settings) });
  t.teardown(() => app.close());
  const began = Date.now();
  // A rollback reads the whole promotions log before it can say there is nothing to roll back to.
  const rollback = await app.inject({ method: 'POST', url: '/api/v1/models/rollback', headers: { authorization: `Bearer ${token}` }, payload: {} });
  t.equal(rollback.statusCode, 409, `the command's own answer after ${Date.now() - began} ms: ${rollback.body.slice(0, 160)}`);
  t.match(rollback.json().message, /no earlier champion/);
});
