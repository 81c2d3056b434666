// Search filters: the product attributes a search can be narrowed by (declared in
// schemas/product-attributes.ts), and their SQL.
import { FILTER_ATTRIBUTES, FILTER_NAMES, SQL_TYPES, type FilterName, type SearchFilters } from '../../schemas/product-attributes.ts';

export type { FilterName, SearchFilters };
export { FILTER_NAMES };

/** Each filter's column in a version table, in the order facets list them. */
export const FILTER_COLUMNS = Object.fromEntries(FILTER_ATTRIBUTES.map((a) => [a.field, a.column])) as Record<FilterName, string>;

/** Each attribute given a non-empty list: its column and the bound array ($n with its cast); values are appended to params. */
function boundLists(filters: SearchFilters | undefined, params: unknown[], alias: string): Array<{ column: string; list: string }> {
  const out: Array<{ column: string; list: string }> = [];
  for (const a of FILTER_ATTRIBUTES) {
    const values = filters?.[a.field];
    if (!values || values.length === 0) continue;
    params.push(values);
    out.push({ column: `${alias}${a.column}`, list: `$${params.length}::${SQL_TYPES[a.type]}[]` });
  }
  return out;
}

/** SQL conditions (AND-ed) for the filters; values are appended to params. An empty list filters nothing. */
export function filterConditions(filters: SearchFilters | undefined, params: unknown[], alias = ''): string[] {
  return boundLists(filters, params, alias).map(({ column, list }) => `${column} = ANY(${list})`);
}

/** SQL conditions (AND-ed) that drop products with any of the given values; a missing value is dropped too (it cannot be shown not to be one). */
export function excludeConditions(exclude: SearchFilters | undefined, params: unknown[], alias = ''): string[] {
  return boundLists(exclude, params, alias).map(({ column, list }) => `${column} <> ALL(${list})`);
}

/** A SQL expression counting how many of the boosted attributes a row matches (0 when there are none). */
export function boostCount(boost: SearchFilters | undefined, params: unknown[], alias = ''): string {
  const terms = boundLists(boost, params, alias).map(({ column, list }) => `(${column} = ANY(${list}))::int`);
  return terms.length === 0 ? '0' : `(${terms.join(' + ')})`;
}
