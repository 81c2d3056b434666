// What a chaos run checks against what it ingested: every product in the products projection once
// (revision 1: applied exactly once) with its name, and embedded in the live model version's
// table; counts, and checksums computed the same way here and in SQL. Dead letters are the
// dead-letter topic's end offsets.
import crypto from 'node:crypto';
import type { Kafka } from 'kafkajs';
import type { Db } from '../projections/db.ts';
import { ident } from '../projections/db.ts';
import { tableNames } from '../projections/embeddings/names.ts';
import { topics } from '../streams/topics.ts';
import type { IngestedProduct } from './load.ts';

export interface ProjectionCheck {
  expected: number;
  productsLost: number;
  /** Extra applications: sum of (revision - 1) over products ingested only once. */
  productsDuplicated: number;
  productsChecksumOk: boolean;
  embeddingsLost: number;
  embeddingsDuplicated: number;
  embeddingsChecksumOk: boolean;
}

const md5 = (text: string): string => crypto.createHash('md5').update(text).digest('hex');

export async function checkProjections(db: Db, products: IngestedProduct[], retried: Set<number>): Promise<ProjectionCheck> {
  const sorted = [...products].sort((a, b) => a.id - b.id);
  const ids = sorted.map((p) => p.id);
  const once = ids.filter((id) => !retried.has(id));
  const p = await db.query<{ present: string; extra: string | null; sum: string | null }>(
    `SELECT count(*) AS present,
            sum(revision - 1) FILTER (WHERE id = ANY($2)) AS extra,
            md5(string_agg(id || ':' || display_name, E'\\n' ORDER BY id)) AS sum
     FROM products WHERE id = ANY($1)`,
    [ids, once],
  );
  const versions = tableNames().versions;
  const live = await db.query<{ table_name: string }>(`SELECT table_name FROM ${ident(versions)} WHERE state = 'live'`).catch(() => ({ rows: [] as Array<{ table_name: string }> }));
  let embedded = { rows: 0, distinct: 0, sum: '' };
  const table = live.rows[0]?.table_name;
  if (table) {
    const e = await db.query<{ rows: string; distinct: string; sum: string | null }>(
      `SELECT count(*) AS rows, count(DISTINCT product_id) AS distinct, md5(string_agg(product_id::text, ',' ORDER BY product_id)) AS sum
       FROM ${ident(table)} WHERE product_id = ANY($1)`,
      [ids],
    );
    embedded = { rows: Number(e.rows[0]!.rows), distinct: Number(e.rows[0]!.distinct), sum: e.rows[0]!.sum ?? '' };
  }
  const present = Number(p.rows[0]!.present);
  return {
    expected: ids.length,
    productsLost: ids.length - present,
    productsDuplicated: Number(p.rows[0]!.extra ?? 0),
    productsChecksumOk: ids.length === 0 || p.rows[0]!.sum === md5(sorted.map((x) => `${x.id}:${x.name}`).join('\n')),
    embeddingsLost: ids.length - embedded.distinct,
    embeddingsDuplicated: embedded.rows - embedded.distinct,
    embeddingsChecksumOk: ids.length === 0 || embedded.sum === md5(ids.join(',')),
  };
}

/** Messages ever written to the dead-letter topic. */
export async function deadLetterCount(kafka: Kafka): Promise<number> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const offsets = await admin.fetchTopicOffsets(topics.deadLetter.name);
    return offsets.reduce((sum, o) => sum + Number(o.high) - Number(o.low), 0);
  } finally {
    await admin.disconnect();
  }
}

/** The broker that leads most partitions of vitrina.products: the one whose loss moves the most. */
export async function busiestBroker(kafka: Kafka): Promise<number> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const [meta] = (await admin.fetchTopicMetadata({ topics: [topics.products.name] })).topics;
    const led = new Map<number, number>();
    for (const p of meta!.partitions) led.set(p.leader, (led.get(p.leader) ?? 0) + 1);
    return [...led.entries()].sort((a, b) => b[1] - a[1] || a[0] - b[0])[0]![0];
  } finally {
    await admin.disconnect();
  }
}
