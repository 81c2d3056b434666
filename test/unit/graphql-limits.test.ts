// The GraphQL cost and depth rule on hostile documents (issue 12, items 1-3): chained fragments are
// costed once each, so a 30-level chain is refused at once instead of being re-expanded 2^30 times;
// variable defaults are priced like literals; a field that runs a database query or an encoding
// weighs what that costs, so alias floods of cheap-looking fields are refused.
import { buildSchema, parse, specifiedRules, validate, type GraphQLError } from 'graphql';
import t from 'tap';
import { limitsRule, WEIGHTS } from '../../gateway/graphql/limits.ts';
import { typeDefs } from '../../gateway/graphql/schema.ts';
import { aliased, chainedFragments } from '../../bench/graphql-hostile.ts';

const schema = buildSchema(typeDefs);
const LIMITS = { maxDepth: 8, maxCost: 5000 };

/** Everything the gateway validates with: the specified rules and the limits. */
function check(query: string, variables: Record<string, unknown> = {}, limits = LIMITS): { errors: readonly GraphQLError[]; ms: number } {
  const document = parse(query);
  const started = performance.now();
  const errors = validate(schema, document, [...specifiedRules, limitsRule(limits, variables)]);
  return { errors, ms: performance.now() - started };
}

const costOf = (query: string, variables: Record<string, unknown> = {}): number => {
  const { errors } = check(query, variables, { maxDepth: 100, maxCost: 0 });
  const costly = errors.find((e) => e.extensions.code === 'QUERY_TOO_COSTLY');
  return costly ? Number(costly.extensions.cost) : 0;
};

t.test('chained fragments are costed once each: 20 and 30 levels are refused at once', async (t) => {
  for (const levels of [10, 20, 30]) {
    const query = chainedFragments(levels);
    const { errors, ms } = check(query);
    t.match(
      errors.map((e) => e.extensions.code),
      ['QUERY_TOO_COSTLY'],
      `${levels} levels (${query.length} bytes): refused as too costly`,
    );
    // A hang guard, not a benchmark: unmemoised, 20 levels took about a second and 30 take hours.
    t.ok(ms < 500, `${levels} levels validated in ${ms.toFixed(1)} ms`);
    if (ms >= 500) break; // a failure is recorded; the next level would take 2^10 times as long
  }
  t.equal(costOf('{ ...a } fragment a on Query { ...b ...b } fragment b on Query { search(q: "a", k: 1) { k } }'), 2 * costOf('{ search(q: "a", k: 1) { k } }'), 'each spread counts');
});

t.test('fragment cycles end at once, reported by the cycle rule', async (t) => {
  const { errors, ms } = check('{ ...a } fragment a on Query { ...b product(id: 1) { id } } fragment b on Query { ...a ...b }');
  t.match(errors.map((e) => e.message).join('\n'), /Cannot spread fragment "a" within itself/);
  t.ok(ms < 500);
});

t.test('variable defaults are priced like literals', async (t) => {
  const aliases = (arg: string): string => aliased(50, (i) => `product(id: ${i + 1}) { similar(k: ${arg}) { hits { product { similar(k: ${arg}) { k } } } } }`);
  const literal = costOf(`query Q { ${aliases('100')} }`);
  t.ok(literal > 1_000_000, `the literal query costs ${literal}`);
  t.equal(costOf(`query Q($k: Int = 100) { ${aliases('$k')} }`), literal, 'a default of 100 costs what the literal 100 costs');
  t.equal(costOf(`query Q($k: Int = 100) { ${aliases('$k')} }`, { k: 100 }), literal, 'so does the variable');
  t.equal(costOf(`query Q($k: Int = 1) { ${aliases('$k')} }`, { k: 100 }), literal, 'a given variable wins over the default');
  t.equal(costOf('query Q($k: Int) { search(q: "a", k: $k) { k } }'), costOf('{ search(q: "a") { k } }'), 'no value and no default: the argument default');
  t.equal(costOf('query Q($k: Int) { search(q: "a", k: $k) { k } }', { k: null }), costOf('{ search(q: "a") { k } }'), 'null: the argument default too');
  t.match(check(`query Q($k: Int = 100) { ${aliases('$k')} }`).errors.map((e) => e.extensions.code), ['QUERY_TOO_COSTLY']);
});

t.test('fields weigh what they run: a database query, an encoding, an object read', async (t) => {
  const plain = 1;
  t.equal(costOf('{ product(id: 1) { id } }'), WEIGHTS.dbQuery + plain, 'a product lookup is a database query');
  t.equal(costOf('{ search(q: "a", k: 1) { k } }'), WEIGHTS.encode + WEIGHTS.dbQuery + plain, 'a search is an encoding and a database query');
  t.equal(costOf('{ searchByImageKey(objectKey: "a.jpg", k: 1) { k } }'), WEIGHTS.objectRead + WEIGHTS.encode + WEIGHTS.dbQuery + plain);
  t.equal(costOf('{ product(id: 1) { similar(k: 1) { k } } }'), WEIGHTS.dbQuery + 2 * WEIGHTS.dbQuery + plain, 'similar looks the product up, then its neighbours');
  t.ok(WEIGHTS.dbQuery >= 40, 'one database query weighs as much as tens of plain fields');
});

t.test('alias floods are refused', async (t) => {
  const products = `{ ${aliased(2400, (i) => `product(id: ${i + 1}) { id }`)} }`;
  t.match(check(products).errors.map((e) => e.extensions.code), ['QUERY_TOO_COSTLY'], '2,400 aliased product lookups');
  const searches = `{ ${aliased(416, () => 'search(q: "a", k: 1) { k }')} }`;
  t.match(check(searches).errors.map((e) => e.extensions.code), ['QUERY_TOO_COSTLY'], '416 aliased searches');
  const nested = `{ product(id: 1) { ${aliased(100, () => 'similar(k: 1) { k }')} } }`;
  t.match(check(nested).errors.map((e) => e.extensions.code), ['QUERY_TOO_COSTLY'], '100 aliased similar lists under one product');
  const fine = `{ ${aliased(20, (i) => `product(id: ${i + 1}) { id name imageUrl }`)} }`;
  t.same(check(fine).errors, [], '20 product lookups in one request are fine');
});

t.test('a search that also reads its top results (facets, collapse) weighs one more heavy query', async (t) => {
  const plain = costOf('{ search(q: "a", k: 1) { k } }');
  const extra = 2 * WEIGHTS.dbQuery;
  t.equal(costOf('{ search(q: "a", k: 1, facets: ["articleType"]) { k } }'), plain + extra, 'facets');
  t.equal(costOf('{ search(q: "a", k: 1, collapse: "name") { k } }'), plain + extra, 'collapse');
  t.equal(costOf('{ search(q: "a", k: 1, facets: ["articleType"], collapse: "name") { k } }'), plain + extra, 'both read the same top results once');
  t.equal(costOf('query($f: [String!]) { search(q: "a", k: 1, facets: $f) { k } }', { f: ['usage'] }), plain + extra, 'facets from a variable');
  t.equal(costOf('query($f: [String!]) { search(q: "a", k: 1, facets: $f) { k } }'), plain, 'a variable not given reads nothing more');
  t.equal(costOf('{ search(q: "a", k: 1, facets: null) { k } }'), plain, 'null reads nothing more');
});
