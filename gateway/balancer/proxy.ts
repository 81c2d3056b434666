// One request through the balancer: to the healthy gateway instance with the fewest in flight, its
// answer streamed back. A repeatable request (repeatable.ts; its body, if any, read first, at most
// `maxBodyBytes`) that gets no answer headers within `attemptTimeoutMs`, or cannot reach its
// instance, is sent once more to another healthy one, all within `requestBudgetMs`; after that, or
// with no instance healthy, the answer is a 503 with Retry-After. Any other request is streamed to
// one instance (its body bounded too) and never repeated: 504 or 502 when that instance fails it.
import { STATUS_CODES, type IncomingHttpHeaders, type IncomingMessage, type OutgoingHttpHeaders, type ServerResponse } from 'node:http';
import { pipeline, Transform, type Readable } from 'node:stream';
import { pipeline as pipe } from 'node:stream/promises';
import { mayRepeat, repeatable } from './repeatable.ts';
import type { Upstream, UpstreamSet } from './upstreams.ts';

export interface ProxyLimits {
  /** How long a repeatable request waits for an instance's answer headers before it goes to another. */
  attemptTimeoutMs: number;
  /** Every attempt of a repeatable request together. */
  requestBudgetMs: number;
  /** How long a request that is not repeatable waits for its answer headers. */
  timeoutMs: number;
  /** How long an answer's body may pause. */
  bodyTimeoutMs: number;
  maxBodyBytes: number;
}

/** Headers about one connection, not the request: never forwarded (undici refuses some of them). */
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'proxy-authenticate', 'proxy-authorization', 'te', 'trailer', 'transfer-encoding', 'upgrade', 'expect', 'host']);
/** Errors that say the instance itself is unreachable or gone. */
const UNREACHABLE = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'UND_ERR_SOCKET', 'UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_CLOSED']);

class BodyTooLarge extends Error {}
class AttemptTimedOut extends Error {}

function withoutHopByHop(headers: IncomingHttpHeaders): OutgoingHttpHeaders {
  const out: OutgoingHttpHeaders = {};
  for (const [name, value] of Object.entries(headers)) if (value !== undefined && !HOP_BY_HOP.has(name)) out[name] = value;
  return out;
}

function forwardedHeaders(req: IncomingMessage, body: Buffer | undefined): OutgoingHttpHeaders {
  const headers = withoutHopByHop(req.headers);
  const client = req.socket.remoteAddress ?? 'unknown';
  const prior = req.headers['x-forwarded-for'];
  headers['x-forwarded-for'] = prior ? `${String(prior)}, ${client}` : client;
  headers['x-forwarded-proto'] = 'http';
  if (req.headers.host) headers['x-forwarded-host'] = req.headers.host;
  if (body) headers['content-length'] = String(body.length);
  return headers;
}

/** An answer of the balancer's own, in the gateway's error shape. */
function answer(res: ServerResponse, status: number, message: string, retryAfterSeconds?: number): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const body = JSON.stringify({ error: STATUS_CODES[status], message, statusCode: status });
  const headers: OutgoingHttpHeaders = { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(body) };
  if (retryAfterSeconds !== undefined) headers['retry-after'] = String(retryAfterSeconds);
  res.writeHead(status, headers).end(body);
}

async function readBody(req: IncomingMessage, max: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > max) throw new BodyTooLarge();
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

/** The request's body streamed, failing past `max` bytes. */
function boundedStream(req: IncomingMessage, max: number): Readable {
  let size = 0;
  const limit = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      size += chunk.length;
      done(size > max ? new BodyTooLarge() : null, chunk);
    },
  });
  return pipeline(req, limit, () => undefined);
}

type Outcome = 'answered' | 'timed out' | 'unreachable';

