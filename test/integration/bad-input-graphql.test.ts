// The GraphQL share of the bad-input suite: distinct bad requests to /graphql, sent over HTTP to
// the real gateway on the test stack (real model server, PostgreSQL, MinIO), each answered with
// its 4xx and a message that says what is wrong, never a 5xx and never a hang: broken envelopes
// and bodies, documents that are not GraphQL, oversized and hostile documents (chained fragments,
// alias floods, priced variable defaults), and invalid fields, arguments, variables and
// introspection. Afterwards a normal search still answers, with the hits REST gives.
import t from 'tap';
import { aliased, chainedFragments } from '../../bench/graphql-hostile.ts';
import { startGatewayStack } from './gateway-stack.ts';

const stack = await startGatewayStack(t);
const { url, ids } = stack;
const id = ids[0]!;

interface Answer {
  status: number;
  ms: number;
  /** The GraphQL errors' messages, one a line, or the message of a plain error body. */
  message: string;
  code: unknown;
}

/** One request to /graphql, answered within 20 s. */
async function send(init: { method?: string; body?: string; contentType?: string | null; search?: string }): Promise<Answer> {
  const headers: Record<string, string> = {};
  if (init.contentType !== null) headers['content-type'] = init.contentType ?? 'application/json';
  const started = performance.now();
  // fetch labels a string body text/plain; bytes go without a content-type
  const payload = init.contentType === null && init.body !== undefined ? new Uint8Array(Buffer.from(init.body)) : init.body;
  const res = await fetch(`${url}/graphql${init.search ?? ''}`, { method: init.method ?? 'POST', headers, body: payload, signal: AbortSignal.timeout(20_000) });
  const text = await res.text();
  const ms = performance.now() - started;
  let body: { errors?: Array<{ message?: string; extensions?: { code?: unknown } }>; message?: string } = {};
  try {
    body = JSON.parse(text) as typeof body;
  } catch {
    body = { message: `(not JSON) ${text.slice(0, 200)}` };
  }
  return { status: res.status, ms, message: body.errors?.map((e) => e.message).join('\n') ?? body.message ?? '', code: body.errors?.[0]?.extensions?.code };
}

const post = (payload: unknown): Promise<Answer> => send({ body: JSON.stringify(payload) });
const query = (q: string, variables?: unknown, operationName?: string): Promise<Answer> => post({ query: q, variables, operationName });
const get = (params: Record<string, string | string[]>): Promise<Answer> => {
  const search = new URLSearchParams();
  for (const [name, value] of Object.entries(params)) for (const v of [value].flat()) search.append(name, v);
  return send({ method: 'GET', search: `?${search}` });
};

type Case = [what: string, request: () => Promise<Answer>, status: number, message: RegExp, code?: string];

const nested = (levels: number, inner: string): string => (levels === 0 ? inner : `hits { product { similar(k: 1) { ${nested(levels - 1, inner)} } } }`);

