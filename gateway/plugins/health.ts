// GET /health: whether the model server answers (and with which model version) and whether the
// database answers (and which model version is live in the search index); 503 when either is down.
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
};
