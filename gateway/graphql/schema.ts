// The GraphQL schema of the search API: the same operations as REST, over the same service.
import { SEARCH_MODES } from '../config.ts';
import { COST_DIRECTIVE } from './limits.ts';

export const typeDefs = /* GraphQL */ `
${COST_DIRECTIVE}

"How a text query is matched: vector (query embedding against image embeddings), name (against product-name embeddings), hybrid (reciprocal rank fusion of both with keyword match)."
enum SearchMode { ${SEARCH_MODES.join(' ')} }

"Keep only products with one of the given values of each attribute given."
input SearchFilters {
  gender: [String!]
  masterCategory: [String!]
  subCategory: [String!]
  articleType: [String!]
  baseColour: [String!]
  season: [String!]
  usage: [String!]
  year: [Int!]
}

"The filters a page was computed with."
type AppliedFilters {
  gender: [String!]
  masterCategory: [String!]
  subCategory: [String!]
  articleType: [String!]
  baseColour: [String!]
  season: [String!]
  usage: [String!]
  year: [Int!]
}

type Product {
  id: Int!
  "the product display name"
  name: String
  gender: String
  masterCategory: String
  subCategory: String
  articleType: String
  baseColour: String
  season: String
  usage: String
  year: Int
  "object key of the image in the images bucket"
  imageKey: String
  "URL of the image, served by the gateway"
  imageUrl: String
  "more like this: the products whose images are nearest to this one's"
  similar(k: Int = 10, offset: Int = 0, filters: SearchFilters): SearchPage! @cost(weight: 10, multiplier: "k")
}

type Hit {
  "higher is more similar"
  score: Float!
  product: Product!
}

type ImageInfo {
  format: String!
  width: Int!
  height: Int!
  bytes: Int!
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
  search(q: String!, k: Int = 10, offset: Int = 0, mode: SearchMode, filters: SearchFilters): SearchPage! @cost(weight: 10, multiplier: "k")
  "image search with an image already put in the uploads bucket"
  searchByImageKey(objectKey: String!, k: Int = 10, offset: Int = 0, filters: SearchFilters): SearchPage! @cost(weight: 20, multiplier: "k")
  "a product by id; null if it is not in the search index"
  product(id: Int!): Product
  "for each filter attribute, the number of products per value among those matching the filters"
  facets(filters: SearchFilters): [Facet!]! @cost(weight: 20)
}
`;
