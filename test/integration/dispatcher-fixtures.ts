// A dispatcher on the real stack for tests: a tiny-model server in process, an embeddings space of
// its own holding three plain-colour products (red Tshirts, blue Jeans, green Kurtas) live for
// that model version, and a dispatcher group that sees only the notifications that come next, with
// the live projector of its ledger beside it as `vitrina processor dispatcher` runs one (the uploads
// projection is what tells one dispatcher what another handled).
import crypto from 'node:crypto';
import sharp from 'sharp';
import type { Runtime } from '../../runtime/runtime.ts';
import { startModelServer } from '../../models/server.ts';
import { dispatcherSpec, type DispatcherDeps } from '../../processors/dispatcher/dispatcher.ts';
import { PredictionLedger } from '../../processors/dispatcher/ledger.ts';
import { createEmbeddingsProjection } from '../../projections/embeddings/projection.ts';
import { createProjector } from '../../projections/projector.ts';
import { uploadsProjection } from '../../projections/uploads/projection.ts';
import { SearchCore } from '../../projections/embeddings/search.ts';
import { createEncoderClient } from '../../proto/client.ts';
import type { DeadLetter, ImagePrediction } from '../../schemas/types.generated.ts';
import { ProcessorRunner } from '../../streams/processor.ts';
import { readToEnd } from '../../streams/read-to-end.ts';
import { buckets, ensureBucket } from '../../platform/s3.ts';
import { topics } from '../../streams/topics.ts';
import { embedding, emitEmbeddings, promote, startProjector, waitForState, type TestSpace } from './embeddings-fixtures.ts';
import { idBase, startGroupAtEnd, uniqueGroup, waitFor } from './fixtures.ts';

export const COLOURS: Array<[string, string, { r: number; g: number; b: number }]> = [
  ['Tshirts', 'red', { r: 220, g: 20, b: 20 }],
  ['Jeans', 'blue', { r: 20, g: 40, b: 210 }],
  ['Kurtas', 'green', { r: 20, g: 190, b: 40 }],
];

export function colourImage(colour: { r: number; g: number; b: number }, height = 80): Promise<Buffer> {
  return sharp({ create: { width: 60, height, channels: 3, background: colour } }).jpeg().toBuffer();
}

type Teardown = { teardown: (fn: () => Promise<void> | void) => void };

export interface TestDispatcher {
  version: string;
  hex: string;
  /** The id of the first catalog product (red Tshirts); blue Jeans is base + 1. */
  base: number;
  deps: DispatcherDeps;
  runner: ProcessorRunner<unknown>;
}

/** The live projector of the uploads projection (the dispatcher's ledger), in a group of its own. */
export async function startUploadsProjector(rt: Runtime): Promise<{ stop: () => Promise<void> }> {
  const projector = createProjector(uploadsProjection, rt, { groupId: uniqueGroup('projector-uploads') });
  await projector.start();
  return projector;
}

export async function startTestDispatcher(rt: Runtime, t: Teardown): Promise<TestDispatcher> {
  const seed = crypto.randomInt(10_000_000, 999_999_999);
  const version = `tiny-${seed}`;
  const server = await startModelServer({ address: '127.0.0.1:0', model: version, followPromotions: false, s3: null });
  t.teardown(() => server.stop());
  const encoder = createEncoderClient(server.address);
  t.teardown(() => encoder.close());

  const hex = crypto.randomBytes(4).toString('hex');
  const space: TestSpace = {
    namespace: `embt_${hex}`,
    modelName: `test-${hex}`,
    version: (name) => name,
    projection: createEmbeddingsProjection({ namespace: `embt_${hex}`, modelName: `test-${hex}`, expectedRows: async () => COLOURS.length, acceptVersion: (v) => v === version }),
  };
  await startProjector(rt, space, t);
  const base = idBase();
  const catalog = [];
  for (const [i, [articleType, , colour]] of COLOURS.entries()) {
    const [vector] = (await encoder.embedImages([await colourImage(colour)])).vectors;
    catalog.push(embedding(base + i, version, [...vector!], [...vector!], { articleType }));
  }
  await emitEmbeddings(rt, catalog);
  await promote(rt, space, version);
  await waitForState(rt.db, space, version, 'live');

  const group = uniqueGroup('dispatcher');
  await startGroupAtEnd(rt, group, [topics.uploads.name]);
  const deps: DispatcherDeps = { s3: rt.s3, encoder, search: new SearchCore(rt.db, { namespace: space.namespace }), ledger: new PredictionLedger(rt), producer: rt.producer, k: 3 };
  await deps.ledger.prepare();
  const ledgerProjector = await startUploadsProjector(rt);
  t.teardown(() => ledgerProjector.stop());
  const runner = new ProcessorRunner(dispatcherSpec(deps, group), rt.kafka, rt.producer) as ProcessorRunner<unknown>;
  await runner.start();
  t.teardown(() => runner.stop());
  await ensureBucket(rt.s3, buckets.uploads);
  return { version, hex, base, deps, runner };
}

export async function predictionsFor(rt: Runtime, key: string): Promise<ImagePrediction[]> {
  const found: ImagePrediction[] = [];
  await readToEnd(rt.kafka, [topics.predictions.name], async (_t, _p, message) => {
    if (message.key?.toString() !== key) return;
    found.push(await rt.codec.decode(topics.predictions.name, message.value!));
  });
  return found;
}

/** Puts a blue JPEG (the Jeans product's colour) in the uploads bucket and waits for its prediction. */
export async function uploadBlueAndWait(rt: Runtime, key: string, timeoutMs: number): Promise<ImagePrediction> {
  const upload = await colourImage({ r: 25, g: 45, b: 200 }, 70);
  await rt.s3.putObject(buckets.uploads, key, upload, upload.length, { 'Content-Type': 'image/jpeg' });
  const [prediction] = await waitFor(`the ImagePrediction of ${key}`, async () => {
    const found = await predictionsFor(rt, `${buckets.uploads}/${key}`);
    return found.length > 0 ? found : undefined;
  }, timeoutMs);
  return prediction!;
}

/** The dispatcher's dead letters (processor "dispatcher" or "dispatcher.sweep") whose reason names an object key that starts with `prefix`. */
export async function dispatcherDeadLetters(rt: Runtime, prefix: string): Promise<DeadLetter[]> {
  const found: DeadLetter[] = [];
  await readToEnd(rt.kafka, [topics.deadLetter.name], async (_t, _p, message) => {
    const letter = await rt.codec.decode(topics.deadLetter.name, message.value!);
    if (letter.processor.startsWith('dispatcher') && letter.errorMessage.includes(prefix)) found.push(letter);
  });
  return found;
}
