// The embeddings projection: vitrina.embeddings (ProductEmbedded, keyed <version>/<product id>) into
// one pgvector table per model version, and vitrina.model-promotions (ModelPromoted) into the list
// of champions that decides which complete version is live. It is generation-based like every
// projection: the registry and the promotions are its fixed tables, the version tables are the
// dynamic ones (projection.ts in projections/ points views at all of them when a generation goes live).
// A replay loads versions without indexes and without deciding states; finish() indexes the
// complete ones and picks the live one. The live projector settles states after every batch.
import type { ModelPromoted, ProductEmbedded } from '../../schemas/types.generated.ts';
import { VIEW_ATTRIBUTES } from '../../schemas/product-attributes.ts';
import { processSettings } from '../../platform/env-table.ts';
import { PoisonError } from '../../platform/errors.ts';
import { logger } from '../../platform/logger.ts';
import type { Incoming } from '../../streams/processor.ts';
import { topics } from '../../streams/topics.ts';
import { exposeTable, liveGeneration, physical } from '../catalog.ts';
import { ident, type DbClient } from '../db.ts';
import type { AnyEvent, Projection } from '../projection.ts';
import { DEFAULT_NAMESPACE, tableNames, type EmbeddingTableNames } from './names.ts';
import { addRows, catalogSize, registerVersion, settleVersions, type ExpectedRows } from './registry.ts';
import { ATTRIBUTE_COLUMNS, createRegistry, createVersionTable } from './schema.ts';
import { vectorLiteral } from './vectors.ts';

export interface EmbeddingsProjectionOptions {
  /** Prefix of every table and the projection's name; default "embeddings". */
  namespace?: string;
  /** The model whose ModelPromoted events decide the live version; default $VITRINA_MODEL_NAME or "vitrina". */
  modelName?: string;
  /** Rows a version must hold to be complete; default: the products in the products projection. */
  expectedRows?: ExpectedRows;
  /** Which model versions this projection keeps; default all. */
  acceptVersion?: (version: string) => boolean;
}

export interface EmbeddingsProjection extends Projection {
  names: EmbeddingTableNames;
  modelName: string;
}

const UPSERT_CHUNK = 250;

/** Why an event cannot be stored as it is, or undefined when it can. */
function invalidity(e: ProductEmbedded, dimension: number): string | undefined {
  if (e.dimension !== dimension) return `dimension ${e.dimension} differs from the version's ${dimension}`;
  for (const [name, vector] of [['imageEmbedding', e.imageEmbedding], ['textEmbedding', e.textEmbedding]] as const) {
    if (vector === null) continue;
    if (vector.length !== dimension) return `${name} has ${vector.length} values, not ${dimension}`;
    if (!vector.every(Number.isFinite)) return `${name} has a non-finite value`;
  }
  return undefined;
}

function rowOf(e: ProductEmbedded): unknown[] {
  return [
    e.productId,
    ...VIEW_ATTRIBUTES.map((a) => e[a.field]),
    e.imageKey,
    e.imageSha256,
    new Date(e.embeddedAt),
    e.imageEmbedding === null ? null : vectorLiteral(e.imageEmbedding),
    e.textEmbedding === null ? null : vectorLiteral(e.textEmbedding),
  ];
}

/** Upserts rows into a version table; returns how many products were new to it. */
async function upsert(client: DbClient, table: string, generation: number, events: ProductEmbedded[]): Promise<number> {
  const columns = [...ATTRIBUTE_COLUMNS, 'image_embedding', 'text_embedding'];
  const width = columns.length;
  const name = ident(physical(table, generation));
  const updates = columns.filter((c) => c !== 'product_id').map((c) => `${c} = EXCLUDED.${c}`).join(', ');
  let inserted = 0;
  for (let start = 0; start < events.length; start += UPSERT_CHUNK) {
    const chunk = events.slice(start, start + UPSERT_CHUNK);
    const values = chunk
      .map((_, r) => `(${columns.map((c, i) => `$${r * width + i + 1}${c.endsWith('_embedding') ? '::vector' : ''}`).join(', ')})`)
      .join(', ');
    const { rows } = await client.query<{ inserted: boolean }>(
      `INSERT INTO ${name} (${columns.join(', ')}) VALUES ${values}
       ON CONFLICT (product_id) DO UPDATE SET ${updates}
       RETURNING (xmax = 0) AS inserted`,
      chunk.flatMap(rowOf),
    );
    inserted += rows.filter((r) => r.inserted).length;
  }
  return inserted;
}

