// What the gateway needs from the search core (projections/embeddings/search.ts) and from the
// model server's client. The gateway holds no SQL: every query goes through these.
import type { EncoderClient } from '../proto/client.ts';
import type { SearchCore } from '../projections/embeddings/search.ts';

export type { FilterName } from '../projections/embeddings/filters.ts';
export type { Hit, ProductView, SearchFilters, SearchOptions, SearchPage } from '../projections/embeddings/search.ts';

/** The search core's operations the gateway calls (a SearchCore, or a stand-in in unit tests). */
export type SearchBackend = Pick<SearchCore, 'liveVersion' | 'byImageVector' | 'byTextVector' | 'byNameVector' | 'hybrid' | 'moreLikeThis' | 'product' | 'facets' | 'filterValues'>;

/** The model-server calls the gateway makes. */
export type Encoder = Pick<EncoderClient, 'embedTexts' | 'embedImages' | 'describe'>;
