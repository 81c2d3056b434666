// Bounds on a GraphQL document checked before the validation rules run: some of the
// specification's rules take time quadratic in repeated fields (comparing every pair of fields
// with the same response name, OverlappingFieldsCanBeMerged: 500 aliases "a" of product(id: 1)
// took 1.3 s), so a hostile document must be refused before they see it. The document is parsed
// here within a byte and a token bound (and only parsed: Mercurius would otherwise read a source
// that is not GraphQL as a JSON syntax tree), then its shape is checked: root fields per operation
// (aliases included), fields in all, and how often one response name is selected in one selection
// set, counting the fields that fragments bring in.
import { GraphQLError, Kind, parse, visit, type DocumentNode, type FragmentDefinitionNode, type SelectionSetNode } from 'graphql';

export interface ShapeLimits {
  /** UTF-8 bytes of the query text. */
  maxBytes: number;
  /** GraphQL tokens of the query text (names, punctuation, values). */
  maxTokens: number;
  /** Fields at the top of one operation, aliases and fragments included: what runs resolvers first. */
  maxRootFields: number;
  /** Fields written in the document, fragments included. */
  maxFields: number;
  /** Fields with one response name in one selection set, through fragments. */
  maxRepeats: number;
}

/**
 * The limits as shipped: the GraphiQL introspection query (about 100 fields and 300 tokens) and
 * the largest queries the web UI and the registry pages send fit with room to spare.
 */
export const SHAPE_LIMITS: ShapeLimits = { maxBytes: 32 * 1024, maxTokens: 2000, maxRootFields: 20, maxFields: 300, maxRepeats: 3 };

/** A request refused before validation: HTTP 400 with one GraphQL error per reason (see formatErrors). */
export class QueryRefused extends Error {
  readonly statusCode = 400;
  constructor(readonly errors: GraphQLError[]) {
    super(errors.map((e) => e.message).join('; '));
    this.name = 'QueryRefused';
  }
}

const refused = (message: string, code: string, extensions: Record<string, unknown> = {}): GraphQLError => new GraphQLError(message, { extensions: { code, ...extensions } });

/** The document of `source` when it is GraphQL within the byte and token bounds; QueryRefused otherwise. */
export function parseBounded(source: string, limits: ShapeLimits = SHAPE_LIMITS): DocumentNode {
  const bytes = Buffer.byteLength(source, 'utf8');
  if (bytes > limits.maxBytes) throw new QueryRefused([refused(`the query is ${bytes} bytes long; the limit is ${limits.maxBytes}`, 'QUERY_TOO_LARGE', { bytes, limit: limits.maxBytes })]);
  if (source.trim() === '') throw new QueryRefused([refused('the query is empty: send a GraphQL document such as "{ search(q: \\"red dress\\") { hits { product { name } } } }"', 'GRAPHQL_PARSE_FAILED')]);
  try {
    return parse(source, { maxTokens: limits.maxTokens });
  } catch (err) {
    if (!(err instanceof GraphQLError)) throw err;
    if (/contains more tha[nt] \d+ tokens/.test(err.message)) {
      throw new QueryRefused([refused(`the query has more than ${limits.maxTokens} tokens; the limit is ${limits.maxTokens}`, 'QUERY_TOO_LARGE', { limit: limits.maxTokens })]);
    }
    throw new QueryRefused([new GraphQLError(err.message, { source: err.source, positions: err.positions, extensions: { code: 'GRAPHQL_PARSE_FAILED' } })]);
  }
}

/** Counts response names of selection sets, through fragments, each fragment flattened once. */
class NameCounter {
  private readonly flat = new Map<string, Map<string, number>>();
  private readonly expanding = new Set<string>();

  constructor(private readonly fragments: Map<string, FragmentDefinitionNode>) {}

  /** Response name → number of fields selecting it in `set`, fields of inline fragments and spreads included. */
  count(set: SelectionSetNode): Map<string, number> {
    const counts = new Map<string, number>();
    const add = (name: string, n: number): void => void counts.set(name, (counts.get(name) ?? 0) + n);
    const spread = new Set<string>(); // a fragment spread twice in one set is merged once
    const walk = (s: SelectionSetNode): void => {
      for (const selection of s.selections) {
        if (selection.kind === Kind.FIELD) add((selection.alias ?? selection.name).value, 1);
        else if (selection.kind === Kind.INLINE_FRAGMENT) walk(selection.selectionSet);
        else if (!spread.has(selection.name.value)) {
          spread.add(selection.name.value);
          for (const [name, n] of this.fragment(selection.name.value)) add(name, n);
        }
      }
    };
    walk(set);
    return counts;
  }

  private fragment(name: string): Map<string, number> {
    const known = this.flat.get(name);
    if (known) return known;
    const definition = this.fragments.get(name);
    if (!definition || this.expanding.has(name)) return new Map(); // unknown or cyclic: validation reports them
    this.expanding.add(name);
    const counts = this.count(definition.selectionSet);
    this.expanding.delete(name);
    this.flat.set(name, counts);
    return counts;
  }
}

/** What is wrong with the shape of `document` under `limits` (nothing: an empty list). */
export function shapeErrors(document: DocumentNode, limits: ShapeLimits = SHAPE_LIMITS): GraphQLError[] {
  const errors: GraphQLError[] = [];
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const definition of document.definitions) if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);
  const counter = new NameCounter(fragments);

  let fields = 0;
  visit(document, { Field: () => void (fields += 1) });
  if (fields > limits.maxFields) return [refused(`the query selects ${fields} fields; the limit is ${limits.maxFields}`, 'QUERY_TOO_LARGE', { fields, limit: limits.maxFields })];

  let worstRepeat: { name: string; times: number } | undefined;
  visit(document, {
    SelectionSet: (set) => {
      for (const [name, times] of counter.count(set)) if (times > limits.maxRepeats && times > (worstRepeat?.times ?? 0)) worstRepeat = { name, times };
    },
  });
  if (worstRepeat) {
    errors.push(
      refused(`"${worstRepeat.name}" is selected ${worstRepeat.times} times in one selection set (fragments included); the limit is ${limits.maxRepeats}: give each field its own alias`, 'QUERY_TOO_REPETITIVE', {
        field: worstRepeat.name,
        times: worstRepeat.times,
        limit: limits.maxRepeats,
      }),
    );
  }
  for (const definition of document.definitions) {
    if (definition.kind !== Kind.OPERATION_DEFINITION) continue;
    let roots = 0;
    for (const n of counter.count(definition.selectionSet).values()) roots += n;
    if (roots > limits.maxRootFields) {
      const name = definition.name ? ` ${definition.name.value}` : '';
      errors.push(refused(`operation${name} asks for ${roots} root fields (aliases included); the limit is ${limits.maxRootFields}`, 'TOO_MANY_ROOT_FIELDS', { fields: roots, limit: limits.maxRootFields }));
    }
  }
  return errors;
}
