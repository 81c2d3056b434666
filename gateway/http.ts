// Small helpers the HTTP plugins share.
import type { FastifyRequest } from 'fastify';
import type { GatewayOptions } from './config.ts';

/** The scheme and host image URLs start with: the configured public URL, or the request's own. */
export function requestBase(request: FastifyRequest, options: Pick<GatewayOptions, 'publicUrl'>): string {
  if (options.publicUrl) return options.publicUrl.replace(/\/+$/, '');
  return `${request.protocol}://${request.host}`;
}
