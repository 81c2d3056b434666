// Search filters: the product attributes a search can be narrowed by, and their SQL.
export interface SearchFilters {
  gender?: string[];
  masterCategory?: string[];
  subCategory?: string[];
  articleType?: string[];
  baseColour?: string[];
  season?: string[];
  usage?: string[];
  year?: number[];
}

export type FilterName = keyof SearchFilters;

/** Each filter's column in a version table, in the order facets list them. */
export const FILTER_COLUMNS: Record<FilterName, string> = {
  gender: 'gender',
  masterCategory: 'master_category',
  subCategory: 'sub_category',
  articleType: 'article_type',
  baseColour: 'base_colour',
  season: 'season',
  usage: 'usage',
  year: 'year',
};

export const FILTER_NAMES = Object.keys(FILTER_COLUMNS) as FilterName[];

/** SQL conditions (AND-ed) for the filters; values are appended to params. An empty list filters nothing. */
export function filterConditions(filters: SearchFilters | undefined, params: unknown[], alias = ''): string[] {
  const conditions: string[] = [];
  for (const name of FILTER_NAMES) {
    const values = filters?.[name];
    if (!values || values.length === 0) continue;
    params.push(values);
    conditions.push(`${alias}${FILTER_COLUMNS[name]} = ANY($${params.length}::${name === 'year' ? 'int' : 'text'}[])`);
  }
  return conditions;
}

/** SQL conditions (AND-ed) that drop products with any of the given values; a missing value is dropped too (it cannot be shown not to be one). */
export function excludeConditions(exclude: SearchFilters | undefined, params: unknown[], alias = ''): string[] {
  const conditions: string[] = [];
  for (const name of FILTER_NAMES) {
    const values = exclude?.[name];
    if (!values || values.length === 0) continue;
    params.push(values);
    conditions.push(`${alias}${FILTER_COLUMNS[name]} <> ALL($${params.length}::${name === 'year' ? 'int' : 'text'}[])`);
  }
  return conditions;
}

/** A SQL expression counting how many of the boosted attributes a row matches (0 when there are none). */
export function boostCount(boost: SearchFilters | undefined, params: unknown[], alias = ''): string {
  const terms: string[] = [];
  for (const name of FILTER_NAMES) {
    const values = boost?.[name];
    if (!values || values.length === 0) continue;
    params.push(values);
    terms.push(`(${alias}${FILTER_COLUMNS[name]} = ANY($${params.length}::${name === 'year' ? 'int' : 'text'}[]))::int`);
  }
  return terms.length === 0 ? '0' : `(${terms.join(' + ')})`;
}

