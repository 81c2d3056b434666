// Consumer lag of a group: how far its committed offsets trail the end of each partition.
import type { Admin } from 'kafkajs';

export interface PartitionLag {
  topic: string;
  partition: number;
  committed: number;
  end: number;
  lag: number;
}

export async function groupLag(admin: Admin, groupId: string, topicNames: string[]): Promise<PartitionLag[]> {
  const committed = await admin.fetchOffsets({ groupId, topics: topicNames });
  const rows: PartitionLag[] = [];
  for (const topic of committed) {
    const ends = await admin.fetchTopicOffsets(topic.topic);
    for (const p of topic.partitions) {
      const end = Number(ends.find((e) => e.partition === p.partition)?.high ?? 0);
      const low = Number(ends.find((e) => e.partition === p.partition)?.low ?? 0);
      const at = Number(p.offset) < 0 ? low : Number(p.offset);
      rows.push({ topic: topic.topic, partition: p.partition, committed: Number(p.offset), end, lag: Math.max(0, end - at) });
    }
  }
  return rows;
}

export function totalLag(rows: PartitionLag[]): number {
  return rows.reduce((sum, r) => sum + r.lag, 0);
}
