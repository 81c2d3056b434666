// The gateway's small parts on their own: options from the environment, the cache of known filter
// values, the GraphQL depth and cost rule, error classification and image-key helpers.
import { buildSchema, parse, validate } from 'graphql';
import t from 'tap';
import { DEFAULT_SEARCH_MODE, loadGatewayOptions } from '../../gateway/config.ts';
import { classify, fromModelServer } from '../../gateway/errors.ts';
import { FilterValueCache, pickFilters } from '../../gateway/filters.ts';
import { COST_DIRECTIVE, limitsRule } from '../../gateway/graphql/limits.ts';
import { typeDefs } from '../../gateway/graphql/schema.ts';
import { checkObjectKey, imageUrl, isImmutableKey } from '../../gateway/images.ts';
import { runDecision } from '../../gateway/plugins/models.ts';
import { ProductNotFoundError, SearchUnavailableError } from '../../projections/embeddings/errors.ts';

t.test('options: VITRINA_SEARCH_MODE picks the default text mode; bad values are refused', async (t) => {
  // The documented default (gateway/README.md, chosen by `vitrina bench search`), not the constant the code reads.
  t.equal(loadGatewayOptions({}).defaultMode, 'name');
  t.equal(DEFAULT_SEARCH_MODE, 'name');
  t.equal(loadGatewayOptions({ VITRINA_SEARCH_MODE: 'hybrid' }).defaultMode, 'hybrid');
  t.throws(() => loadGatewayOptions({ VITRINA_SEARCH_MODE: 'fuzzy' }), /VITRINA_SEARCH_MODE must be one of vector, hybrid, name/);
  t.equal(loadGatewayOptions({}).uploadLimitBytes, 5 * 1024 * 1024, 'uploads default to 5 MB');
  t.equal(loadGatewayOptions({ VITRINA_UPLOAD_LIMIT_BYTES: '1024' }).uploadLimitBytes, 1024);
  t.throws(() => loadGatewayOptions({ VITRINA_UPLOAD_LIMIT_BYTES: '-1' }), /positive integer/);
  t.equal(loadGatewayOptions({ VITRINA_GATEWAY_PUBLIC_URL: 'https://shop.example' }).publicUrl, 'https://shop.example');
});

t.test('filters: repeated parameters become de-duplicated lists', async (t) => {
  t.same(pickFilters({ q: 'x', k: 3, gender: ['Men', 'Men'], year: [2012, 2012, 2013], articleType: [] }), { gender: ['Men'], year: [2012, 2013] });
  t.same(pickFilters(undefined), {});
});

t.test('filter values are cached for the TTL, and read again at once for an unknown value', async (t) => {
  let now = 0;
  let loads = 0;
  let values: Record<string, string[]> = { articleType: ['Shirts'] };
  const cache = new FilterValueCache(
    async () => {
      loads += 1;
      return values;
    },
    30_000,
    () => now,
  );
  t.same(await cache.check({}), undefined, 'no filters: nothing to read');
  t.equal(loads, 0);
  await cache.check({ articleType: ['Shirts'] });
  await cache.check({ articleType: ['Shirts'] });
  t.equal(loads, 1, 'one read within the TTL');
  values = { articleType: ['Shirts', 'Kurtas'] };
  now = 500;
  await t.rejects(cache.check({ articleType: ['Kurtas'] }), /unknown articleType value "Kurtas"/, 'a read under a second old is trusted');
  now = 2000;
  await cache.check({ articleType: ['Kurtas'] });
  t.equal(loads, 2, 'a new value is looked up once more before being refused');
  now = 40_000;
  await cache.check({ articleType: ['Shirts'] });
  t.equal(loads, 3, 'read again after the TTL');
  await t.rejects(cache.check({ articleType: ['x'.repeat(10)], year: [1] }), { statusCode: 400, message: /unknown articleType value "xxxxxxxxxx" \(known values: Kurtas, Shirts\); unknown year value "1" \(known values: \)/ });
});

t.test('after the TTL the values are read again in the background: no request waits for that read', async (t) => {
  let now = 0;
  let loads = 0;
  let release: (() => void) | undefined;
  let values: Record<string, string[]> = { articleType: ['Shirts'] };
  const cache = new FilterValueCache(
    async () => {
      loads += 1;
      if (loads > 1) await new Promise<void>((r) => (release = r)); // every read after the first is slow
      return values;
    },
    30_000,
    () => now,
  );
  const first = await cache.current();
  t.same(first, { articleType: ['Shirts'] }, 'the first read is waited for (there is nothing to serve before it)');
  values = { articleType: ['Shirts', 'Kurtas'] };
  now = 40_000;
  const stale = await Promise.race([cache.current(), new Promise((r) => setTimeout(() => r('waited'), 200))]);
  t.equal(stale, first, 'past the TTL the previous values answer at once');
  await cache.check({ articleType: ['Shirts'] });
  t.equal(loads, 2, 'one read in the background, shared by the requests that came meanwhile');
  release!();
  await new Promise((r) => setTimeout(r, 10));
  t.same(await cache.current(), { articleType: ['Shirts', 'Kurtas'] }, 'then the new values are served');
  t.equal(loads, 2);
  now = 80_000;
  const failing = new FilterValueCache(
    async () => {
      loads += 1;
      if (loads > 3) throw new Error('database down');
      return values;
    },
    30_000,
    () => now,
  );
  now = 0;
  await failing.current();
  now = 40_000;
  t.same(await failing.current(), values, 'a background read that fails leaves the previous values in place');
  await new Promise((r) => setTimeout(r, 10));
  t.same(await failing.current(), values);
});