export function createEmbeddingsProjection(options: EmbeddingsProjectionOptions = {}): EmbeddingsProjection {
  const names = tableNames(options.namespace ?? DEFAULT_NAMESPACE);
  const modelName = options.modelName ?? processSettings().VITRINA_MODEL_NAME;
  const expectedRows = options.expectedRows ?? catalogSize;
  const accept = options.acceptVersion ?? (() => true);
  const log = logger.child({ projection: names.namespace });

  async function applyPromotions(client: DbClient, generation: number, batch: Array<Incoming<AnyEvent>>): Promise<void> {
    const table = ident(physical(names.promotions, generation));
    for (const m of batch) {
      const p = m.value as ModelPromoted;
      if (p.modelName !== modelName) continue;
      await client.query(
        `INSERT INTO ${table} (seq, version, previous_version, reason, promoted_by, promoted_at) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (seq) DO NOTHING`,
        [m.offset, p.version, p.previousVersion, p.reason, p.promotedBy, new Date(p.promotedAt)],
      );
    }
  }

  async function applyEmbeddings(client: DbClient, generation: number, live: boolean, batch: Array<Incoming<AnyEvent>>): Promise<void> {
    // The last event of a key wins; events of one key share a partition, so arrive in order.
    const latest = new Map<string, ProductEmbedded>();
    for (const m of batch) {
      const e = m.value as ProductEmbedded;
      if (accept(e.modelVersion)) latest.set(`${e.modelVersion}/${e.productId}`, e);
    }
    const byVersion = new Map<string, ProductEmbedded[]>();
    for (const e of latest.values()) byVersion.set(e.modelVersion, [...(byVersion.get(e.modelVersion) ?? []), e]);
    for (const [version, events] of byVersion) {
      const first = new Date(Math.min(...events.map((e) => e.embeddedAt)));
      const { row, created } = await registerVersion(client, names, generation, version, events[0]!.dimension, first);
      if (created) {
        await createVersionTable(client, row.table, generation, row.dimension);
        if (live) await exposeTable(client, row.table, generation);
      }
      const valid: ProductEmbedded[] = [];
      for (const e of events) {
        const why = invalidity(e, row.dimension);
        if (why === undefined) valid.push(e);
        else if (live) throw new PoisonError(`ProductEmbedded ${version}/${e.productId}: ${why}`);
        else log.warn({ version, productId: e.productId, why }, 'skipping an invalid embedding during replay');
      }
      await addRows(client, names, generation, version, await upsert(client, row.table, generation, valid));
    }
  }

  return {
    name: names.namespace,
    names,
    modelName,
    topics: [topics.embeddings.name, topics.promotions.name],
    tables: [names.versions, names.promotions],

    async dynamicTables(client, generation) {
      const registry = physical(names.versions, generation);
      const exists = await client.query<{ t: string | null }>(`SELECT to_regclass($1)::text AS t`, [registry]);
      if (!exists.rows[0]?.t) return [];
      const { rows } = await client.query<{ table_name: string }>(`SELECT table_name FROM ${ident(registry)} ORDER BY version`);
      return rows.map((r) => r.table_name);
    },

    async create(client, generation) {
      await createRegistry(client, names, generation);
    },

    async apply(client, generation, batch) {
      const live = (await liveGeneration(client, names.namespace)) === generation;
      await applyPromotions(client, generation, batch.filter((m) => m.topic === topics.promotions.name));
      await applyEmbeddings(client, generation, live, batch.filter((m) => m.topic === topics.embeddings.name));
      // A replay settles once, in finish(), after the bulk load; the live projector after every batch.
      if (live) await settleVersions(client, names, generation, expectedRows);
    },

    async finish(client, generation) {
      await settleVersions(client, names, generation, expectedRows);
    },
  };
}

/** The production projection (`projector.embeddings`, `replay embeddings`). */
export const embeddingsProjection: EmbeddingsProjection = createEmbeddingsProjection();
