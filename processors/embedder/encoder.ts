// What the embedder needs from the model server: the typed gRPC client of proto/client.ts fits,
// and so does any in-process stand-in a test passes.
import type { EncoderClient } from '../../proto/client.ts';
import { TransientError } from '../../platform/errors.ts';

export type Encoder = Pick<EncoderClient, 'embedImages' | 'embedTexts' | 'describe'>;

/** gRPC status codes the embedder tells apart. */
export const GrpcStatus = { INVALID_ARGUMENT: 3, NOT_FOUND: 5 } as const;

export function grpcCode(err: unknown): number | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'number' ? code : undefined;
}

/** A version the model server does not (yet) serve is worth retrying: it may be loading it. */
export function asTransientIfNotFound(err: unknown): unknown {
  return grpcCode(err) === GrpcStatus.NOT_FOUND ? new TransientError(`model server: ${(err as Error).message}`, { cause: err }) : err;
}
