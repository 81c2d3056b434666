// The web UI: static ES modules and one stylesheet under gateway/ui/public, no build step. The
// pages (/, /products/:id, /models, /pipeline) all answer index.html, whose script routes on the
// URL; assets are served under <prefix>/ui/. The UI only calls the public REST API (/api/v1).
//
// Register it with buildGateway's `plugins` option ({ plugin: uiPlugin }) or app.register.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyPluginAsync, FastifyReply } from 'fastify';
import { ATTRIBUTES_MODULE, attributesModule } from './attributes.ts';

/** The folder of the UI's files. */
export const UI_ROOT = fileURLToPath(new URL('./public/', import.meta.url));

/** The pages the UI routes itself; each answers index.html. */
export const UI_PAGES = ['/', '/products/:id', '/models', '/pipeline'] as const;

/** Where the UI's assets are served, below the plugin's prefix. */
export const UI_ASSETS = '/ui/';

/**
 * What the pages may load: their own scripts and styles only; images from anywhere the gateway's
 * image URLs may point (VITRINA_GATEWAY_PUBLIC_URL can name another host) and from the query
 * image's object URL; API calls to the same origin.
 */
export const UI_CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data: blob: http: https:",
  "connect-src 'self'",
  "font-src 'self'",
  "object-src 'none'",
  "base-uri 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

export interface UiPluginOptions {
  /** Another folder to serve (tests); default UI_ROOT. */
  root?: string;
  /** Other options (buildGateway passes every plugin its service and dependencies) are ignored. */
  [option: string]: unknown;
}

const SECURITY_HEADERS: ReadonlyArray<[string, string]> = [
  ['X-Content-Type-Options', 'nosniff'],
  ['Referrer-Policy', 'same-origin'],
];

export const uiPlugin: FastifyPluginAsync<UiPluginOptions> = async (app, options) => {
  const root = typeof options.root === 'string' ? options.root : UI_ROOT;
  const template = fs.readFileSync(path.join(root, 'index.html'), 'utf8');
  // The page's <base href> is the plugin's prefix, so the UI works under any mount point.
  const base = `${app.prefix.replace(/\/+$/, '')}/`;
  const index = template.replace('<base href="/">', `<base href="${base}">`);

  await app.register(fastifyStatic, {
    root,
    prefix: UI_ASSETS,
    decorateReply: false,
    index: false,
    list: false,
    dotfiles: 'deny',
    cacheControl: false,
    schemaHide: true,
    // Revalidated on every load (ETag/Last-Modified answer 304), so a new UI shows at once.
    setHeaders: (res) => {
      res.setHeader('Cache-Control', 'no-cache');
      for (const [name, value] of SECURITY_HEADERS) res.setHeader(name, value);
    },
  });

  const sendIndex = (reply: FastifyReply): FastifyReply => {
    for (const [name, value] of SECURITY_HEADERS) reply.header(name, value);
    return reply.type('text/html; charset=utf-8').header('Cache-Control', 'no-cache').header('Content-Security-Policy', UI_CONTENT_SECURITY_POLICY).send(index);
  };
  for (const url of UI_PAGES) {
    app.get(url, { schema: { hide: true } }, async (_request, reply) => sendIndex(reply));
  }

  // The product attributes, written from their one declaration (attributes.ts), revalidated like the files.
  const attributes = attributesModule();
  const attributesTag = `"${crypto.createHash('sha256').update(attributes).digest('base64url').slice(0, 22)}"`;
  app.get(`${UI_ASSETS}${ATTRIBUTES_MODULE}`, { schema: { hide: true } }, async (request, reply) => {
    for (const [name, value] of SECURITY_HEADERS) reply.header(name, value);
    reply.header('Cache-Control', 'no-cache').header('ETag', attributesTag);
    if (request.headers['if-none-match'] === attributesTag) return reply.code(304).send();
    return reply.type('text/javascript; charset=utf-8').send(attributes);
  });
};
