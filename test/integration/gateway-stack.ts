// A gateway on the real test stack for tests that need one answering but not exact neighbours: the
// real model server with the tiny model, an embeddings projection in a namespace of its own filled
// through Kafka and the embeddings projector with a few products, MinIO, and the gateway listening
// on a free loopback port. Everything is torn down with the test.
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRuntime, type Runtime } from '../../runtime/runtime.ts';
import { buildGateway, type BuildOptions, type Gateway } from '../../gateway/index.ts';
import { writeManifest } from '../../models/manifest.ts';
import { startModelServer } from '../../models/server.ts';
import { mulberry32 } from '../../models/util/prng.ts';
import { SearchCore } from '../../projections/embeddings/search.ts';
import { createEncoderClient } from '../../proto/client.ts';
import { embedding, emitEmbeddings, promote, startProjector, testSpace } from './embeddings-fixtures.ts';
import { waitForState } from './embeddings-fixtures.ts';
import { idBase } from './fixtures.ts';

export const STACK_TYPES = ['Shirts', 'Jeans', 'Watches'] as const;
export const STACK_COLOURS = ['Blue', 'Red', 'Black'] as const;

export interface GatewayStack {
  rt: Runtime;
  app: Gateway;
  /** http://127.0.0.1:<port> */
  url: string;
  version: string;
  /** Ids of the products in the index. */
  ids: number[];
  /** The embeddings projection's namespace searched, and the model server's host:port (for gateways of other processes). */
  namespace: string;
  modelServerAddress: string;
  /** Builds another gateway over the same parts (not listening), closed with the test. */
  another(options: BuildOptions): Promise<Gateway>;
}

interface Teardown {
  teardown: (fn: () => Promise<void> | void) => void;
}

/** Starts the parts and a gateway with `count` products of random vectors (types and colours cycle). */
export async function startGatewayStack(t: Teardown, count = 12, options: BuildOptions = {}): Promise<GatewayStack> {
  const rt = createRuntime('test-gateway-stack');
  t.teardown(() => rt.close());
  const space = testSpace(count);
  const version = space.version('tiny');
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'vitrina-gateway-stack-'));
  const modelDir = path.join(tmp, 'models', version);
  writeManifest(modelDir, { source: 'tiny', seed: 7, version });
  const modelServer = await startModelServer({ address: '127.0.0.1:0', model: modelDir, cacheDir: tmp, s3: null, threads: 1 });
  t.teardown(() => modelServer.stop());
  const encoder = createEncoderClient(modelServer.address, 10_000);
  t.teardown(() => encoder.close());
  const { dimension } = await encoder.describe(version);

  const random = mulberry32(crypto.randomInt(1, 2 ** 31));
  const unit = (): number[] => {
    const v = Array.from({ length: dimension }, () => random() * 2 - 1);
    const norm = Math.hypot(...v);
    return v.map((x) => Math.fround(x / norm));
  };
  const base = idBase();
  const ids = Array.from({ length: count }, (_, i) => base + i);
  const events = ids.map((id, i) =>
    embedding(id, version, unit(), unit(), {
      productDisplayName: `Stack ${STACK_COLOURS[i % 3]} ${STACK_TYPES[i % 3]} ${i}`,
      gender: i % 2 === 0 ? 'Men' : 'Women',
      masterCategory: 'Apparel',
      articleType: STACK_TYPES[i % 3]!,
      baseColour: STACK_COLOURS[i % 3]!,
      season: 'Summer',
      usage: 'Casual',
      year: 2012,
    }),
  );
  await startProjector(rt, space, t);
  await emitEmbeddings(rt, events);
  await promote(rt, space, version);
  await waitForState(rt.db, space, version, 'live');

  const search = new SearchCore(rt.db, { namespace: space.namespace });
  const build = async (own: BuildOptions): Promise<Gateway> => {
    const gateway = await buildGateway({ search, encoder, s3: rt.s3 }, own);
    t.teardown(() => gateway.close());
    return gateway;
  };
  const app = await build(options);
  await app.listen({ host: '127.0.0.1', port: 0 });
  const url = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;
  return { rt, app, url, version, ids, namespace: space.namespace, modelServerAddress: modelServer.address, another: build };
}
