// Query depth and cost limits for GraphQL, as one validation rule: a request over either limit is
// refused before it runs, with a validation error (HTTP 400), never a 5xx.
//
// Depth counts nested fields (a top-level field is depth 1). Cost adds, per field, the weight of
// its @cost directive (1 without one; plus its extra when an argument it names in `when` is given,
// for arguments that make the resolver run another query), and multiplies the cost of a field's sub-selection by the
// value of the argument its @cost names as multiplier (e.g. k: a search for k results resolves its
// sub-selection k times), taking the value from the literal, the request's variables, the
// variable's default or the argument's default, in that order. Each fragment is measured once per
// operation and its measure reused at every spread, so a chain of fragments that each spread the
// next twice costs time linear in its length (and its full, exponential cost is refused); a
// fragment cycle counts nothing (the cycle rule of the specification reports it). Introspection
// fields are free (the specification's introspection-depth rule bounds them).
import {
  GraphQLError,
  getDirectiveValues,
  getNamedType,
  isInterfaceType,
  isObjectType,
  valueFromASTUntyped,
  type ArgumentNode,
  type FieldNode,
  type GraphQLField,
  type GraphQLNamedType,
  type OperationDefinitionNode,
  type SelectionSetNode,
  type ValidationContext,
  type ValidationRule,
} from 'graphql';

export const COST_DIRECTIVE = `"Cost of the field for the request cost limit: weight (plus extra when any argument named in when is given), plus the cost of its selection times the argument named by multiplier."
directive @cost(weight: Int = 1, multiplier: String, extra: Int = 0, when: [String!]) on FIELD_DEFINITION`;

/**
 * Weights for @cost, in plain fields (a plain field costs 1): what a resolver makes the gateway do.
 * One database query, one encoding on the model server and one object read from the object store
 * each weigh 50, so the default limit of 5000 admits about a hundred of them per request.
 */
export const WEIGHTS = { dbQuery: 50, encode: 50, objectRead: 50 } as const;

export interface Limits {
  maxDepth: number;
  maxCost: number;
}

interface Measure {
  depth: number;
  cost: number;
}

const NONE: Measure = { depth: 0, cost: 0 };

/** The highest multiplier counted, so that a huge k gives a huge but finite cost. */
const MAX_MULTIPLIER = 1e9;

/** The values of an operation's variables: those of the request, else the operation's defaults. */
function variableValues(operation: OperationDefinitionNode, given: Record<string, unknown>): Record<string, unknown> {
  const values: Record<string, unknown> = {};
  for (const definition of operation.variableDefinitions ?? []) {
    const name = definition.variable.name.value;
    if (Object.hasOwn(given, name)) values[name] = given[name];
    else if (definition.defaultValue) values[name] = valueFromASTUntyped(definition.defaultValue);
  }
  return values;
}

/** Measures one operation; fragments are measured once and remembered. */
class Meter {
  private readonly fragments = new Map<string, Measure>();
  private readonly expanding = new Set<string>();

  constructor(
    private readonly context: ValidationContext,
    private readonly variables: Record<string, unknown>,
  ) {}

  selectionSet(set: SelectionSetNode, type: GraphQLNamedType | undefined): Measure {
    let depth = 0;
    let cost = 0;
    for (const selection of set.selections) {
      const m =
        selection.kind === 'Field'
          ? this.field(selection, type)
          : selection.kind === 'InlineFragment'
            ? this.selectionSet(selection.selectionSet, selection.typeCondition ? this.type(selection.typeCondition.name.value) : type)
            : this.fragment(selection.name.value);
      depth = Math.max(depth, m.depth);
      cost += m.cost;
    }
    return { depth, cost };
  }

  private type(name: string): GraphQLNamedType | undefined {
    return this.context.getSchema().getType(name) ?? undefined;
  }

  private field(node: FieldNode, type: GraphQLNamedType | undefined): Measure {
    if (node.name.value.startsWith('__')) return NONE;
    const field = type && (isObjectType(type) || isInterfaceType(type)) ? type.getFields()[node.name.value] : undefined;
    if (!field) return { depth: 1, cost: 1 }; // an unknown field: another rule reports it
    const { weight, multiplier } = this.fieldCost(field, node);
    const inner = node.selectionSet ? this.selectionSet(node.selectionSet, getNamedType(field.type)) : NONE;
    return { depth: 1 + inner.depth, cost: weight + multiplier * inner.cost };
  }

  private fragment(name: string): Measure {
    const known = this.fragments.get(name);
    if (known) return known;
    const fragment = this.context.getFragment(name);
    if (!fragment || this.expanding.has(name)) return NONE; // unknown or cyclic: other rules report them
    this.expanding.add(name);
    const m = this.selectionSet(fragment.selectionSet, this.type(fragment.typeCondition.name.value));
    this.expanding.delete(name);
    this.fragments.set(name, m);
    return m;
  }

  private fieldCost(field: GraphQLField<unknown, unknown>, node: FieldNode): { weight: number; multiplier: number } {
    const directive = this.context.getSchema().getDirective('cost');
    const values = directive && field.astNode ? getDirectiveValues(directive, field.astNode) : undefined;
    let weight = typeof values?.weight === 'number' ? values.weight : 1;
    const when = Array.isArray(values?.when) ? (values.when as string[]) : [];
    const given = (a: ArgumentNode): boolean => when.includes(a.name.value) && valueFromASTUntyped(a.value, this.variables) != null;
    if (typeof values?.extra === 'number' && node.arguments?.some(given)) weight += values.extra;
    const argName = typeof values?.multiplier === 'string' ? values.multiplier : undefined;
    if (!argName) return { weight, multiplier: 1 };
    const argNode = node.arguments?.find((a) => a.name.value === argName);
    let raw = argNode ? valueFromASTUntyped(argNode.value, this.variables) : undefined;
    // No value (or null) means the argument's default, as at execution.
    if (typeof raw !== 'number' || !Number.isFinite(raw)) raw = field.args.find((a) => a.name === argName)?.defaultValue;
    const multiplier = typeof raw === 'number' && Number.isFinite(raw) ? Math.min(MAX_MULTIPLIER, Math.max(1, Math.floor(raw))) : 1;
    return { weight, multiplier };
  }
}

/** A validation rule refusing every operation deeper than maxDepth or costlier than maxCost. */
export function limitsRule(limits: Limits, variables: Record<string, unknown> = {}): ValidationRule {
  return (context) => ({
    OperationDefinition(node) {
      const schema = context.getSchema();
      const root = node.operation === 'query' ? schema.getQueryType() : node.operation === 'mutation' ? schema.getMutationType() : schema.getSubscriptionType();
      const meter = new Meter(context, variableValues(node, variables ?? {}));
      const { depth, cost } = meter.selectionSet(node.selectionSet, root ?? undefined);
      const name = node.name ? ` ${node.name.value}` : '';
      if (depth > limits.maxDepth) {
        context.reportError(new GraphQLError(`operation${name} is nested ${depth} fields deep; the limit is ${limits.maxDepth}`, { nodes: [node], extensions: { code: 'QUERY_TOO_DEEP', depth, limit: limits.maxDepth } }));
      }
      if (cost > limits.maxCost) {
        context.reportError(
          new GraphQLError(`operation${name} would cost ${cost}; the limit is ${limits.maxCost} (ask for fewer results, fewer fields or aliases, or fewer nested "similar" lists)`, {
            nodes: [node],
            extensions: { code: 'QUERY_TOO_COSTLY', cost, limit: limits.maxCost },
          }),
        );
      }
    },
  });
}
