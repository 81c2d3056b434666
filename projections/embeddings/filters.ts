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
