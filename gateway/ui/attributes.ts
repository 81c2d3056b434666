// The product attributes as the web UI uses them, from the one declaration
// (schemas/product-attributes.ts): the UI plugin serves them as the ES module ui/js/attributes.js,
// which the browser modules import, so the filter panel, the chips, the facets asked for and the
// product page list no attribute of their own. Not a file on disk: written from the declaration.
import { UNDERSTOOD_ATTRIBUTES } from '../../projections/embeddings/understand.ts';
import { FILTER_ATTRIBUTES } from '../../schemas/product-attributes.ts';

export interface UiAttribute {
  /** Its name in the REST API (a filter parameter, a product field). */
  name: string;
  label: string;
  /** A search may count its values (facets=...). */
  facet: boolean;
  /** Query understanding may read it from the words (ignore=... takes it). */
  understood: boolean;
}

/** Where the module is served, below the UI's assets. */
export const ATTRIBUTES_MODULE = 'js/attributes.js';

/** The filter attributes, in the order the filter panel shows them. */
export function uiAttributes(): UiAttribute[] {
  return FILTER_ATTRIBUTES.map((a) => ({
    name: a.api,
    label: a.label,
    facet: a.facet,
    understood: (UNDERSTOOD_ATTRIBUTES as readonly string[]).includes(a.field),
  }));
}

/** The module's source. */
export function attributesModule(): string {
  return [
    '// The product attributes the UI filters and shows, served by the gateway from schemas/product-attributes.ts (gateway/ui/attributes.ts).',
    `export const FILTER_ATTRIBUTES = ${JSON.stringify(uiAttributes(), null, 2)};`,
    '',
  ].join('\n');
}
