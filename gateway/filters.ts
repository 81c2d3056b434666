// Search filters: their names (the filter attributes of schemas/product-attributes.ts), their JSON
// schema (repeated query parameters in REST, an input object in GraphQL), and the check of every
// value against the values the catalog holds, read from the search core and cached briefly.
import { FILTER_ATTRIBUTES, FILTER_NAMES, STRING_FILTER_NAMES, type AttributeType } from '../schemas/product-attributes.ts';
import type { FilterName, SearchFilters } from './core.ts';
import { badRequest } from './errors.ts';

export { FILTER_NAMES };
export const STRING_FILTERS = STRING_FILTER_NAMES;

const MAX_VALUES = 50;

/** What one value of a filter may be, by the attribute's type (the one number attribute is the year). */
const VALUE_SCHEMAS: Record<AttributeType, object> = {
  string: { type: 'string', minLength: 1, maxLength: 200 },
  int: { type: 'integer', minimum: 1900, maximum: 2100 },
};

/** JSON-schema properties of the filters, for a querystring (repeated parameters) or a body. */
export function filterProperties(): Record<FilterName, object> {
  // The first filter's description says how several values are given; that holds for all.
  const property = (a: (typeof FILTER_ATTRIBUTES)[number], i: number): object => ({
    type: 'array',
    items: VALUE_SCHEMAS[a.type],
    maxItems: MAX_VALUES,
    description: `keep products of these ${a.plural}${i === 0 ? ' (repeat the parameter for several)' : ''}`,
  });
  return Object.fromEntries(FILTER_ATTRIBUTES.map((a, i) => [a.field, property(a, i)])) as Record<FilterName, object>;
}

/** The filters present in a validated query or input object, without empty lists. */
export function pickFilters(source: Record<string, unknown> | null | undefined): SearchFilters {
  const filters: Record<string, unknown[]> = {};
  if (!source) return filters;
  for (const a of FILTER_ATTRIBUTES) {
    const values = source[a.field];
    if (Array.isArray(values) && values.length > 0) filters[a.field] = [...new Set(values.map((v: unknown) => (a.type === 'int' ? Number(v) : String(v))))];
  }
  return filters as SearchFilters;
}

export type KnownValues = Partial<Record<FilterName, ReadonlyArray<string | number>>>;

/**
 * The catalog's filter values, read through `load` at most once per `ttlMs` (in the background,
 * the previous values answering meanwhile) and on a miss at most once per second (waited for):
 * the gateway's one copy of them, for the check of filters and for the lexicon of query
 * understanding.
 */
export class FilterValueCache {
  private values: Map<FilterName, Set<string>> | undefined;
  private known: KnownValues | undefined;
  private loadedAt = 0;
  private loading: Promise<Map<FilterName, Set<string>>> | undefined;

  constructor(
    private readonly load: () => Promise<KnownValues>,
    private readonly ttlMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * The values at most maxAgeMs old. Older ones are read again; with `wait` false and values
   * already held, the read runs in the background and the held values answer meanwhile (reading
   * them took 174 ms on the whole catalog: one request per TTL paid it inline), a failed read
   * leaving them in place.
   */
  private async fresh(maxAgeMs: number, wait = true): Promise<Map<FilterName, Set<string>>> {
    if (this.values && this.now() - this.loadedAt <= maxAgeMs) return this.values;
    const started = !this.loading;
    this.loading ??= this.load()
      .then((known) => {
        const values = new Map<FilterName, Set<string>>();
        for (const name of FILTER_NAMES) values.set(name, new Set((known[name] ?? []).map(String)));
        this.values = values;
        this.known = known;
        this.loadedAt = this.now();
        return values;
      })
      .finally(() => {
        this.loading = undefined;
      });
    if (wait || !this.values) return this.loading;
    if (started) this.loading.catch(() => undefined); // the next request past the TTL tries again
    return this.values;
  }

  private static unknown(values: Map<FilterName, Set<string>>, filters: SearchFilters): Array<{ name: FilterName; value: string }> {
    const out: Array<{ name: FilterName; value: string }> = [];
    for (const name of FILTER_NAMES) {
      const known = values.get(name) ?? new Set<string>();
      for (const value of filters[name] ?? []) if (!known.has(String(value))) out.push({ name, value: String(value) });
    }
    return out;
  }

  /** The values as loaded (the same object until they are read again). */
  async current(): Promise<KnownValues> {
    await this.fresh(this.ttlMs, false);
    return this.known!;
  }

  /** Throws a 400 naming every filter value the catalog does not hold. */
  async check(filters: SearchFilters): Promise<void> {
    if (!FILTER_NAMES.some((name) => (filters[name]?.length ?? 0) > 0)) return;
    let values = await this.fresh(this.ttlMs, false);
    let unknown = FilterValueCache.unknown(values, filters);
    if (unknown.length > 0 && this.now() - this.loadedAt > 1000) {
      values = await this.fresh(0); // a value added since the last read is accepted at once
      unknown = FilterValueCache.unknown(values, filters);
    }
    if (unknown.length === 0) return;
    const parts = unknown.map(({ name, value }) => {
      const known = [...(values.get(name) ?? [])];
      const close = known.find((k) => k.toLowerCase() === value.toLowerCase());
      const hint = close !== undefined ? `did you mean "${close}"?` : `known values: ${known.sort().slice(0, 25).join(', ')}${known.length > 25 ? ', ...' : ''}`;
      return `unknown ${name} value "${value}" (${hint})`;
    });
    throw badRequest(parts.join('; '));
  }
}
