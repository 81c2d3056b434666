// The web UI plugin through fastify.inject: the pages answer index.html with a strict CSP, the
// assets are served with revalidation headers and nothing outside the UI's folder is, it works
// under a prefix, and inside the real gateway it leaves the API, the OpenAPI document and the
// JSON 404 as they are. No browser here: test/e2e/ui.test.ts drives one.
import fs from 'node:fs';
import path from 'node:path';
import Fastify from 'fastify';
import type * as Minio from 'minio';
import t from 'tap';
import type { Encoder, SearchBackend } from '../../gateway/core.ts';
import { buildGateway } from '../../gateway/index.ts';
import { ATTRIBUTES_MODULE, attributesModule } from '../../gateway/ui/attributes.ts';
import { UI_CONTENT_SECURITY_POLICY, UI_PAGES, UI_ROOT, uiPlugin } from '../../gateway/ui/plugin.ts';
import { UNDERSTOOD_ATTRIBUTES } from '../../projections/embeddings/understand.ts';
import { FILTER_ATTRIBUTES } from '../../schemas/product-attributes.ts';

async function bareApp(prefix?: string) {
  const app = Fastify();
  await app.register(uiPlugin, prefix ? { prefix } : {});
  return app;
}

t.test('every page answers index.html with the content security policy', async (t) => {
  const app = await bareApp();
  t.teardown(() => app.close());
  for (const url of ['/', '/products/15970', '/models', '/pipeline']) {
    const res = await app.inject({ url });
    t.equal(res.statusCode, 200, url);
    t.match(res.headers['content-type'], /^text\/html; charset=utf-8/, `${url} is HTML`);
    t.equal(res.headers['content-security-policy'], UI_CONTENT_SECURITY_POLICY, `${url} has the CSP`);
    t.equal(res.headers['cache-control'], 'no-cache');
    t.equal(res.headers['x-content-type-options'], 'nosniff');
    t.match(res.body, '<base href="/">');
    t.match(res.body, '<script type="module" src="ui/js/app.js">');
  }
  t.same([...UI_PAGES], ['/', '/products/:id', '/models', '/pipeline']);
  t.match(UI_CONTENT_SECURITY_POLICY, "script-src 'self'", 'no inline or remote scripts');
  t.notMatch(fs.readFileSync(path.join(UI_ROOT, 'index.html'), 'utf8'), /<script>|style="|https?:\/\//, 'index.html has no inline script or style and loads nothing remote');
});

t.test('assets are served with their types and revalidation; nothing outside the folder is', async (t) => {
  const app = await bareApp();
  t.teardown(() => app.close());
  const types: Record<string, RegExp> = { '/ui/js/app.js': /javascript/, '/ui/app.css': /text\/css/, '/ui/favicon.svg': /image\/svg\+xml/ };
  for (const [url, type] of Object.entries(types)) {
    const res = await app.inject({ url });
    t.equal(res.statusCode, 200, url);
    t.match(res.headers['content-type'], type, `${url} type`);
    t.equal(res.headers['cache-control'], 'no-cache', `${url} is revalidated`);
    t.equal(res.headers['x-content-type-options'], 'nosniff');
    t.ok(res.headers.etag, `${url} has an ETag`);
    const again = await app.inject({ url, headers: { 'if-none-match': String(res.headers.etag) } });
    t.equal(again.statusCode, 304, `${url} revalidates to 304`);
  }
  for (const url of ['/ui/js/nope.js', '/ui/../plugin.ts', '/ui/%2e%2e/plugin.ts', '/ui/', '/ui/js/', '/plugin.ts', '/index.html']) {
    const res = await app.inject({ url });
    t.ok(res.statusCode === 404 || res.statusCode === 403, `${url} is not served (${res.statusCode})`);
  }
});

t.test('every module the pages import exists and is served', async (t) => {
  const app = await bareApp();
  t.teardown(() => app.close());
  const jsDir = path.join(UI_ROOT, 'js');
  const files = fs.readdirSync(jsDir).filter((f) => f.endsWith('.js'));
  t.ok(files.includes('app.js'));
  for (const file of files) {
    const source = fs.readFileSync(path.join(jsDir, file), 'utf8');
    t.notMatch(source, /https?:\/\/(?!www\.w3\.org\/2000\/svg)/, `${file} loads nothing remote`);
    t.notMatch(source, /\.innerHTML\s*=|insertAdjacentHTML|document\.write/, `${file} never parses strings as HTML`);
    for (const [, spec] of source.matchAll(/^import[^'"]*['"](\.\/[^'"]+)['"]/gm)) {
      const written = `js/${spec!.slice(2)}` === ATTRIBUTES_MODULE; // the plugin writes it from the declaration
      t.ok(written || fs.existsSync(path.join(jsDir, spec!)), `${file} imports ${spec}, which exists`);
      const res = await app.inject({ url: `/ui/js/${spec!.slice(2)}` });
      t.equal(res.statusCode, 200, `${spec} is served`);
    }
  }
});

t.test('the attributes module is written from the one declaration and revalidated like the files', async (t) => {
  const app = await bareApp('/shop');
  t.teardown(() => app.close());
  t.notOk(fs.existsSync(path.join(UI_ROOT, ATTRIBUTES_MODULE)), 'no copy of it on disk');
  const res = await app.inject({ url: `/shop/ui/${ATTRIBUTES_MODULE}` });
  t.equal(res.statusCode, 200);
  t.match(res.headers['content-type'], /^text\/javascript/);
  t.equal(res.headers['cache-control'], 'no-cache');
  t.equal(res.headers['x-content-type-options'], 'nosniff');
  t.equal(res.body, attributesModule());
  const listed = JSON.parse(res.body.slice(res.body.indexOf('['), res.body.lastIndexOf(']') + 1)) as Array<{ name: string; label: string; facet: boolean; understood: boolean }>;
  t.same(listed.map((a) => [a.name, a.label, a.facet]), FILTER_ATTRIBUTES.map((a) => [a.api, a.label, a.facet]), 'every filter attribute, its API name, label and facet, in the panel order');
  t.same(listed.filter((a) => a.understood).map((a) => a.name).sort(), [...UNDERSTOOD_ATTRIBUTES].sort(), 'the attributes ignore= takes');
  const again = await app.inject({ url: `/shop/ui/${ATTRIBUTES_MODULE}`, headers: { 'if-none-match': String(res.headers.etag) } });
  t.equal(again.statusCode, 304, 'revalidates to 304');
});

t.test('under a prefix, the page base and the assets follow it', async (t) => {
  const app = await bareApp('/shop');
  t.teardown(() => app.close());
  const page = await app.inject({ url: '/shop/models' });
  t.equal(page.statusCode, 200);
  t.match(page.body, '<base href="/shop/">');
  t.equal((await app.inject({ url: '/shop/ui/app.css' })).statusCode, 200);
  t.equal((await app.inject({ url: '/models' })).statusCode, 404, 'nothing at the root');
});

t.test('inside the gateway: the API, the OpenAPI document and the JSON 404 are unchanged', async (t) => {
  const search = {
    liveVersion: async () => 'v1',
    filterValues: async () => ({}),
  } as unknown as SearchBackend;
  const encoder = {
    describe: async () => ({ name: 'fake', version: 'v1', dimension: 4, textPreprocessing: '', imagePreprocessing: '', source: 'fake', loadedVersions: ['v1'], maxBatch: 1, maxImageBytes: 0 }),
  } as unknown as Encoder;
  const app = await buildGateway({ search, encoder, s3: {} as Minio.Client }, { plugins: [{ plugin: uiPlugin }] });
  t.teardown(() => app.close());
  const index = await app.inject({ url: '/' });
  t.equal(index.statusCode, 200);
  t.match(index.body, '<title>Vitrina</title>');
  const health = await app.inject({ url: '/api/v1/health' });
  t.equal(health.statusCode, 200, 'the API still answers');
  t.equal(health.json().database.liveModelVersion, 'v1');
  const doc = (await app.inject({ url: '/api/openapi.json' })).json() as { paths: Record<string, unknown> };
  const uiPaths = Object.keys(doc.paths).filter((p) => !p.startsWith('/api/'));
  t.same(uiPaths, [], 'the UI routes are not in the OpenAPI document');
  const missing = await app.inject({ url: '/api/v1/models' });
  t.equal(missing.statusCode, 404);
  t.same(Object.keys(missing.json()).sort(), ['error', 'message', 'statusCode'], 'a missing API route keeps the JSON error shape the UI reads');
  const other = await app.inject({ url: '/nope' });
  t.equal(other.statusCode, 404);
  t.match(other.json().message, 'no route GET /nope');
});
