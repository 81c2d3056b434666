// Every error the gateway answers with has one JSON shape, {error, message, statusCode}, and a
// status a client can act on: 4xx for what the request got wrong, 503 when a server the gateway
// depends on (model server, database, object store) cannot be reached, 500 only for bugs.
import { STATUS_CODES } from 'node:http';
import { ConflictError, isTransient, NotFoundError } from '../platform/errors.ts';
import { isDatabaseUnavailable } from '../projections/db.ts';
import { DimensionMismatchError, ProductNotFoundError, SearchUnavailableError, UnknownModelVersionError } from '../projections/embeddings/errors.ts';

export interface ErrorBody {
  error: string;
  message: string;
  statusCode: number;
}

/** An error whose status and message are meant for the client. */
export class GatewayError extends Error {
  readonly statusCode: number;
  readonly code: string;

  constructor(statusCode: number, message: string, code = codeFor(statusCode)) {
    super(message);
    this.name = 'GatewayError';
    this.statusCode = statusCode;
    this.code = code;
  }
}

function codeFor(statusCode: number): string {
  switch (statusCode) {
    case 400:
      return 'BAD_USER_INPUT';
    case 401:
      return 'UNAUTHENTICATED';
    case 403:
      return 'FORBIDDEN';
    case 404:
      return 'NOT_FOUND';
    case 409:
      return 'CONFLICT';
    case 413:
      return 'PAYLOAD_TOO_LARGE';
    case 415:
      return 'UNSUPPORTED_MEDIA_TYPE';
    case 503:
      return 'SERVICE_UNAVAILABLE';
    default:
      return statusCode >= 500 ? 'INTERNAL_SERVER_ERROR' : 'BAD_REQUEST';
  }
}

export const badRequest = (message: string): GatewayError => new GatewayError(400, message);
export const unauthorized = (message: string): GatewayError => new GatewayError(401, message);
export const forbidden = (message: string): GatewayError => new GatewayError(403, message);
export const notFound = (message: string): GatewayError => new GatewayError(404, message);
export const tooLarge = (message: string): GatewayError => new GatewayError(413, message);
export const unsupportedMedia = (message: string): GatewayError => new GatewayError(415, message);
export const unavailable = (message: string): GatewayError => new GatewayError(503, message);

// gRPC status codes (https://grpc.github.io/grpc/core/md_doc_statuscodes.html) the model server uses.
const GRPC = { INVALID_ARGUMENT: 3, DEADLINE_EXCEEDED: 4, NOT_FOUND: 5, RESOURCE_EXHAUSTED: 8, FAILED_PRECONDITION: 9, UNAVAILABLE: 14 } as const;

interface GrpcLike {
  code: number;
  details: string;
}

function isGrpcError(err: unknown): err is GrpcLike & Error {
  return typeof err === 'object' && err !== null && typeof (err as { code?: unknown }).code === 'number' && typeof (err as { details?: unknown }).details === 'string';
}

/** Turns a model-server failure into what the client of the gateway should see. */
export function fromModelServer(err: unknown, what: string): Error {
  if (err instanceof GatewayError) return err;
  if (!isGrpcError(err)) return err instanceof Error ? err : new Error(String(err));
  switch (err.code) {
    case GRPC.INVALID_ARGUMENT:
      return badRequest(`the model server rejected the ${what}: ${err.details}`);
    case GRPC.RESOURCE_EXHAUSTED:
      return tooLarge(`the model server refused the ${what} as too large: ${err.details}`);
    case GRPC.UNAVAILABLE:
    case GRPC.DEADLINE_EXCEEDED:
      return unavailable(`the model server is unavailable (${err.details || 'no connection'}); try again shortly`);
    case GRPC.NOT_FOUND:
    case GRPC.FAILED_PRECONDITION:
      return unavailable(`the model server cannot embed with the live model version (${err.details}); try again shortly`);
    default:
      return new Error(`model server error ${err.code}: ${err.details}`);
  }
}

// Connection-level failures of Postgres (node-postgres) and of HTTP clients (MinIO): the
// dependency is down or restarting, so the request may succeed later.
const CONNECTION_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ENOTFOUND', 'ETIMEDOUT', 'EHOSTUNREACH', 'EPIPE', '57P01', '57P02', '57P03', '53300']);

function isConnectionError(err: Error): boolean {
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'string' && (CONNECTION_CODES.has(code) || code.startsWith('08'))) return true;
  if (err instanceof AggregateError) return err.errors.some((e) => e instanceof Error && isConnectionError(e));
  return /Connection terminated|timeout exceeded when trying to connect/i.test(err.message);
}

/** A timeout or lost session of the database pool (not a socket error, which may be MinIO's). */
function isDatabaseStall(err: Error): boolean {
  const code = (err as { code?: unknown }).code;
  return isDatabaseUnavailable(err) && !(typeof code === 'string' && code.startsWith('E'));
}

/**
 * The status and message an error is answered with. Fastify's own errors (validation, body too
 * large, unsupported content type, multipart limits) carry a 4xx statusCode and a message meant
 * for the client; anything unexpected becomes a 500 whose details stay in the log.
 */
export function classify(err: unknown): ErrorBody & { code: string } {
  const body = (statusCode: number, message: string, code = codeFor(statusCode)): ErrorBody & { code: string } => ({
    error: STATUS_CODES[statusCode] ?? 'Error',
    message,
    statusCode,
    code,
  });
  if (err instanceof GatewayError) return body(err.statusCode, err.message, err.code);
  if (!(err instanceof Error)) return body(500, 'internal error');
  // The search core's refusals, and the typed refusals of the commands behind the admin routes.
  if (err instanceof ProductNotFoundError || err instanceof NotFoundError) return body(404, err.message);
  if (err instanceof ConflictError) return body(409, err.message);
  if (err instanceof SearchUnavailableError || err instanceof UnknownModelVersionError) return body(503, `${err.message}; try again shortly`);
  if (err instanceof DimensionMismatchError) return body(503, `the model server and the search index disagree (${err.message}); try again shortly`);
  const statusCode = (err as { statusCode?: unknown }).statusCode;
  if (typeof statusCode === 'number' && statusCode >= 400 && statusCode < 500) return body(statusCode, err.message);
  if (typeof statusCode === 'number' && statusCode === 503) return body(503, err.message);
  if (isGrpcError(err)) {
    const mapped = fromModelServer(err, 'request');
    if (mapped instanceof GatewayError) return body(mapped.statusCode, mapped.message, mapped.code);
  }
  if (isDatabaseStall(err)) return body(503, `the database is not answering (${err.message}); try again shortly`);
  if (isConnectionError(err)) return body(503, 'a backing service (database or object store) is unavailable; try again shortly');
  if (isTransient(err)) return body(503, 'a backing service is unavailable; try again shortly');
  return body(500, 'internal error');
}
