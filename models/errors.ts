// Errors the model server maps to gRPC status codes: bad input is INVALID_ARGUMENT, an unknown
// model version NOT_FOUND, a known version that could not be loaded UNAVAILABLE (worth retrying:
// MinIO or a download may be down); anything else is INTERNAL. Messages sent to callers go through
// redactPaths: they never name a file of the server.
export class InvalidInputError extends Error {
  override name = 'InvalidInputError';
}

export class ModelNotFoundError extends Error {
  override name = 'ModelNotFoundError';
}

/** A known model version whose files could not be fetched or opened. */
export class ModelLoadError extends Error {
  override name = 'ModelLoadError';
}

/** Absolute filesystem paths (two segments or more) in a message, replaced by "<path>"; URLs are kept. */
export function redactPaths(message: string): string {
  return message.replace(/(?<![\w:/.~-])(?:~|[A-Za-z]:)?(?:[/\\][\w.@+-]+){2,}[/\\]?/g, '<path>');
}
