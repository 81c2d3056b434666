// Fixtures of the embeddings tests: a throwaway namespace of the embeddings projection (its own
// tables, its own model name for promotions, its own model versions), ProductEmbedded events whose
// vectors the test chooses, and a projector over the namespace that is cleaned up afterwards.
import crypto from 'node:crypto';
import type { KafkaMessage } from 'kafkajs';
import type { Runtime } from '../../runtime/runtime.ts';
import { applyLive } from '../../projections/apply.ts';
import { ensureCatalog } from '../../projections/catalog.ts';
import { inTransaction, type Db } from '../../projections/db.ts';
import { createEmbeddingsProjection, type EmbeddingsProjection } from '../../projections/embeddings/projection.ts';
import { listVersions, type VersionRow } from '../../projections/embeddings/registry.ts';
import { liveGeneration } from '../../projections/catalog.ts';
import { createProjector } from '../../projections/projector.ts';
import { discardProjection, type AnyEvent } from '../../projections/projection.ts';
import type { ModelPromoted, ProductEmbedded } from '../../schemas/types.generated.ts';
import type { Incoming } from '../../streams/processor.ts';
import { topics } from '../../streams/topics.ts';
import { uniqueGroup, waitFor } from './fixtures.ts';

export interface TestSpace {
  /** Tables and projection name. */
  namespace: string;
  /** The model name its promotions carry. */
  modelName: string;
  /** A model version name that belongs to this space. */
  version(name: string): string;
  projection: EmbeddingsProjection;
}

/** A fresh namespace whose projection keeps only its own versions and expects `expectedRows` rows. */
export function testSpace(expectedRows: number): TestSpace {
  const hex = crypto.randomBytes(4).toString('hex');
  const prefix = `test-${hex}-`;
  const namespace = `embt_${hex}`;
  const modelName = `test-${hex}`;
  const projection = createEmbeddingsProjection({ namespace, modelName, expectedRows: async () => expectedRows, acceptVersion: (v) => v.startsWith(prefix) });
  return { namespace, modelName, version: (name) => `${prefix}${name}`, projection };
}

export function embedding(productId: number, version: string, image: number[] | null, text: number[] | null, attributes: Partial<ProductEmbedded> = {}): ProductEmbedded {
  const dimension = (image ?? text)!.length;
  return {
    productId,
    modelVersion: version,
    dimension,
    imageEmbedding: image,
    textEmbedding: text,
    imageSha256: `sha-${productId}`,
    productDisplayName: `Product ${productId}`,
    gender: null,
    masterCategory: null,
    subCategory: null,
    articleType: null,
    baseColour: null,
    season: null,
    year: null,
    usage: null,
    imageKey: `normalized/${productId}.jpg`,
    embeddedAt: 1_700_000_000_000,
    ...attributes,
  };
}

/** A unit vector of `dimension` with cos/sin of `degrees` in components a and b. */
export function angleVector(dimension: number, degrees: number, a = 0, b = 1): number[] {
  const v = new Array<number>(dimension).fill(0);
  const rad = (degrees * Math.PI) / 180;
  v[a] = Math.fround(Math.cos(rad));
  v[b] = Math.fround(Math.sin(rad));
  return v;
}

export async function emitEmbeddings(rt: Runtime, events: ProductEmbedded[]): Promise<void> {
  for (let i = 0; i < events.length; i += 200) {
    await rt.producer.send(topics.embeddings.name, events.slice(i, i + 200).map((e) => ({ key: `${e.modelVersion}/${e.productId}`, value: e })));
  }
}

export async function promote(rt: Runtime, space: TestSpace, version: string, previousVersion: string | null = null): Promise<void> {
  const event: ModelPromoted = { modelName: space.modelName, version, previousVersion, reason: 'test', promotedBy: 'test', promotedAt: Date.now() };
  await rt.producer.send(topics.promotions.name, [{ key: space.modelName, value: event }]);
}

/** Runs the space's live projector until the test ends, then drops the space's tables. */
export async function startProjector(rt: Runtime, space: TestSpace, t: { teardown: (fn: () => Promise<void> | void) => void }): Promise<void> {
  const projector = createProjector(space.projection, rt, { groupId: uniqueGroup(space.namespace) });
  await projector.start();
  t.teardown(async () => {
    await projector.stop();
    await dropSpace(rt.db, space);
  });
}

export async function dropSpace(db: Db, space: TestSpace): Promise<void> {
  await inTransaction(db, async (client) => {
    await ensureCatalog(client);
    await discardProjection(client, space.projection);
  });
}

/**
 * Applies events to the space's live generation straight through the projection (no Kafka), as
 * the live projector would; for bulk fixtures that should not grow the shared topic.
 */
export async function applyDirectly(db: Db, space: TestSpace, events: ProductEmbedded[], firstOffset = 0, chunk = 1000): Promise<void> {
  for (let i = 0; i < events.length; i += chunk) {
    const batch: Array<Incoming<AnyEvent>> = events.slice(i, i + chunk).map((value, j) => ({
      topic: topics.embeddings.name,
      partition: 0,
      offset: String(firstOffset + i + j),
      key: `${value.modelVersion}/${value.productId}`,
      value,
      timestamp: '0',
      message: {} as KafkaMessage,
    }));
    await applyLive(db, space.projection, batch);
  }
}

export async function versionsOf(db: Db, space: TestSpace): Promise<VersionRow[]> {
  const client = await db.connect();
  try {
    const generation = await liveGeneration(client, space.namespace);
    return generation === undefined ? [] : await listVersions(client, space.projection.names, generation);
  } finally {
    client.release();
  }
}

export async function waitForState(db: Db, space: TestSpace, version: string, state: VersionRow['state'], timeoutMs = 90_000): Promise<VersionRow> {
  return waitFor(`${version} to be ${state}`, async () => (await versionsOf(db, space)).find((v) => v.version === version && v.state === state), timeoutMs);
}
