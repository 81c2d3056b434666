// The gateway's public surface: build it, configure it, extend it.
export { API_PREFIX, buildGateway, type BuildOptions, type Gateway, type GatewayDeps, type GatewayPlugin, type GatewayPluginContext } from './app.ts';
export { DEFAULT_SEARCH_MODE, SEARCH_MODES, defaultGatewayOptions, loadGatewayOptions, type GatewayOptions, type SearchMode } from './config.ts';
export { GatewayError } from './errors.ts';
export { GRAPHQL_PATH, type GraphqlExtension } from './plugins/graphql.ts';
export { OPENAPI_PATH } from './plugins/openapi.ts';
export { SearchService, type PageDto, type ProductDto } from './service.ts';
