// What a search can say about its own top results beyond one page: facet counts over them (so a
// filter narrows what the shopper searched, not the whole catalog) and variants grouped by display
// name (one hit per name, with its other products).
import type { FilterName, Hit, ProductView } from './core.ts';
import { FACET_NAMES } from '../schemas/product-attributes.ts';

/** How many of a search's top results facets count and variants group (hybrid results end earlier, at its pool). */
export const RESULT_SET_SIZE = 1000;

export type FacetCounts = Partial<Record<FilterName, Array<{ value: string; count: number }>>>;

/** Counts per value of each attribute among the hits, most frequent first, then by value. */
export function countFacets(hits: Hit[], attributes: readonly FilterName[]): FacetCounts {
  return countUnits(hits.map((h) => [h.product]), attributes);
}

/**
 * Counts per value among collapsed results: a group counts once for each value any of its
 * variants has, so a value's count is the number of hits its filter gives on a collapsed page
 * (counting products, a name with 15 variants counted 15 where the filtered page shows one hit).
 */
export function countGroupFacets(groups: Group[], attributes: readonly FilterName[]): FacetCounts {
  return countUnits(groups.map((g) => g.variants), attributes);
}

function countUnits(units: ProductView[][], attributes: readonly FilterName[]): FacetCounts {
  const out: FacetCounts = {};
  for (const name of attributes) {
    const counts = new Map<string, number>();
    for (const products of units) {
      const values = new Set(products.map((p) => p[name]).filter((v) => v !== null && v !== undefined).map(String));
      for (const value of values) counts.set(value, (counts.get(value) ?? 0) + 1);
    }
    out[name] = [...counts].map(([value, count]) => ({ value, count })).sort((a, b) => b.count - a.count || (a.value < b.value ? -1 : a.value > b.value ? 1 : 0));
  }
  return out;
}

/** The facet attributes a request names: repeated and/or comma-separated, each a filter attribute. */
export function facetAttributes(raw: readonly string[] | undefined): FilterName[] | string {
  const names = [...new Set((raw ?? []).flatMap((r) => r.split(',')).map((r) => r.trim()).filter((r) => r.length > 0))];
  const unknown = names.filter((n) => !(FACET_NAMES as readonly string[]).includes(n));
  if (unknown.length > 0) return `facets takes attribute names (${FACET_NAMES.join(', ')}), got "${unknown[0]}"`;
  return names as FilterName[];
}

export interface Group {
  hit: Hit;
  /** Every product of the group in rank order, the first being `hit`'s. */
  variants: ProductView[];
}

/** One group per display name (a product without a name is its own group), in the rank of its best hit. */
export function collapseByName(hits: Hit[]): Group[] {
  const groups: Group[] = [];
  const byName = new Map<string, Group>();
  for (const hit of hits) {
    const name = hit.product.name;
    const group = name === null ? undefined : byName.get(name);
    if (group) {
      group.variants.push(hit.product);
      continue;
    }
    const fresh = { hit, variants: [hit.product] };
    groups.push(fresh);
    if (name !== null) byName.set(name, fresh);
  }
  return groups;
}
