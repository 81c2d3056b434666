// A stalled PostgreSQL (every one of its processes SIGSTOPped) must not hang search: the gateway
// answers 503 with Retry-After within 5 s, and answers 200 again by itself once the database
// continues. The test freezes a PostgreSQL of its own (a private instance in a temporary state
// folder on a free port, from the stack's installed binaries), never the test stack's.
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import t from 'tap';
import { freePort } from '../../bench/services.ts';
import { startInstance } from '../../chaos/instance.ts';
import { startGateway } from '../../cli/serve-gateway.ts';
import { writeManifest } from '../../models/manifest.ts';
import { startModelServer } from '../../models/server.ts';
import { createPool } from '../../projections/db.ts';
import { createEncoderClient } from '../../proto/client.ts';
import { loadPorts } from '../../platform/config.ts';
import { applyDirectly, embedding, testSpace } from '../integration/embeddings-fixtures.ts';
import { idBase } from '../integration/fixtures.ts';

const N = 20;
const STALLED_SEARCHES = 20;
const ANSWER_WITHIN_MS = 5000;

const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'vitrina-pgstall-'));
const db = await startInstance({ stateDir, ports: { ...loadPorts(), postgres: await freePort() }, services: ['postgres'] });
t.teardown(async () => {
  await db.stop();
  fs.rmSync(stateDir, { recursive: true, force: true });
});

// The catalog: N products embedded for a tiny model version, applied to the private database.
const space = testSpace(N);
const version = space.version('tiny');
const modelDir = path.join(stateDir, 'models', version);
writeManifest(modelDir, { source: 'tiny', seed: 11, version });
const modelServer = await startModelServer({ address: '127.0.0.1:0', model: modelDir, cacheDir: stateDir, s3: null, threads: 1 });
t.teardown(() => modelServer.stop());
const encoder = createEncoderClient(modelServer.address, 10_000);
t.teardown(() => encoder.close());
const names = Array.from({ length: N }, (_, i) => `Stall Test Shirt ${i}`);
const vectors = (await encoder.embedTexts(names, version)).vectors.map((v) => [...v]);
const pool = createPool(db.config.databaseUrl, 2);
t.teardown(() => pool.end());
const base = idBase();
await applyDirectly(pool, space, vectors.map((v, i) => embedding(base + i, version, v, v, { productDisplayName: names[i]! })));

const gateway = await startGateway({ config: db.config, port: 0, modelServerAddress: modelServer.address, searchNamespace: space.namespace, gateway: { logger: false } });
t.teardown(() => gateway.close());

interface Answer {
  status: number | 'hung';
  ms: number;
  retryAfter: string | null;
  message?: string;
}

async function search(q: string): Promise<Answer> {
  const began = Date.now();
  try {
    const res = await fetch(`${gateway.url}/api/v1/search?q=${encodeURIComponent(q)}&k=5`, { signal: AbortSignal.timeout(ANSWER_WITHIN_MS + 1000) });
    const body = (await res.json()) as { message?: string };
    return { status: res.status, ms: Date.now() - began, retryAfter: res.headers.get('retry-after'), message: body.message };
  } catch {
    return { status: 'hung', ms: Date.now() - began, retryAfter: null };
  }
}

t.test('search answers 503 with Retry-After within 5 s while PostgreSQL is stalled, and 200 again after', async (t) => {
  const before = await search('stall test shirt');
  t.equal(before.status, 200, 'search answers before the stall');

  const frozen = db.freeze('postgres');
  t.ok(frozen.length > 1, `every PostgreSQL process is stopped (${frozen.length})`);
  let thawed = false;
  t.teardown(() => {
    if (!thawed) db.thaw('postgres');
  });
  // Five waves of four concurrent searches: the pool's clients stuck on the frozen server must not
  // make later requests wait longer.
  const answers: Answer[] = [];
  for (let wave = 0; wave < STALLED_SEARCHES / 4; wave += 1) {
    answers.push(...(await Promise.all(Array.from({ length: 4 }, (_, i) => search(`stall ${crypto.randomBytes(3).toString('hex')} ${wave} ${i}`)))));
  }
  const slowest = Math.max(...answers.map((a) => a.ms));
  t.same(
    answers.filter((a) => a.status !== 503 || a.ms > ANSWER_WITHIN_MS || a.retryAfter === null).map((a) => `${a.status} in ${a.ms} ms, Retry-After ${a.retryAfter}`),
    [],
    `all ${STALLED_SEARCHES} searches answer 503 with Retry-After within ${ANSWER_WITHIN_MS} ms (slowest ${slowest} ms)`,
  );
  t.match(answers[0]?.message ?? '', /database/i, 'the message names the database');

  db.thaw('postgres');
  thawed = true;
  const resumed = Date.now();
  let last: Answer | undefined;
  while (Date.now() - resumed < 30_000) {
    last = await search('stall test shirt');
    if (last.status === 200) break;
    await new Promise((r) => setTimeout(r, 250));
  }
  t.equal(last?.status, 200, `search answers 200 again ${((Date.now() - resumed) / 1000).toFixed(1)} s after PostgreSQL continues`);
});
