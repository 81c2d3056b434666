// The model registry over HTTP, in the shapes the UI's models page reads: GET /models,
// GET /models/:version, GET /training-runs, GET /training-runs/:runId, and the admin commands
// POST /training-runs, POST /models/:version/promote, POST /models/rollback. The commands only
// publish events; they are injected (commands) so the gateway does not depend on the MLOps code,
// and need `Authorization: Bearer <VITRINA_ADMIN_TOKEN>`, checked by the gateway's one admin hook
// (gateway/admin-auth.ts, with mlops/admin-token.ts adminGuard) before anything else about the
// request — without a configured token they are off (403). A command's refusal is a typed error
// (platform/errors.ts NotFoundError, ConflictError) that the gateway's one error mapping answers.
import type { FastifyPluginAsync } from 'fastify';
import type { Db } from '../../projections/db.ts';
import { championOf, getModel, getTrainingRun, listModels, listTrainingRuns } from '../../projections/model-registry/queries.ts';
import { adminAuthentication, type AdminGuard } from '../admin-auth.ts';
import { notFound } from '../errors.ts';

export type { AdminGuard };

export interface ModelCommands {
  requestTraining(input: { requestedBy: string; seed?: number; testFraction?: number; parameters?: Record<string, string> }): Promise<{ runId: string }>;
  promote(input: { version: string; identity: string; reason?: string }): Promise<{ version: string; previousVersion: string | null }>;
  rollback(input: { identity: string; reason?: string }): Promise<{ version: string; previousVersion: string | null }>;
}

export interface ModelRoutesOptions {
  db: Db;
  modelName: string;
  commands: ModelCommands;
  /** Checks a presented admin token and returns who acted (throws when it is not the admin's); undefined turns the admin commands off (403). */
  admin: AdminGuard | undefined;
}

// The commands read whole topics (the promotions log) and check the model store before they
// publish: seconds, not the milliseconds of a search, so they get 30 s instead of the gateway's
// 4 s request deadline (gateway/deadline.ts).
const COMMAND_DEADLINE = { deadlineMs: 30_000 };

const UI_STATUS: Record<string, string> = { champion: 'champion', candidate: 'challenger', rejected: 'rejected', retired: 'retired', known: 'retired' };

export const modelRoutes: FastifyPluginAsync<ModelRoutesOptions> = async (app, { db, modelName, commands, admin }) => {
  const { onRequest: authenticate, identityOf } = adminAuthentication(admin);

  app.get('/models', async () => {
    const [{ models }, { champion, promotions }] = await Promise.all([listModels(db, { modelName, limit: 100 }), championOf(db, modelName)]);
    return {
      modelName,
      champion,
      versions: models.map((m) => ({
        version: m.version,
        status: UI_STATUS[m.status] ?? 'retired',
        createdAt: m.createdAt,
        baseModelVersion: m.lineage.baseVersion,
        runId: m.lineage.trainingRun,
        splitManifestKey: m.lineage.splitManifestKey,
        artifacts: m.lineage.adapter ?? undefined,
        metrics: m.latestMetrics ?? {},
        evaluatedAt: null,
      })),
      promotions: [...promotions].reverse(),
    };
  });

  app.get<{ Params: { version: string } }>('/models/:version', async (request) => {
    const model = await getModel(db, request.params.version, modelName);
    if (!model) throw notFound(`no model version ${request.params.version}`);
    return model;
  });

  app.get('/training-runs', async () => {
    const { runs } = await listTrainingRuns(db, { modelName, limit: 50 });
    const details = await Promise.all(runs.map((r) => getTrainingRun(db, r.runId)));
    return {
      runs: runs.map((r, i) => ({
        runId: r.runId,
        status: r.status === 'promoted' || r.status === 'rejected' || r.status === 'evaluated' || r.status === 'trained' ? 'succeeded' : r.status === 'unknown' ? 'requested' : r.status,
        requestedBy: r.requestedBy,
        requestedAt: r.requestedAt,
        completedAt: r.updatedAt,
        baseModelVersion: r.baseVersion,
        modelVersion: r.modelVersion,
        seed: r.seed,
        testFraction: r.testFraction,
        parameters: details[i]?.parameters ?? {},
        progress: null,
        curve: (details[i]?.curve ?? []).map((c) => ({ epoch: c.epoch, loss: c.loss })),
        durationMs: details[i]?.durationMs ?? null,
        error: r.error,
        decision: runDecision(r.decision, r.reason),
      })),
    };
  });

  app.get<{ Params: { runId: string } }>('/training-runs/:runId', async (request) => {
    const run = await getTrainingRun(db, request.params.runId);
    if (!run) throw notFound(`no training run ${request.params.runId}`);
    return run;
  });

  const trainBody = {
    type: 'object',
    additionalProperties: false,
    properties: { seed: { type: 'integer', minimum: 0 }, testFraction: { type: 'number', exclusiveMinimum: 0, exclusiveMaximum: 1 }, parameters: { type: 'object', additionalProperties: { type: 'string' } } },
  } as const;
  app.post<{ Body: { seed?: number; testFraction?: number; parameters?: Record<string, string> } }>('/training-runs', { onRequest: authenticate, config: COMMAND_DEADLINE, schema: { body: trainBody } }, async (request, reply) => {
    const { runId } = await commands.requestTraining({ requestedBy: identityOf(request), ...(request.body ?? {}) });
    return reply.code(202).send({ runId });
  });

  const reasonBody = { type: 'object', additionalProperties: false, properties: { reason: { type: 'string', maxLength: 500 } } } as const;
  app.post<{ Params: { version: string }; Body: { reason?: string } }>('/models/:version/promote', { onRequest: authenticate, config: COMMAND_DEADLINE, schema: { body: reasonBody } }, async (request, reply) => {
    const event = await commands.promote({ version: request.params.version, identity: identityOf(request), reason: request.body?.reason });
    return reply.code(202).send({ champion: event.version, previousVersion: event.previousVersion });
  });

  app.post<{ Body: { reason?: string } }>('/models/rollback', { onRequest: authenticate, config: COMMAND_DEADLINE, schema: { body: reasonBody } }, async (request, reply) => {
    const event = await commands.rollback({ identity: identityOf(request), reason: request.body?.reason });
    return reply.code(202).send({ champion: event.version, previousVersion: event.previousVersion });
  });
};

/** A run's decision for the models page: the registry keeps the Avro enum (PROMOTE or REJECT). */
export function runDecision(decision: string | null, reason: string | null): { promoted: boolean; reason: string | null } | null {
  return decision ? { promoted: decision === 'PROMOTE', reason } : null;
}
