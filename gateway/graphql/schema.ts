// The GraphQL schema of the search API: the same operations as REST, over the same service.
import { FILTER_ATTRIBUTES, VIEW_ATTRIBUTES, type AttributeType } from '../../schemas/product-attributes.ts';
import { SEARCH_MODES } from '../config.ts';
import { COST_DIRECTIVE, WEIGHTS } from './limits.ts';

// What each resolver runs, priced in WEIGHTS: a product lookup is a database query; similar looks
// the product up, then queries its neighbours; a text search encodes the query and queries the
// index, and with facets or collapse also reads its top 1,000 results (priced as two queries); an
// image search reads the object, encodes it and queries; facets aggregate the catalog (two queries).
const { dbQuery, encode, objectRead } = WEIGHTS;

const GRAPHQL_TYPES: Record<AttributeType, string> = { string: 'String', int: 'Int' };
/** The filter attributes as fields of a filter input or type: one list of values each. */
const filterFields = FILTER_ATTRIBUTES.map((a) => `  ${a.field}: [${GRAPHQL_TYPES[a.type]}!]`).join('\n');
/** The product attributes as fields of Product, in the order a product is shown. */
const productFields = VIEW_ATTRIBUTES.map((a) => `${'description' in a ? `  "${a.description}"\n` : ''}  ${a.api}: ${GRAPHQL_TYPES[a.type]}`).join('\n');

export const typeDefs = /* GraphQL */ `
${COST_DIRECTIVE}

"How a text query is matched: vector (query embedding against image embeddings), name (against product-name embeddings), hybrid (reciprocal rank fusion of both with keyword match)."
enum SearchMode { ${SEARCH_MODES.join(' ')} }

"Keep only products with one of the given values of each attribute given."
input SearchFilters {
${filterFields}
}

"The filters a page was computed with."
type AppliedFilters {
${filterFields}
}

type Product {
  id: Int!
${productFields}
  "object key of the image in the images bucket"
  imageKey: String
  "URL of the image, served by the gateway"
  imageUrl: String
  "more like this: the products whose images are nearest to this one's"
  similar(k: Int = 10, offset: Int = 0, filters: SearchFilters): SearchPage! @cost(weight: ${2 * dbQuery}, multiplier: "k")
}

type Hit {
  "higher is more similar"
  score: Float!
  product: Product!
  "with collapse: name, the products of this display name among the top results"
  variants: Variants
}

type Variants {
  "how many products share the display name among the top results"
  count: Int!
  "the first 24 of them, this hit's first"
  products: [Product!]!
}

type ImageInfo {
  format: String!
  width: Int!
  height: Int!
  bytes: Int!
}

"An attribute read from a text query: applied as a filter, an exclusion (negated words) or a boost."
type Understood {
  attribute: String!
  "the catalog values it stands for, as applied"
  values: [String!]!
  "the words of the query it was read from"
  text: String!
  "vocabulary (a catalog value), synonym (a shopper's word) or typo (a one-edit correction)"
  source: String!
  negated: Boolean!
  "filter, exclude or boost"
  applied: String!
  "the least certain is relaxed first when nothing is found"
  certainty: Float!
  "search again with ignore: [attribute] to drop it"
  removable: Boolean!
}

"The query as the gateway understood it."
type QueryEcho {
  kind: String!
  q: String
  mode: SearchMode
  source: String
  objectKey: String
  image: ImageInfo
  productId: Int
  filters: AppliedFilters!
  "what query understanding read from q and applied (text search, unless understand: false)"
  understood: [Understood!]
  "the text that was embedded: q without negated words, typos corrected"
  searchedText: String
  "understood items dropped (least certain first) because with them nothing was found"
  relaxed: [Understood!]
  "the understood filters left the first page short: results from after on were found with dropped left out"
  broadened: Broadened
}

"A short page filled by leaving out the least certain understood filters."
type Broadened {
  "how many results, counted from the first page, match everything understood"
  after: Int!
  "understood items left out for the results after those, least certain first"
  dropped: [Understood!]!
}

type SearchPage {
  query: QueryEcho!
  "the model version whose embeddings answered"
  modelVersion: String!
  k: Int!
  offset: Int!
  "offset of the next page; null after the last page"
  nextOffset: Int
  hits: [Hit!]!
  "with facets: counts per value among the search's own top results"
  facets: [Facet!]
  "how many top results the facets counted and collapse grouped"
  resultsCounted: Int
  "with collapse: how many display names those top results hold; the facets then count names"
  resultGroups: Int
}

type FacetValue {
  value: String!
  count: Int!
}

type Facet {
  attribute: String!
  values: [FacetValue!]!
}

type Query {
  "text search"
  search(q: String!, k: Int = 10, offset: Int = 0, mode: SearchMode, filters: SearchFilters, "read attribute words from q (default: the server's setting, on unless VITRINA_UNDERSTAND_QUERIES=false)" understand: Boolean, "attributes not to read from q" ignore: [String!], "attributes to count over the top 1000 results" facets: [String!], "name: one hit per display name, with its variants" collapse: String): SearchPage! @cost(weight: ${encode + dbQuery}, multiplier: "k", extra: ${2 * dbQuery}, when: ["facets", "collapse"])
  "image search with an image already put in the uploads bucket"
  searchByImageKey(objectKey: String!, k: Int = 10, offset: Int = 0, filters: SearchFilters): SearchPage! @cost(weight: ${objectRead + encode + dbQuery}, multiplier: "k")
  "a product by id; null if it is not in the search index"
  product(id: Int!): Product @cost(weight: ${dbQuery})
  "for each filter attribute, the number of products per value among those matching the filters"
  facets(filters: SearchFilters): [Facet!]! @cost(weight: ${2 * dbQuery})
}
`;
