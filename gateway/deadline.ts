// Every request is answered within a deadline: when its handler has not replied after
// VITRINA_REQUEST_DEADLINE_MS (default 3 s) from the request's arrival, because a server it waits
// on (the database, the model server, the object store) is stalled, the client gets a 503 with
// Retry-After and a message saying so, instead of a connection that hangs. The handler's late
// result is dropped (Fastify logs it as "Reply was already sent"). The database pool's own
// timeouts (GATEWAY_DB_TIMEOUTS) are shorter, so a stalled database is usually answered by the
// error mapping before this deadline fires; this is the net under every other dependency.
import type { FastifyInstance } from 'fastify';
import type { PoolTimeouts } from '../projections/db.ts';
import { TABLE_DEFAULTS } from '../platform/env-table.ts';
import { unavailable } from './errors.ts';

// 3 s, not closer to the 5 s a client may wait: on a starved machine (a chaos run at load
// average 22 on 2 cores) timers and accepts run a second or more late.
export const DEFAULT_REQUEST_DEADLINE_MS = TABLE_DEFAULTS.VITRINA_REQUEST_DEADLINE_MS;

/** The gateway's database pool: a connection or a free client within 1.5 s, a query's answer within 2 s. */
export const GATEWAY_DB_TIMEOUTS: Required<PoolTimeouts> = { connectTimeoutMs: 1500, queryTimeoutMs: 2000 };

declare module 'fastify' {
  interface FastifyContextConfig {
    /** A route's own deadline (admin commands that read whole topics), instead of the default. */
    deadlineMs?: number;
  }
}

/** Answers every request of `app` within `defaultMs` (the gateway option requestDeadlineMs), or its route's own deadline. */
export function addRequestDeadline(app: FastifyInstance, defaultMs: number = DEFAULT_REQUEST_DEADLINE_MS): void {
  app.addHook('onRequest', async (request, reply) => {
    const deadlineMs = request.routeOptions.config?.deadlineMs ?? defaultMs;
    const timer = setTimeout(() => {
      if (reply.sent || reply.raw.headersSent || reply.raw.destroyed) return;
      request.log.warn({ url: request.url, deadlineMs }, 'request deadline passed; answering 503');
      void reply.send(unavailable(`no answer within ${deadlineMs / 1000} s: a server the gateway depends on (database, model server or object store) is not answering; try again shortly`));
    }, deadlineMs);
    timer.unref();
    reply.raw.once('close', () => clearTimeout(timer));
  });
}
