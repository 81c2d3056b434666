// The background re-embedding of a promoted version keeps retrying a model server that is down,
// with capped backoff and each failure logged with its cause, for as long as the outage lasts (it
// used to give up after 10 retries, about 2.5 minutes), and finishes once the server is back. The
// model server is real: its address refuses connections at first (nothing listens there), then a
// model server is started on that very port. Short timings through the retry option.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import t from 'tap';
import { freePort } from '../../bench/services.ts';
import { startModelServer, type ModelServer } from '../../models/server.ts';
import { CatalogReembed, type CatalogItem } from '../../processors/embedder/reembed.ts';
import { createEncoderClient } from '../../proto/client.ts';
import type { ProductIngested } from '../../schemas/types.generated.ts';
import { EventCodec } from '../../streams/codec.ts';
import { loadConfig } from '../../platform/config.ts';
import { createKafka } from '../../streams/kafka.ts';
import type { Logger } from '../../platform/logger.ts';

t.test('a re-embedding outlives a model server outage longer than its old retry budget', async (t) => {
  const config = loadConfig();
  const port = await freePort();
  const client = createEncoderClient(`127.0.0.1:${port}`, 2_000);
  t.teardown(() => client.close());
  const retries: Array<Record<string, unknown>> = [];
  const quiet = (): void => undefined;
  const log = { info: quiet, error: quiet, debug: quiet, warn: (extra: Record<string, unknown>) => retries.push(extra) } as unknown as Logger;
  const products: CatalogItem[] = ['navy check shirt', 'black leather belt', 'white sneakers'].map((name, i) => ({
    product: { id: i + 1, productDisplayName: name } as ProductIngested,
    partition: 0,
    message: { offset: String(i) } as CatalogItem['message'],
  }));
  const reembed = new CatalogReembed('tiny', {
    kafka: createKafka('vitrina-test-reembed-retry', config.kafkaBrokers),
    codec: new EventCodec(config.schemaRegistryUrl),
    log,
    batchSize: 2,
    catalog: async () => products,
    retry: { initialMs: 20, maxMs: 100 },
    embedBatch: async (items, version) => (await client.embedTexts(items.map((i) => i.product.productDisplayName!), version)).vectors.length,
  });

  // Down for 3 s: with 20-100 ms backoff that is far more than 10 retries.
  await new Promise((resolve) => setTimeout(resolve, 3_000));
  t.equal(reembed.status.state, 'embedding', 'still trying while the model server is down');
  let server: ModelServer | undefined;
  t.teardown(() => server?.stop());
  server = await startModelServer({ address: `127.0.0.1:${port}`, model: 'tiny', tinyModels: true, cacheDir: fs.mkdtempSync(path.join(os.tmpdir(), 'vitrina-reembed-retry-')), s3: null, threads: 1 });
  const status = await Promise.race([reembed.finished, new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), 30_000).unref())]);
  t.equal(status?.state, 'done', 're-embedding done once the model server is back');
  t.equal(status?.emitted, 3, 'every product embedded');
  t.ok(retries.length > 10, `${retries.length} failures retried (more than the old limit of 10)`);
  t.ok(retries.every((r) => typeof r.err === 'string' && /UNAVAILABLE|ECONNREFUSED|No connection/i.test(String(r.err) + String(r.cause ?? ''))), 'each failure logged with its cause');
  t.ok(retries.every((r) => Number(r.delayMs) <= 100), 'backoff capped at the configured maximum');
});