export function createProxy(upstreams: UpstreamSet, limits: ProxyLimits, log: (line: string) => void): (req: IncomingMessage, res: ServerResponse) => void {
  const tooLarge = `the request body is larger than ${limits.maxBodyBytes} bytes`;

  /** One attempt on one instance; 'answered' once its answer (or the balancer's own) has gone to the client. */
  async function attempt(u: Upstream, req: IncomingMessage, res: ServerResponse, body: Buffer | Readable | undefined, headers: OutgoingHttpHeaders, timeoutMs: number): Promise<Outcome> {
    const abort = new AbortController();
    const timer = setTimeout(() => abort.abort(new AttemptTimedOut()), timeoutMs);
    const clientGone = (): void => {
      if (!res.writableFinished) abort.abort(new Error('the client went away'));
    };
    res.once('close', clientGone);
    u.inFlight += 1;
    u.forwarded += 1;
    try {
      const up = await u.pool.request({ method: req.method as 'GET', path: req.url!, headers: headers as Record<string, string>, body, signal: abort.signal, headersTimeout: timeoutMs, bodyTimeout: limits.bodyTimeoutMs });
      clearTimeout(timer);
      res.writeHead(up.statusCode, withoutHopByHop(up.headers as IncomingHttpHeaders));
      await pipe(up.body, res).catch(() => undefined); // a body cut short: both ends are closed
      return 'answered';
    } catch (err) {
      const reason: unknown = abort.signal.reason;
      if (reason instanceof AttemptTimedOut || (err as { code?: string }).code === 'UND_ERR_HEADERS_TIMEOUT') {
        upstreams.markDown(u, `no answer within ${timeoutMs} ms`);
        return 'timed out';
      }
      if (abort.signal.aborted) return 'answered'; // the client went away: nothing to answer
      if (err instanceof BodyTooLarge) {
        answer(res, 413, tooLarge);
        return 'answered';
      }
      const code = (err as { code?: string }).code ?? '';
      if (UNREACHABLE.has(code) && !res.headersSent) {
        upstreams.markDown(u, `${code}: ${(err as Error).message}`);
        return 'unreachable';
      }
      log(`request to ${u.origin}${req.url} failed: ${(err as Error).message}`);
      answer(res, 502, 'the gateway instance failed to answer');
      return 'answered';
    } finally {
      clearTimeout(timer);
      res.off('close', clientGone);
      u.inFlight -= 1;
    }
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const began = Date.now();
    if (!req.url?.startsWith('/')) return answer(res, 400, 'the request target must be a path');
    const method = req.method ?? 'GET';
    const path = req.url.split('?')[0]!;
    if (Number(req.headers['content-length'] ?? 0) > limits.maxBodyBytes) return answer(res, 413, tooLarge);
    const hasBody = Number(req.headers['content-length'] ?? 0) > 0 || req.headers['transfer-encoding'] !== undefined;
    let buffered: Buffer | undefined;
    if (hasBody && mayRepeat(method, path)) {
      try {
        buffered = await readBody(req, limits.maxBodyBytes);
      } catch (err) {
        return err instanceof BodyTooLarge ? answer(res, 413, tooLarge) : void res.destroy();
      }
    }
    const again = repeatable(method, path, buffered);
    const headers = forwardedHeaders(req, buffered);
    const tried = new Set<Upstream>();
    for (;;) {
      const u = upstreams.pick(tried);
      const left = began + limits.requestBudgetMs - Date.now();
      if (!u || (tried.size > 0 && left <= 0)) {
        const why = tried.size === 0 ? 'no gateway instance is healthy' : `no gateway instance answered within ${((Date.now() - began) / 1000).toFixed(1)} s`;
        return answer(res, 503, why, 1);
      }
      tried.add(u);
      const body = buffered ?? (hasBody ? boundedStream(req, limits.maxBodyBytes) : undefined);
      const outcome = await attempt(u, req, res, body, headers, again ? Math.min(limits.attemptTimeoutMs, left) : limits.timeoutMs);
      if (outcome === 'answered') return;
      if (!again) {
        // Not repeatable: it may have taken effect on the instance that failed.
        if (outcome === 'timed out') return answer(res, 504, `the gateway instance did not answer within ${limits.timeoutMs / 1000} s; the request was not repeated`);
        return answer(res, 502, 'the gateway instance could not be reached; the request was not repeated');
      }
      if (tried.size >= 2) return answer(res, 503, `no gateway instance answered within ${((Date.now() - began) / 1000).toFixed(1)} s`, 1);
    }
  }

  return (req, res) => {
    handle(req, res).catch((err: Error) => {
      log(`balancer: ${err.message}`);
      answer(res, 502, 'the balancer could not forward the request');
    });
  };
}
