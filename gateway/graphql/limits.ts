// Query depth and cost limits for GraphQL, as one validation rule: a request over either limit is
// refused before it runs, with a validation error (HTTP 400), never a 5xx.
//
// Depth counts nested fields (a top-level field is depth 1). Cost adds, per field, the weight of
// its @cost directive (1 without one), and multiplies the cost of a field's sub-selection by the
// value of the argument its @cost names as multiplier (e.g. k: a search for k results resolves its
// sub-selection k times), taking the value from the literal, the request's variables or the
// argument's default. Fragments are expanded; introspection fields are free.
import {
  GraphQLError,
  getDirectiveValues,
  getNamedType,
  isInterfaceType,
  isObjectType,
  valueFromASTUntyped,
  type FieldNode,
  type GraphQLField,
  type GraphQLNamedType,
  type SelectionSetNode,
  type ValidationContext,
  type ValidationRule,
} from 'graphql';

export const COST_DIRECTIVE = `"Cost of the field for the request cost limit: weight, plus the cost of its selection times the argument named by multiplier."
directive @cost(weight: Int = 1, multiplier: String) on FIELD_DEFINITION`;

export interface Limits {
  maxDepth: number;
  maxCost: number;
}

interface Measure {
  depth: number;
  cost: number;
}

const NONE: Measure = { depth: 0, cost: 0 };

function fieldCost(context: ValidationContext, field: GraphQLField<unknown, unknown>, node: FieldNode, variables: Record<string, unknown>): { weight: number; multiplier: number } {
  const directive = context.getSchema().getDirective('cost');
  const values = directive && field.astNode ? getDirectiveValues(directive, field.astNode) : undefined;
  const weight = typeof values?.weight === 'number' ? values.weight : 1;
  let multiplier = 1;
  const argName = typeof values?.multiplier === 'string' ? values.multiplier : undefined;
  if (argName) {
    const argNode = node.arguments?.find((a) => a.name.value === argName);
    const raw = argNode ? valueFromASTUntyped(argNode.value, variables) : field.args.find((a) => a.name === argName)?.defaultValue;
    if (typeof raw === 'number' && Number.isFinite(raw)) multiplier = Math.max(1, Math.floor(raw));
  }
  return { weight, multiplier };
}

function measure(context: ValidationContext, set: SelectionSetNode, type: GraphQLNamedType | undefined, variables: Record<string, unknown>, fragments: Set<string>): Measure {
  let depth = 0;
  let cost = 0;
  const add = (m: Measure): void => {
    depth = Math.max(depth, m.depth);
    cost += m.cost;
  };
  for (const selection of set.selections) {
    if (selection.kind === 'Field') {
      if (selection.name.value.startsWith('__')) continue;
      const field = type && (isObjectType(type) || isInterfaceType(type)) ? type.getFields()[selection.name.value] : undefined;
      if (!field) {
        add({ depth: 1, cost: 1 }); // an unknown field: another rule reports it
        continue;
      }
      const { weight, multiplier } = fieldCost(context, field, selection, variables);
      const inner = selection.selectionSet ? measure(context, selection.selectionSet, getNamedType(field.type), variables, fragments) : NONE;
      add({ depth: 1 + inner.depth, cost: weight + multiplier * inner.cost });
    } else if (selection.kind === 'InlineFragment') {
      const on = selection.typeCondition ? context.getSchema().getType(selection.typeCondition.name.value) : type;
      add(measure(context, selection.selectionSet, on ?? undefined, variables, fragments));
    } else {
      const name = selection.name.value;
      const fragment = context.getFragment(name);
      if (!fragment || fragments.has(name)) continue; // unknown or cyclic: other rules report them
      fragments.add(name);
      add(measure(context, fragment.selectionSet, context.getSchema().getType(fragment.typeCondition.name.value) ?? undefined, variables, fragments));
      fragments.delete(name);
    }
  }
  return { depth, cost };
}

/** A validation rule refusing every operation deeper than maxDepth or costlier than maxCost. */
export function limitsRule(limits: Limits, variables: Record<string, unknown> = {}): ValidationRule {
  return (context) => ({
    OperationDefinition(node) {
      const schema = context.getSchema();
      const root = node.operation === 'query' ? schema.getQueryType() : node.operation === 'mutation' ? schema.getMutationType() : schema.getSubscriptionType();
      const { depth, cost } = measure(context, node.selectionSet, root ?? undefined, variables ?? {}, new Set());
      const name = node.name ? ` ${node.name.value}` : '';
      if (depth > limits.maxDepth) {
        context.reportError(new GraphQLError(`operation${name} is nested ${depth} fields deep; the limit is ${limits.maxDepth}`, { nodes: [node], extensions: { code: 'QUERY_TOO_DEEP', depth, limit: limits.maxDepth } }));
      }
      if (cost > limits.maxCost) {
        context.reportError(
          new GraphQLError(`operation${name} would cost ${cost}; the limit is ${limits.maxCost} (ask for fewer results, or fewer nested "similar" lists)`, {
            nodes: [node],
            extensions: { code: 'QUERY_TOO_COSTLY', cost, limit: limits.maxCost },
          }),
        );
      }
    },
  });
}
