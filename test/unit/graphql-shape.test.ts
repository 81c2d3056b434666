// The bounds a GraphQL document must keep before validation runs: size in bytes and tokens, root
// fields, fields in all, and repeats of one response name (the specification's overlap rule is
// quadratic in them). The shipped introspection query passes.
import { buildSchema, getIntrospectionQuery, parse, specifiedRules, validate } from 'graphql';
import t from 'tap';
import { typeDefs } from '../../gateway/graphql/schema.ts';
import { parseBounded, QueryRefused, SHAPE_LIMITS, shapeErrors } from '../../gateway/graphql/shape.ts';
import { aliased } from '../../bench/graphql-hostile.ts';

const refusal = (source: string): { codes: unknown[]; messages: string[] } => {
  try {
    const errors = shapeErrors(parseBounded(source));
    return { codes: errors.map((e) => e.extensions.code), messages: errors.map((e) => e.message) };
  } catch (err) {
    if (!(err instanceof QueryRefused)) throw err;
    return { codes: err.errors.map((e) => e.extensions.code), messages: err.errors.map((e) => e.message) };
  }
};

t.test('ordinary documents pass, the introspection query included', async (t) => {
  t.same(refusal(getIntrospectionQuery()).codes, []);
  t.same(refusal('{ search(q: "a") { k hits { score product { id name similar(k: 3) { hits { product { id } } } } } } }').codes, []);
  t.same(refusal('{ product(id: 1) { id ...P } } fragment P on Product { id name }').codes, [], 'a field selected twice through a fragment');
  t.same(refusal(`{ ${aliased(SHAPE_LIMITS.maxRootFields, (i) => `product(id: ${i + 1}) { id }`)} }`).codes, [], `${SHAPE_LIMITS.maxRootFields} root fields`);
});

t.test('what is not GraphQL is a syntax error, never read as a JSON syntax tree', async (t) => {
  for (const source of ['123', '[1]', '{"kind":"Document","definitions":[]}', '{ search(q: "a") { k }', 'query {']) {
    t.match(refusal(source), { codes: ['GRAPHQL_PARSE_FAILED'], messages: [/^Syntax Error/] }, source);
  }
  t.match(refusal('  \n '), { codes: ['GRAPHQL_PARSE_FAILED'], messages: [/the query is empty/] });
});

t.test('size: bytes and tokens', async (t) => {
  t.match(refusal(`{ search(q: "${'x'.repeat(SHAPE_LIMITS.maxBytes)}") { k } }`), { codes: ['QUERY_TOO_LARGE'], messages: [/bytes long; the limit is 32768/] });
  t.match(refusal(`{ search(q: "a") { k ${'__typename '.repeat(SHAPE_LIMITS.maxTokens)} } }`), { codes: ['QUERY_TOO_LARGE'], messages: [/more than 2000 tokens/] });
});

t.test('root fields, fields in all and repeated response names', async (t) => {
  t.match(refusal(`{ ${aliased(2400, (i) => `product(id: ${i + 1}) { id }`)} }`).codes, ['QUERY_TOO_LARGE'], '2,400 aliases are too large before anything is counted');
  t.match(refusal(`query Flood { ${aliased(21, () => 'search(q: "a", k: 1) { k }')} }`), { codes: ['TOO_MANY_ROOT_FIELDS'], messages: ['operation Flood asks for 21 root fields (aliases included); the limit is 20'] });
  t.match(refusal(`{ ...A } fragment A on Query { ${aliased(21, () => '__typename')} }`).codes, ['TOO_MANY_ROOT_FIELDS'], 'root fields through a fragment');
  t.match(refusal(`{ search(q: "a") { ${aliased(301, () => 'k')} } }`), { codes: ['QUERY_TOO_LARGE'], messages: [/selects 302 fields; the limit is 300/] });
  t.match(refusal('{ product(id: 1) { a: id a: id a: id a: id } }'), { codes: ['QUERY_TOO_REPETITIVE'], messages: ['"a" is selected 4 times in one selection set (fragments included); the limit is 3: give each field its own alias'] });
  const viaFragments = `{ product(id: 1) { ${Array.from({ length: 6 }, (_, i) => `...F${i}`).join(' ')} } } ${Array.from({ length: 6 }, (_, i) => `fragment F${i} on Product { s: similar(k: 1) { k } }`).join(' ')}`;
  t.match(refusal(viaFragments).codes, ['QUERY_TOO_REPETITIVE'], 'repeats brought in by fragments');
});

t.test('the overlap rule never sees a quadratic document: 500 repeats are refused by the shape first', async (t) => {
  const schema = buildSchema(typeDefs);
  const flood = `{ ${Array.from({ length: 500 }, () => 'a: product(id: 1) { id }').join(' ')} }`;
  const started = performance.now();
  t.match(refusal(flood).codes, ['QUERY_TOO_LARGE']);
  const shapeMs = performance.now() - started;
  t.ok(shapeMs < 500, `refused in ${shapeMs.toFixed(1)} ms`); // a hang guard; the overlap rule alone took 1.3 s on it
  const within = `{ ${Array.from({ length: 3 }, () => 'a: product(id: 1) { id }').join(' ')} }`;
  t.same(refusal(within).codes, []);
  t.same(validate(schema, parse(within), specifiedRules), [], 'three identical fields are valid GraphQL');
});
