// Small helpers the HTTP plugins share.
import type { FastifyRequest } from 'fastify';
import type { GatewayOptions } from './config.ts';

/**
 * What image URLs start with: the configured public URL, or nothing (URLs relative to the
 * gateway's root). Never the request's Host header, which any client can forge: echoed into
 * every imageUrl, it would point pages and caches at a host of the client's choosing.
 */
export function requestBase(_request: FastifyRequest, options: Pick<GatewayOptions, 'publicUrl'>): string {
  return options.publicUrl ? options.publicUrl.replace(/\/+$/, '') : '';
}
