// The balancer (gateway/balancer/) in front of two small HTTP servers of this test, each counting
// what reaches it: a read-only request that gets no answer in time is sent once to the other
// instance (with the same body), an admin command or a GraphQL mutation never is, and with no
// instance healthy the balancer answers 503 with Retry-After at once.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import t from 'tap';
import { startBalancer, type RunningBalancer } from '../../gateway/balancer/server.ts';

interface Upstream {
  address: string;
  /** Requests other than the health check: method, path and body. */
  seen: Array<{ method: string; path: string; body: string }>;
  close(): Promise<void>;
}

/** A loopback server that answers its liveness check, and every other request only when `answers`. */
async function upstream(answers: boolean): Promise<Upstream> {
  const seen: Upstream['seen'] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (req.url === '/api/v1/health/live') return void res.end('{"status":"live"}');
      const body = Buffer.concat(chunks).toString();
      seen.push({ method: req.method!, path: req.url!, body });
      if (answers) res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ echoed: body }));
      // otherwise: hold the request, as a frozen gateway would
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  return {
    address: `127.0.0.1:${(server.address() as AddressInfo).port}`,
    seen,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

async function balance(t: { teardown: (fn: () => Promise<void>) => void }, upstreams: Upstream[], budget = { attemptTimeoutMs: 400, requestBudgetMs: 1000, timeoutMs: 1500 }): Promise<RunningBalancer> {
  const balancer = await startBalancer({ upstreams: upstreams.map((u) => u.address), port: 0, healthIntervalMs: 200, healthTimeoutMs: 1000, ...budget });
  t.teardown(() => balancer.close());
  for (const u of upstreams) t.teardown(() => u.close());
  return balancer;
}

const post = (url: string, path: string, body: string, headers: Record<string, string> = {}): Promise<Response> =>
  fetch(`${url}${path}`, { method: 'POST', body, headers: { 'content-type': 'application/json', ...headers }, signal: AbortSignal.timeout(10_000) });

t.test('a read-only request is sent once more to another instance when the first does not answer', async (t) => {
  const silent = await upstream(false);
  const live = await upstream(true);
  const { url } = await balance(t, [silent, live]);
  const search = JSON.stringify({ objectKey: 'incoming/query.jpg' });
  const graphql = JSON.stringify({ query: '{ search(q: "red dress", k: 5) { k } }' });
  for (let i = 0; i < 4; i += 1) {
    const got = await fetch(`${url}/api/v1/search?q=shirt&i=${i}`, { signal: AbortSignal.timeout(10_000) });
    t.equal(got.status, 200, `GET search ${i}: 200`);
    const image = await post(url, '/api/v1/search/image', search);
    t.equal(image.status, 200, `POST image search ${i}: 200`);
    t.same(await image.json(), { echoed: search }, 'the retried POST carried the same body');
    const gql = await post(url, '/graphql', graphql);
    t.equal(gql.status, 200, `GraphQL query ${i}: 200`);
  }
  t.ok(silent.seen.length >= 1, `the silent instance was tried first at least once (${silent.seen.length} times) and the request repeated on the other`);
  t.equal(live.seen.length, 12, 'every request was answered by the live instance');
});

t.test('an admin command and a GraphQL mutation are never repeated; a read-only one is, once', async (t) => {
  const a = await upstream(false);
  const b = await upstream(false);
  const { url } = await balance(t, [a, b]);
  const total = (): number => a.seen.length + b.seen.length;

  const began = Date.now();
  const admin = await post(url, '/api/v1/models/rollback', '{"reason":"test"}', { authorization: 'Bearer x' });
  t.equal(admin.status, 504, 'the admin command that got no answer: 504');
  t.match(await admin.json(), { statusCode: 504, message: /not repeated/ });
  t.equal(admin.headers.get('retry-after'), null, 'no invitation to retry it');
  t.equal(total(), 1, 'it reached one instance only');
  t.ok(Date.now() - began >= 1400, 'it waited the full timeout for requests that are not repeated');

  const mutation = await post(url, '/graphql', JSON.stringify({ query: 'mutation { promote(version: "x") }' }));
  t.equal(mutation.status, 504, 'a GraphQL mutation: 504');
  t.equal(total(), 2, 'it reached one instance only');

  const training = await post(url, '/api/v1/training-runs', '{}');
  t.equal(training.status, 504);
  t.equal(total(), 3, 'a training-run request reached one instance only');

  const search = await fetch(`${url}/api/v1/search?q=shirt`, { signal: AbortSignal.timeout(10_000) });
  t.equal(search.status, 503, 'a search no instance answers: 503');
  t.ok(search.headers.get('retry-after'), 'with Retry-After');
  t.equal(total(), 5, 'the search was tried on both instances, once each');
});

t.test('no healthy instance: 503 with Retry-After at once; an instance back is used again', async (t) => {
  const a = await upstream(true);
  const b = await upstream(true);
  const balancer = await balance(t, [a, b]);
  t.same(balancer.upstreams.stats().map((u) => u.healthy), [true, true], 'both healthy after the first check');
  await a.close();
  await b.close();
  const deadline = Date.now() + 5000;
  while (balancer.upstreams.stats().some((u) => u.healthy) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  const began = Date.now();
  const res = await fetch(`${balancer.url}/api/v1/search?q=shirt`, { signal: AbortSignal.timeout(5000) });
  t.equal(res.status, 503);
  t.ok(res.headers.get('retry-after'), 'Retry-After');
  t.match(await res.json(), { message: 'no gateway instance is healthy' });
  t.ok(Date.now() - began < 500, 'answered at once');
});

t.test('a request body over the limit is refused with 413, not forwarded', async (t) => {
  const a = await upstream(true);
  const b = await upstream(true);
  const balancer = await startBalancer({ upstreams: [a.address, b.address], port: 0, maxBodyBytes: 1000 });
  t.teardown(() => balancer.close());
  for (const u of [a, b]) t.teardown(() => u.close());
  const big = 'x'.repeat(5000);
  t.equal((await post(balancer.url, '/api/v1/search/image', big)).status, 413, 'a read-only POST');
  t.equal((await post(balancer.url, '/api/v1/models/rollback', big)).status, 413, 'a streamed admin POST');
  t.equal(a.seen.length + b.seen.length, 0, 'nothing reached an instance');
});