t.test('concurrent checks share one read', async (t) => {
  let loads = 0;
  const cache = new FilterValueCache(async () => {
    loads += 1;
    await new Promise((r) => setTimeout(r, 20));
    return { gender: ['Men'] };
  }, 1000);
  await Promise.all([cache.check({ gender: ['Men'] }), cache.check({ gender: ['Men'] }), cache.check({ gender: ['Men'] })]);
  t.equal(loads, 1);
});

t.test('GraphQL limits: depth counts nested fields, cost multiplies by k, fragments and variables included', async (t) => {
  const schema = buildSchema(typeDefs);
  const check = (query: string, variables: Record<string, unknown> = {}, limits = { maxDepth: 8, maxCost: 5000 }): string[] =>
    validate(schema, parse(query), [limitsRule(limits, variables)]).map((e) => e.message);
  t.same(check('{ search(q: "a") { k hits { score product { id } } } }'), [], 'a plain search passes');
  // search: 100 (an encoding and a query) + k × (k 1 + hits (1 + score 1 + product (1 + id 1))) = 100 + 10 × 5
  t.match(check('{ search(q: "a") { k hits { score product { id } } } }', {}, { maxDepth: 8, maxCost: 149 }), [/would cost 150; the limit is 149/]);
  t.same(check('{ search(q: "a") { k hits { score product { id } } } }', {}, { maxDepth: 8, maxCost: 150 }), []);
  t.match(check('query($k: Int) { search(q: "a", k: $k) { k } }', { k: 100 }, { maxDepth: 8, maxCost: 100 }), [/would cost 200/], 'k from a variable');
  t.match(check('{ ...f } fragment f on Query { search(q: "a", k: 50) { k } }', {}, { maxDepth: 8, maxCost: 149 }), [/would cost 150/], 'through a fragment');
  t.match(check('{ search(q: "a") { hits { product { similar { hits { product { id } } } } } } }', {}, { maxDepth: 5, maxCost: 1e9 }), [/nested 7 fields deep; the limit is 5/]);
  t.same(check('{ __schema { types { fields { type { ofType { ofType { ofType { name } } } } } } } }', {}, { maxDepth: 2, maxCost: 2 }), [], 'introspection is free');
  t.same(check('{ ...a } fragment a on Query { ...a }'), [], 'a fragment cycle does not hang (other rules report it)');
  t.ok(typeDefs.includes(COST_DIRECTIVE));
});

t.test('errors: the search core and the model server map to statuses a client can act on', async (t) => {
  t.match(classify(new ProductNotFoundError(7)), { statusCode: 404, message: /product 7/ });
  t.match(classify(new SearchUnavailableError()), { statusCode: 503, code: 'SERVICE_UNAVAILABLE' });
  t.match(classify(Object.assign(new Error('x'), { code: 'ECONNREFUSED' })), { statusCode: 503 });
  t.match(classify(Object.assign(new Error('y'), { code: '08006' })), { statusCode: 503 }, 'a Postgres connection failure');
  t.match(classify(new TypeError('oops')), { statusCode: 500, message: 'internal error' });
  t.match(classify(Object.assign(new Error('Body is too large'), { statusCode: 413 })), { statusCode: 413, message: 'Body is too large' });
  const grpc = (code: number, details: string): Error => Object.assign(new Error(details), { code, details });
  t.match(fromModelServer(grpc(14, 'connection refused'), 'query'), { statusCode: 503, message: /model server is unavailable/ });
  t.match(fromModelServer(grpc(4, 'deadline'), 'query'), { statusCode: 503 });
  t.match(fromModelServer(grpc(3, 'text too long'), 'query'), { statusCode: 400, message: /rejected the query: text too long/ });
  t.match(fromModelServer(grpc(5, 'no version v9'), 'image'), { statusCode: 503, message: /live model version/ });
  t.match(fromModelServer(grpc(13, 'boom'), 'image'), { message: /model server error 13/ });
});

t.test('image keys and URLs', async (t) => {
  t.equal(checkObjectKey('normalized/abc.jpg'), 'normalized/abc.jpg');
  for (const bad of ['', '../x', 'a/../b', 'a//b', '/a', 'a/', 'a/./b', 'a\u0000b', 'x'.repeat(1025)]) t.throws(() => checkObjectKey(bad), /invalid object key/, JSON.stringify(bad.slice(0, 20)));
  t.equal(imageUrl('normalized/a b.jpg', 'http://h:1'), 'http://h:1/api/v1/images/normalized/a%20b.jpg');
  t.equal(imageUrl(null, 'http://h'), null);
  t.ok(isImmutableKey(`normalized/${'a'.repeat(64)}.jpg`));
  t.notOk(isImmutableKey('normalized/123.jpg'));
});

t.test('the decision of a training run, as the models page reads it', async (t) => {
  // The registry stores the Avro enum (PROMOTE / REJECT); the page's list said "Not promoted" for
  // every run while it compared with 'promote'.
  t.same(runDecision('PROMOTE', 'better'), { promoted: true, reason: 'better' });
  t.same(runDecision('REJECT', 'worse'), { promoted: false, reason: 'worse' });
  t.equal(runDecision(null, null), null);
});
