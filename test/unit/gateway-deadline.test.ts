// A request whose handler waits on a dependency that never answers (a frozen database or model
// server) gets a 503 with Retry-After at the gateway's request deadline, instead of hanging.
import type * as Minio from 'minio';
import t from 'tap';
import { buildGateway } from '../../gateway/app.ts';
import { loadGatewayOptions } from '../../gateway/config.ts';
import type { Encoder, SearchBackend } from '../../gateway/core.ts';

const never = <T>(): T => new Proxy({}, { get: () => () => new Promise(() => undefined) }) as T;

t.test('a request stuck on a dependency is answered 503 with Retry-After at the deadline', async (t) => {
  // What `VITRINA_REQUEST_DEADLINE_MS=300` gives a gateway a command starts (gatewayOptionsFrom of its settings).
  const { requestDeadlineMs } = loadGatewayOptions({ VITRINA_REQUEST_DEADLINE_MS: '300' });
  t.equal(requestDeadlineMs, 300);
  const app = await buildGateway({ search: never<SearchBackend>(), encoder: never<Encoder>(), s3: never<Minio.Client>() }, { requestDeadlineMs });
  t.teardown(() => app.close());
  await app.listen({ host: '127.0.0.1', port: 0 });
  const { port } = app.server.address() as { port: number };
  for (const path of ['/api/v1/search?q=shirt', '/api/v1/products/5', '/api/v1/facets']) {
    const began = Date.now();
    const res = await fetch(`http://127.0.0.1:${port}${path}`, { signal: AbortSignal.timeout(5000) });
    const ms = Date.now() - began;
    const body = (await res.json()) as { message: string; statusCode: number };
    t.equal(res.status, 503, `${path}: 503`);
    t.ok(res.headers.get('retry-after'), `${path}: Retry-After`);
    t.match(body.message, /no answer within 0.3 s/, `${path}: the message says why`);
    t.ok(ms >= 250 && ms < 3000, `${path}: answered at the deadline (${ms} ms)`);
  }
});
