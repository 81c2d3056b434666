// GET /images/<key>: the product images, streamed from the images bucket with their content type,
// an ETag (If-None-Match answers 304) and a Cache-Control that lets browsers keep
// content-addressed images for good. Every result's imageUrl points here.
import path from 'node:path';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type * as Minio from 'minio';
import { buckets } from '../../platform/s3.ts';
import { notFound } from '../errors.ts';
import { checkObjectKey, isImmutableKey } from '../images.ts';
import { errorResponses } from '../schemas.ts';

export interface ImageRoutesOptions {
  s3: Minio.Client;
  bucket?: string;
}

const BY_EXTENSION: Record<string, string> = {
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.png': 'image/png',
  '.webp': 'image/webp',
  '.gif': 'image/gif',
  '.avif': 'image/avif',
  '.tif': 'image/tiff',
  '.tiff': 'image/tiff',
};

const RASTER_TYPES = new Set(Object.values(BY_EXTENSION));

/**
 * The type an object is served with: a raster image type (its stored one, else by extension), or
 * undefined for anything else (SVG, HTML, ...), which is served as a download: from the UI's
 * origin, an SVG or HTML page could run scripts.
 */
function rasterType(key: string, stored: string | undefined): string | undefined {
  const type = stored?.split(';')[0]?.trim().toLowerCase();
  if (type && type !== 'application/octet-stream' && type !== 'binary/octet-stream') return RASTER_TYPES.has(type) ? type : undefined;
  return BY_EXTENSION[path.extname(key).toLowerCase()];
}

function isMissing(err: unknown): boolean {
  const code = (err as { code?: string }).code;
  return code === 'NotFound' || code === 'NoSuchKey' || code === 'NoSuchBucket';
}

export const imageRoutes: FastifyPluginAsync<ImageRoutesOptions> = async (app, { s3, bucket = buckets.images }) => {
  const serve = async (request: FastifyRequest<{ Params: { '*': string } }>, reply: FastifyReply): Promise<FastifyReply> => {
    const key = checkObjectKey(request.params['*'] ?? '');
    let stat: Minio.BucketItemStat;
    try {
      stat = await s3.statObject(bucket, key);
    } catch (err) {
      if (isMissing(err)) throw notFound(`no image "${key}"`);
      throw err;
    }
    const etag = `"${stat.etag}"`;
    reply
      .header('ETag', etag)
      .header('Last-Modified', stat.lastModified.toUTCString())
      .header('Cache-Control', isImmutableKey(key) ? 'public, max-age=31536000, immutable' : 'public, max-age=300, must-revalidate')
      .header('X-Content-Type-Options', 'nosniff')
      // Even opened on its own, an image gets no scripts, no plugins and an origin of its own.
      .header('Content-Security-Policy', "default-src 'none'; style-src 'unsafe-inline'; sandbox");
    const match = request.headers['if-none-match'];
    if (match && match.split(',').some((tag) => tag.trim().replace(/^W\//, '') === etag || tag.trim() === '*')) {
      return reply.code(304).send();
    }
    const meta = stat.metaData as Record<string, string | undefined>;
    const type = rasterType(key, meta['content-type']);
    reply.header('Content-Type', type ?? 'application/octet-stream').header('Content-Length', stat.size);
    if (!type) reply.header('Content-Disposition', `attachment; filename="${path.basename(key).replace(/[^\w.-]/g, '_')}"`);
    if (request.method === 'HEAD') return reply.send();
    return reply.send(await s3.getObject(bucket, key));
  };

  // HEAD has its own route: Fastify's automatic one would report a zero Content-Length.
  app.get<{ Params: { '*': string } }>(
    '/images/*',
    {
      exposeHeadRoute: false,
      // The wildcard is documented as the path parameter {key} (it may contain slashes).
      config: {
        swaggerTransform: ({ schema, url }) => ({
          schema: { ...schema, params: { type: 'object', required: ['key'], properties: { key: { type: 'string', description: 'object key, e.g. normalized/<sha256>.jpg' } } } },
          url: url.replace(/\*$/, ':key'),
        }),
      },
      schema: {
        tags: ['images'],
        summary: 'a product image',
        description: 'The bytes of an image of the images bucket (the imageUrl of every result points here).',
        operationId: 'getImage',
        params: { type: 'object', properties: { '*': { type: 'string', description: 'object key, e.g. normalized/<sha256>.jpg' } } },
        response: {
          200: { description: 'the image', content: { 'image/*': { schema: { type: 'string', format: 'binary' } } } },
          304: { description: 'not modified (If-None-Match matched)', type: 'null' },
          ...errorResponses(400, 404, 503),
        },
      },
    },
    serve,
  );
  app.head<{ Params: { '*': string } }>('/images/*', serve);
};
