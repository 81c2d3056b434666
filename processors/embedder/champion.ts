// The champion model version, as the promotions log says: the version of the newest ModelPromoted
// of the model name, and where the log ended when it was read (newer promotions arrive live).
import type { Kafka } from 'kafkajs';
import type { EventCodec } from '../../streams/codec.ts';
import { promotionHistory } from '../../mlops/champion.ts';
import { topics } from '../../streams/topics.ts';

export interface ChampionAtStart {
  version: string | undefined;
  /** Next offset per partition of the promotions topic when it was read. */
  ends: Map<number, bigint>;
}

export async function readChampion(kafka: Kafka, codec: EventCodec, modelName: string): Promise<ChampionAtStart> {
  const admin = kafka.admin();
  await admin.connect();
  const ends = new Map<number, bigint>();
  try {
    for (const p of await admin.fetchTopicOffsets(topics.promotions.name)) ends.set(p.partition, BigInt(p.high));
  } finally {
    await admin.disconnect();
  }
  const history = await promotionHistory(kafka, codec, modelName);
  return { version: history[history.length - 1]?.version, ends };
}
