// The envelope of a GraphQL request, checked before Mercurius reads it: a POST body is one JSON
// object {query, variables, operationName, extensions} (or the document itself with content-type
// application/graphql), a GET has the same in its query string with variables as JSON. Anything
// else is a 400 that says what to send, never a 500 (a number as the query used to reach the
// parser and fail inside it).
import type { FastifyRequest } from 'fastify';
import { badRequest } from '../errors.ts';

/** What a client should send, for messages. */
export const HOW_TO_SEND = 'send {"query": "{ search(q: \\"red dress\\") { hits { product { name } } } }"} as JSON (content-type application/json), or the document alone with content-type application/graphql';

const kind = (value: unknown): string => (value === null ? 'null' : Array.isArray(value) ? 'an array' : typeof value);

function checkFields(fields: Record<string, unknown>, where: string): void {
  const { query, variables, operationName, extensions } = fields;
  if (query === undefined) throw badRequest(`the ${where} has no "query": ${HOW_TO_SEND}`);
  if (typeof query !== 'string') throw badRequest(`query must be a string holding a GraphQL document, got ${kind(query)}`);
  if (query.trim() === '') throw badRequest(`query is empty: ${HOW_TO_SEND}`);
  if (variables !== undefined && variables !== null && (typeof variables !== 'object' || Array.isArray(variables))) {
    throw badRequest(`variables must be a JSON object of variable values, got ${kind(variables)}`);
  }
  if (operationName !== undefined && operationName !== null && typeof operationName !== 'string') throw badRequest(`operationName must be a string, got ${kind(operationName)}`);
  if (extensions !== undefined && extensions !== null && (typeof extensions !== 'object' || Array.isArray(extensions))) throw badRequest(`extensions must be a JSON object, got ${kind(extensions)}`);
}

/** A JSON object from a GET parameter, or a 400 naming the parameter. */
function jsonParameter(name: string, raw: unknown): unknown {
  if (raw === undefined) return undefined;
  if (typeof raw !== 'string') throw badRequest(`${name} must be given once`);
  try {
    return JSON.parse(raw) as unknown;
  } catch {
    throw badRequest(`${name} must be JSON, got "${raw.slice(0, 40)}"`);
  }
}

/** A preValidation hook for the GraphQL route: throws a 400 for a request Mercurius should not see. */
export async function checkGraphqlRequest(request: FastifyRequest): Promise<void> {
  if (request.method === 'GET') {
    const params = (request.query ?? {}) as Record<string, unknown>;
    for (const name of ['query', 'operationName']) if (Array.isArray(params[name])) throw badRequest(`${name} must be given once`);
    checkFields({ ...params, variables: jsonParameter('variables', params.variables), extensions: jsonParameter('extensions', params.extensions) }, 'query string');
    return;
  }
  const body: unknown = request.body;
  if (Array.isArray(body)) throw badRequest(`batched queries are not supported: ${HOW_TO_SEND}`);
  if (body === null || typeof body !== 'object') throw badRequest(`the body must be a JSON object, got ${kind(body)}: ${HOW_TO_SEND}`);
  checkFields(body as Record<string, unknown>, 'body');
}
