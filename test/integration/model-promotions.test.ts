// The model server follows vitrina.model-promotions: at start the latest ModelPromoted for its
// model name is the champion; a later promotion hot-swaps it; a promotion of a version that cannot
// be loaded leaves the champion in place. Uses a model name of its own, so other tests' events
// do not matter.
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import t from 'tap';
import { promotionEvents } from './promotion-events.ts';
import { startModelServer } from '../../models/server.ts';
import { createEncoderClient } from '../../proto/client.ts';

async function eventually(what: string, check: () => Promise<boolean>, timeoutMs = 30_000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return true;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${what}: not within ${timeoutMs / 1000} s`);
}

t.test('champion from the latest promotion, hot swap on the next one', async (t) => {
  const { kafka, codec, modelName, promote } = await promotionEvents(t, 'vitrina-test-promotions', 'model-promotions.test');

  await promote('tiny-4', null);
  await promote('tiny-6', 'tiny-4');
  const server = await startModelServer({
    address: '127.0.0.1:0',
    modelName,
    followPromotions: true,
    kafka,
    codec,
    s3: null,
    cacheDir: fs.mkdtempSync(path.join(os.tmpdir(), 'vitrina-promotions-')),
    threads: 1,
  });
  t.teardown(() => server.stop());
  const client = createEncoderClient(server.address);
  t.teardown(() => client.close());
  t.equal(server.champion(), 'tiny-6', 'the latest promotion at start is the champion');
  t.equal((await client.embedTexts(['shirt'])).modelVersion, 'tiny-6');

  await promote('tiny-7', 'tiny-6');
  await eventually('the server swaps to tiny-7', async () => (await client.describe()).version === 'tiny-7');
  t.pass('hot-swapped to the newly promoted version');

  await promote('no-such-model-version', 'tiny-7');
  await promote('tiny-8', 'no-such-model-version');
  await eventually('the server swaps to tiny-8', async () => (await client.describe()).version === 'tiny-8');
  t.pass('a version that cannot be loaded was skipped; the next promotion still applies');
});

t.test('with no promotion for its model name the server serves the default', async (t) => {
  const server = await startModelServer({
    address: '127.0.0.1:0',
    modelName: `test-${randomUUID()}`,
    defaultModel: 'tiny-9',
    followPromotions: true,
    s3: null,
    cacheDir: fs.mkdtempSync(path.join(os.tmpdir(), 'vitrina-promotions-')),
    threads: 1,
  });
  t.teardown(() => server.stop());
  t.equal(server.champion(), 'tiny-9');
});
