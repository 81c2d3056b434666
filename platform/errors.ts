// Which failures are worth retrying (a server restarting, a connection dropped) and which are the
// message's own fault (it goes to the dead-letter topic).
export class TransientError extends Error {
  override name = 'TransientError';
}

/** A message that can never be handled as it is: bad bytes, bad fields, a missing referenced object. */
export class PoisonError extends Error {
  override name = 'PoisonError';
}

const TRANSIENT_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EAI_AGAIN',
  'ENOTFOUND',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
  // PostgreSQL: connection failures, admin shutdown, serialization failure, deadlock, too many connections
  '08000',
  '08001',
  '08003',
  '08006',
  '57P01',
  '57P02',
  '57P03',
  '57014', // statement cancelled (statement_timeout)
  '40001',
  '40P01',
  '53300',
  // gRPC: UNAVAILABLE, DEADLINE_EXCEEDED, RESOURCE_EXHAUSTED
  '14',
  '4',
  '8',
]);

/**
 * A request's refusals that are the caller's to fix, by kind, so every front end (the gateway's
 * statuses, the CLI's exit) maps them by class and never by the words of the message.
 */
export class NotFoundError extends Error {
  override name = 'NotFoundError';
}

/** The request conflicts with the current state (promoting the champion again, nothing to roll back to). */
export class ConflictError extends Error {
  override name = 'ConflictError';
}

/**
 * node-postgres' failures that carry no code: a connect timeout (the server accepted the TCP
 * connection but never answered, e.g. stopped), a pool with no free client in time, a query
 * timeout, and a session cut off by a server that died.
 */
export const POSTGRES_UNAVAILABLE = /Query read timeout|timeout exceeded when trying to connect|Connection terminated|Connection ended unexpectedly|Client has encountered a connection error/i;

export function isTransient(err: unknown): boolean {
  if (err instanceof PoisonError) return false;
  if (err instanceof TransientError) return true;
  if (typeof err !== 'object' || err === null) return false;
  const e = err as { code?: unknown; retriable?: unknown; name?: unknown; cause?: unknown };
  if (e.retriable === true) return true;
  if (e.code !== undefined && TRANSIENT_CODES.has(String(e.code))) return true;
  if (e.name === 'KafkaJSConnectionError' || e.name === 'KafkaJSRequestTimeoutError') return true;
  if (err instanceof Error && e.code === undefined && POSTGRES_UNAVAILABLE.test(err.message)) return true;
  return e.cause !== undefined && e.cause !== err ? isTransient(e.cause) : false;
}

export function errorClass(err: unknown): string {
  if (err instanceof Error) return err.name || err.constructor.name;
  return typeof err;
}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
