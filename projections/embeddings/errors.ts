// What search can refuse, each with its own class so the gateway can answer with the right status.
export class SearchUnavailableError extends Error {
  override name = 'SearchUnavailableError';
  constructor() {
    super('no model version is live yet: the catalog has not been embedded completely');
  }
}

export class UnknownModelVersionError extends Error {
  override name = 'UnknownModelVersionError';
  constructor(readonly version: string) {
    super(`model version "${version}" is not searchable (unknown, or still being embedded)`);
  }
}

export class DimensionMismatchError extends Error {
  override name = 'DimensionMismatchError';
  constructor(readonly expected: number, readonly got: number, readonly version: string) {
    super(`query vector has ${got} dimensions; model version "${version}" has ${expected}`);
  }
}

export class ProductNotFoundError extends Error {
  override name = 'ProductNotFoundError';
  constructor(readonly productId: number) {
    super(`product ${productId} is not in the search index`);
  }
}