const cases: Case[] = [
  // the envelope
  ['query a number', () => send({ body: '{"query":123}' }), 400, /query must be a string/],
  ['query null', () => send({ body: '{"query":null}' }), 400, /query must be a string/],
  ['query true', () => send({ body: '{"query":true}' }), 400, /query must be a string/],
  ['query a syntax tree', () => post({ query: { kind: 'Document', definitions: [] } }), 400, /query must be a string/],
  ['query a list', () => post({ query: ['{ __typename }'] }), 400, /query must be a string/],
  ['no query', () => post({}), 400, /has no "query"/],
  ['a misspelt query', () => post({ querry: '{ __typename }' }), 400, /has no "query"/],
  ['an empty query', () => query(''), 400, /query is empty/],
  ['a blank query', () => query(' \n\t '), 400, /query is empty/],
  ['a batch', () => send({ body: JSON.stringify([{ query: '{ __typename }' }]) }), 400, /batched queries are not supported/],
  ['a JSON string body', () => send({ body: '"{ __typename }"' }), 400, /must be a JSON object, got string/],
  ['a JSON number body', () => send({ body: '42' }), 400, /must be a JSON object, got number/],
  ['a JSON null body', () => send({ body: 'null' }), 400, /must be a JSON object, got null/],
  ['a body that is not JSON', () => send({ body: '{"query": "{ __typename }"' }), 400, /not valid JSON/],
  ['an empty JSON body', () => send({ body: '' }), 400, /Body cannot be empty/],
  ['text/plain', () => send({ body: '{ __typename }', contentType: 'text/plain' }), 400, /must be a JSON object, got string/],
  ['application/xml', () => send({ body: '<query/>', contentType: 'application/xml' }), 415, /Unsupported Media Type: send \{"query"/],
  ['a form', () => send({ body: 'query=%7B__typename%7D', contentType: 'application/x-www-form-urlencoded' }), 415, /content-type application\/json/],
  ['no content-type', () => send({ body: '{ __typename }', contentType: null }), 415, /application\/graphql/],
  ['an empty application/graphql document', () => send({ body: '', contentType: 'application/graphql' }), 400, /query is empty/],
  ['a body over the limit', () => post({ query: '{ __typename }', padding: 'x'.repeat(1024 * 1024) }), 413, /too large/],
  ['variables a string', () => post({ query: '{ __typename }', variables: 'x' }), 400, /variables must be a JSON object/],
  ['variables a list', () => post({ query: '{ __typename }', variables: [1] }), 400, /variables must be a JSON object/],
  ['variables a number', () => post({ query: '{ __typename }', variables: 5 }), 400, /variables must be a JSON object/],
  ['operationName a number', () => post({ query: '{ __typename }', operationName: 5 }), 400, /operationName must be a string/],
  ['operationName naming nothing', () => query('query A { __typename }', undefined, 'B'), 400, /Unknown operation named "B"/],
  ['two operations, no operationName', () => query('query A { __typename } query B { __typename }'), 400, /Must provide operation name/],
  ['extensions a string', () => post({ query: '{ __typename }', extensions: 'x' }), 400, /extensions must be a JSON object/],
  ['GET without a query', () => get({}), 400, /has no "query"/],
  ['GET with variables that are not JSON', () => get({ query: '{ __typename }', variables: '{x' }), 400, /variables must be JSON/],
  ['GET with variables a list', () => get({ query: '{ __typename }', variables: '[1]' }), 400, /variables must be a JSON object/],
  ['GET with the query twice', () => get({ query: ['{ __typename }', '{ __typename }'] }), 400, /query must be given once/],
  ['GET with a mutation', () => get({ query: 'mutation { x }' }), 405, /cannot be performed via a GET request/],
  ['PUT', () => send({ method: 'PUT', body: '{"query":"{ __typename }"}' }), 404, /no route PUT \/graphql/],
  // documents that are not GraphQL
  ['a number as the document', () => query('1'), 400, /Syntax Error: Unexpected Int "1"/, 'GRAPHQL_PARSE_FAILED'],
  ['a JSON syntax tree as the document', () => query(JSON.stringify({ kind: 'Document', definitions: [{ kind: 'OperationDefinition' }] })), 400, /Syntax Error/, 'GRAPHQL_PARSE_FAILED'],
  ['an unclosed selection', () => query(`{ product(id: ${id}) { id }`), 400, /Syntax Error: Expected Name, found <EOF>/],
  ['a lone surrogate escape', () => query('{ search(q: "\\ud800") { k } }'), 400, /Invalid Unicode escape sequence/],
  ['an invalid string escape', () => query('{ search(q: "\\x41") { k } }'), 400, /Invalid character escape sequence/],
  // size and shape
  ['a 40 KB document', () => query(`{ search(q: "${'x'.repeat(40 * 1024)}") { k } }`), 400, /is 4\d{4} bytes long; the limit is 32768/, 'QUERY_TOO_LARGE'],
  ['over 2,000 tokens', () => query(`{ product(id: ${id}) { ${'id '.repeat(2100)} } }`), 400, /more than 2000 tokens/, 'QUERY_TOO_LARGE'],
  ['over 300 fields', () => query(`{ product(id: ${id}) { ${aliased(301, () => 'id')} } }`), 400, /selects 302 fields; the limit is 300/, 'QUERY_TOO_LARGE'],
  ['2,400 aliased product lookups', () => query(`{ ${aliased(2400, (i) => `product(id: ${id + (i % 5)}) { id }`)} }`), 400, /the limit is/, 'QUERY_TOO_LARGE'],
  ['416 aliased searches', () => query(`{ ${aliased(416, () => 'search(q: "a", k: 1) { k }')} }`), 400, /more than 2000 tokens/, 'QUERY_TOO_LARGE'],
  ['21 aliased searches', () => query(`query Flood { ${aliased(21, () => 'search(q: "a", k: 1) { k }')} }`), 400, /operation Flood asks for 21 root fields/, 'TOO_MANY_ROOT_FIELDS'],
  ['21 aliased __schema', () => query(`{ ${aliased(21, () => '__schema { queryType { name } }')} }`), 400, /asks for 21 root fields/, 'TOO_MANY_ROOT_FIELDS'],
  ['one response name 4 times', () => query(`{ product(id: ${id}) { a: id a: id a: id a: id } }`), 400, /"a" is selected 4 times/, 'QUERY_TOO_REPETITIVE'],
  ['20 chained fragments', () => query(chainedFragments(20)), 400, /operation Chain would cost \d+; the limit is 5000/, 'QUERY_TOO_COSTLY'],
  ['30 chained fragments', () => query(chainedFragments(30)), 400, /operation Chain would cost \d+; the limit is 5000/, 'QUERY_TOO_COSTLY'],
  ['a costly variable default', () => query(`query Q($k: Int = 100) { product(id: ${id}) { similar(k: $k) { hits { product { similar(k: $k) { k } } } } } }`), 400, /operation Q would cost \d+/, 'QUERY_TOO_COSTLY'],
  ['a costly variable', () => query(`query Q($k: Int) { search(q: "a", k: $k) { hits { product { similar(k: $k) { k } } } } }`, { k: 100 }), 400, /would cost/, 'QUERY_TOO_COSTLY'],
  ['20 aliased similar lists', () => query(`{ product(id: ${id}) { ${aliased(20, () => 'similar(k: 30) { k hits { score product { id name } } }')} } }`), 400, /would cost 5\d{3}; the limit is 5000/, 'QUERY_TOO_COSTLY'],
  ['nested 12 deep', () => query(`{ product(id: ${id}) { similar(k: 1) { ${nested(3, 'k')} } } }`), 400, /nested 12 fields deep; the limit is 8/, 'QUERY_TOO_DEEP'],
  ['a fragment cycle', () => query('{ ...a } fragment a on Query { ...b } fragment b on Query { ...a }'), 400, /Cannot spread fragment "a" within itself/],
  ['an unknown fragment', () => query('{ ...nope }'), 400, /Unknown fragment "nope"/],
  ['a fragment on an unknown type', () => query('{ ...f } fragment f on Nope { id }'), 400, /Unknown type "Nope"/],
  ['an unused fragment', () => query('{ __typename } fragment f on Query { __typename }'), 400, /Fragment "f" is never used/],
  // fields, arguments and variables
  ['an unknown field', () => query('{ serch(q: "a") { k } }'), 400, /Cannot query field "serch" on type "Query". Did you mean "search"/],
  ['an unknown nested field', () => query(`{ product(id: ${id}) { colour } }`), 400, /Cannot query field "colour" on type "Product"/],
  ['an unknown argument', () => query('{ search(q: "a", limit: 5) { k } }'), 400, /Unknown argument "limit" on field "Query.search"/],
  ['a required argument missing', () => query('{ search { k } }'), 400, /argument "q" of type "String!" is required/],
  ['q a number', () => query('{ search(q: 5) { k } }'), 400, /String cannot represent a non string value: 5/],
  ['k a string', () => query('{ search(q: "a", k: "ten") { k } }'), 400, /Int cannot represent non-integer value: "ten"/],
  ['k over 32 bits', () => query('{ search(q: "a", k: 2147483648) { k } }'), 400, /Int cannot represent non 32-bit signed integer value/],
  ['k a float', () => query('{ search(q: "a", k: 2.5) { k } }'), 400, /Int cannot represent non-integer value: 2.5/],
  ['id a string', () => query('{ product(id: "1") { id } }'), 400, /Int cannot represent non-integer value: "1"/],
  ['an unknown mode', () => query('{ search(q: "a", mode: fuzzy) { k } }'), 400, /Value "fuzzy" does not exist in "SearchMode" enum/],
  ['an unknown filter', () => query('{ search(q: "a", filters: { colour: ["Red"] }) { k } }'), 400, /Field "colour" is not defined by type "SearchFilters"/],
  ['deeply nested lists as a filter', () => query(`{ search(q: "a", filters: { gender: ${'['.repeat(50)}"Men"${']'.repeat(50)} }) { k } }`), 400, /String cannot represent a non string value/],
  [
    'lists nested 100,000 deep in a variable',
    () => send({ body: `{"query":"query($f: SearchFilters) { search(q: \\"a\\", filters: $f) { k } }","variables":{"f":{"gender":${'['.repeat(100_000)}"Men"${']'.repeat(100_000)}}}}` }),
    400,
    /Variable "\$f" got invalid value .* String cannot represent a non string value/,
  ],
  ['introspection nested too deep through __type', () => query('{ __type(name: "Query") { fields { type { fields { type { fields { type { fields { name } } } } } } } } }'), 400, /Maximum introspection depth exceeded/],
  ['a selection under a scalar', () => query('{ search(q: "a") { k { value } } }'), 400, /Field "k" must not have a selection since type "Int!" has no subfields/],
  ['no selection under an object', () => query('{ search(q: "a") }'), 400, /Field "search" of type "SearchPage!" must have a selection of subfields/],
  ['a variable of the wrong type', () => query('query($k: Int) { search(q: "a", k: $k) { k } }', { k: 'ten' }), 400, /Variable "\$k" got invalid value "ten"; Int cannot represent non-integer value/],
  ['a required variable not given', () => query('query($q: String!) { search(q: $q) { k } }', {}), 400, /Variable "\$q" of required type "String!" was not provided/],
  ['an undeclared variable', () => query('{ search(q: $q) { k } }'), 400, /Variable "\$q" is not defined/],
  ['an unused variable', () => query('query($x: Int) { __typename }'), 400, /Variable "\$x" is never used/],
  ['a variable of an unknown type', () => query('query($x: Nope) { search(q: $x) { k } }'), 400, /Unknown type "Nope"/],
  ['an unknown directive', () => query('{ __typename @nope }'), 400, /Unknown directive "@nope"/],
  ['@include with a string', () => query('{ __typename @include(if: "yes") }'), 400, /Boolean cannot represent a non boolean value: "yes"/],
  ['a mutation', () => query('mutation { x }'), 400, /Schema is not configured to execute mutation operation/],
  ['a subscription', () => query('subscription { x }'), 400, /Schema is not configured to execute subscription operation/],
  ['introspection nested too deep', () => query('{ __schema { types { fields { type { fields { type { fields { name } } } } } } } }'), 400, /Maximum introspection depth exceeded/],
  ['__type with a number', () => query('{ __type(name: 5) { name } }'), 400, /String cannot represent a non string value: 5/],
  // values the search service refuses
  ['an empty q', () => query('{ search(q: "") { k } }'), 400, /q must not be empty/, 'BAD_USER_INPUT'],
  ['k out of range', () => query('{ search(q: "a", k: 500) { k } }'), 400, /k must be an integer from 1 to 100/, 'BAD_USER_INPUT'],
  ['a q of 10 KB', () => query(`{ search(q: "${'x'.repeat(10_000)}") { k } }`), 400, /at most 2048 are accepted/, 'BAD_USER_INPUT'],
  ['an unknown filter value', () => query('{ search(q: "a", filters: { articleType: ["Sarees"] }) { k } }'), 400, /unknown articleType value "Sarees"/, 'BAD_USER_INPUT'],
  ['an object key with ..', () => query('{ searchByImageKey(objectKey: "../etc/passwd") { k } }'), 400, /invalid object key/, 'BAD_USER_INPUT'],
];

t.test(`${cases.length} bad GraphQL requests: each a 4xx with a message, never a 5xx or a hang`, async (t) => {
  t.ok(cases.length >= 40, `${cases.length} cases`);
  t.equal(new Set(cases.map(([what]) => what)).size, cases.length, 'every case is distinct');
  for (const [what, request, status, message, code] of cases) {
    const answer = await request();
    t.equal(answer.status, status, `${what}: ${status} (${answer.message.slice(0, 120)})`);
    t.ok(answer.status >= 400 && answer.status < 500, `${what}: a 4xx`);
    t.match(answer.message, message, `${what}: the message says what is wrong`);
    if (code) t.equal(answer.code, code, `${what}: extensions.code`);
    // A hang guard, not a benchmark (bench/graphql-limits.ts measures the refusals).
    t.ok(answer.ms < 5000, `${what}: answered in ${answer.ms.toFixed(0)} ms`);
  }
});

t.test('afterwards a normal search answers, with the hits REST gives', async (t) => {
  const graphql = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query: 'query($q: String!) { search(q: $q, k: 5, mode: vector) { modelVersion k hits { score product { id name } } } }', variables: { q: 'blue shirt' } }),
  });
  t.equal(graphql.status, 200);
  const page = ((await graphql.json()) as { data: { search: { modelVersion: string; k: number; hits: Array<{ score: number; product: { id: number; name: string } }> } } }).data.search;
  t.equal(page.modelVersion, stack.version);
  t.ok(page.hits.length > 0 && page.hits.length <= 5, `${page.hits.length} hits for k = 5`);
  const rest = (await (await fetch(`${url}/api/v1/search?q=blue+shirt&k=5&mode=vector`)).json()) as { hits: Array<{ score: number; product: { id: number; name: string } }> };
  t.same(page.hits, rest.hits.map((h) => ({ score: h.score, product: { id: h.product.id, name: h.product.name } })), 'the same hits as REST');
  t.ok(page.hits.every((h) => ids.includes(h.product.id)), 'hits are products of the index');
});
