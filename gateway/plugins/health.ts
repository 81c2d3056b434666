// GET /health: whether the model server answers (and with which model version) and whether the
// database answers (and which model version is live in the search index); 503 when either is down.
// GET /health/live: whether this gateway process answers at all, asking nothing else: what a load
// balancer checks (gateway/balancer/), since a stalled dependency stalls every instance alike and
// each instance answers it with its own 503, while a frozen instance answers nothing.
import type { FastifyPluginAsync } from 'fastify';
import type { SearchService } from '../service.ts';

export interface HealthRoutesOptions {
  service: SearchService;
}

const dependency = {
  type: 'object',
  required: ['status'],
  properties: {
    status: { type: 'string', enum: ['up', 'down'] },
    modelVersion: { type: 'string' },
    dimension: { type: 'integer' },
    liveModelVersion: { type: ['string', 'null'] },
    error: { type: 'string' },
  },
} as const;

const healthSchema = {
  type: 'object',
  required: ['status', 'modelServer', 'database'],
  properties: { status: { type: 'string', enum: ['ok', 'degraded'] }, modelServer: dependency, database: dependency },
} as const;

export const healthRoutes: FastifyPluginAsync<HealthRoutesOptions> = async (app, { service }) => {
  app.get(
    '/health',
    {
      schema: {
        tags: ['operations'],
        summary: 'health of the gateway and what it depends on',
        operationId: 'health',
        response: { 200: { ...healthSchema, description: 'everything is up' }, 503: { ...healthSchema, description: 'the model server or the database is down' } },
      },
    },
    async (_request, reply) => {
      const report = await service.health();
      return reply.code(report.status === 'ok' ? 200 : 503).send(report);
    },
  );
  app.get(
    '/health/live',
    {
      schema: {
        tags: ['operations'],
        summary: 'whether this gateway process answers (no dependency asked): the check of a load balancer',
        operationId: 'liveness',
        response: { 200: { type: 'object', required: ['status'], properties: { status: { type: 'string', enum: ['live'] } }, description: 'the process answers' } },
      },
    },
    async () => ({ status: 'live' as const }),
  );
};
