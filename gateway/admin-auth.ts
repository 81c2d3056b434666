// The one authentication of the gateway's admin actions: every admin route (REST today; a GraphQL
// mutation would call adminIdentity with the same guard) checks "Authorization: Bearer <token>"
// here, before its body is parsed or validated, so a caller without the token learns nothing about
// what the body should be. Refusals are GatewayErrors, answered by the gateway's one error handler.
import type { FastifyRequest, onRequestAsyncHookHandler } from 'fastify';
import { forbidden, unauthorized } from './errors.ts';

/** Checks a presented admin token and returns who acted; throws when it is not the admin's (mlops/admin-token.ts adminGuard). */
export interface AdminGuard {
  verify(presented: string | undefined): string;
}

/** Who presented the admin token in `authorization`, or a 403 (admin off) / 401 (no or a wrong token). */
export function adminIdentity(guard: AdminGuard | undefined, authorization: string | undefined): string {
  if (!guard) throw forbidden('admin actions are off: start the gateway with VITRINA_ADMIN_TOKEN set');
  const presented = /^Bearer (.+)$/.exec(authorization ?? '')?.[1];
  try {
    return guard.verify(presented);
  } catch {
    throw unauthorized('send the admin token as "Authorization: Bearer <token>"');
  }
}

/** An onRequest hook for admin routes, and the identity it recorded for a request. */
export function adminAuthentication(guard: AdminGuard | undefined): { onRequest: onRequestAsyncHookHandler; identityOf(request: FastifyRequest): string } {
  const identities = new WeakMap<FastifyRequest, string>();
  return {
    onRequest: async (request) => {
      identities.set(request, adminIdentity(guard, request.headers.authorization));
    },
    identityOf: (request) => {
      const identity = identities.get(request);
      if (identity === undefined) throw new Error(`${request.method} ${request.routeOptions.url ?? request.url} is an admin route without the admin hook`);
      return identity;
    },
  };
}
