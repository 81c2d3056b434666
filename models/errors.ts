// Errors the model server maps to gRPC status codes: bad input is INVALID_ARGUMENT, an unknown
// model version NOT_FOUND; anything else is INTERNAL.
export class InvalidInputError extends Error {
  override name = 'InvalidInputError';
}

export class ModelNotFoundError extends Error {
  override name = 'ModelNotFoundError';
}
