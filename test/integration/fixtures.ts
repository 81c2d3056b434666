// Test fixtures for the integration tests: a dataset folder in the Fashion Product Images (Small)
// layout made with sharp, with the flaws of the real one, and product ids no other test uses.
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Kafka } from 'kafkajs';
import sharp from 'sharp';
import { STYLE_COLUMNS } from '../../processors/ingest/styles.ts';

export const ARTICLE_TYPES = ['Shirts', 'Tshirts', 'Jeans', 'Watches', 'Handbags', 'Casual Shoes'];
const COLOURS: Array<[string, [number, number, number]]> = [
  ['Red', [200, 30, 30]],
  ['Blue', [30, 30, 200]],
  ['Green', [30, 160, 60]],
  ['Black', [20, 20, 20]],
  ['White', [235, 235, 235]],
];

/** A block of ids unlikely to clash with other tests or earlier runs on the same stack. */
export function idBase(): number {
  return 100_000_000 + crypto.randomInt(0, 1_000_000) * 1000;
}

export interface FixtureDataset {
  dir: string;
  goodIds: number[];
  missingImageId: number;
  undecodableId: number;
  repairedId: number;
  emptyFieldsId: number;
}

export async function makeDataset(count: number, base = idBase()): Promise<FixtureDataset> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vitrina-dataset-'));
  fs.mkdirSync(path.join(dir, 'images'));
  const lines = [STYLE_COLUMNS.join(',')];
  const goodIds: number[] = [];
  for (let i = 0; i < count; i += 1) {
    const id = base + i;
    const [colour, rgb] = COLOURS[i % COLOURS.length]!;
    const type = ARTICLE_TYPES[i % ARTICLE_TYPES.length]!;
    const gender = i % 2 === 0 ? 'Men' : 'Women';
    lines.push(`${id},${gender},Apparel,Topwear,${type},${colour},Summer,${2010 + (i % 8)},Casual,Test ${gender} ${colour} ${type} ${i}`);
    const image = await sharp({ create: { width: 60, height: 80, channels: 3, background: { r: rgb[0], g: rgb[1], b: (rgb[2] + i) % 256 } } }).jpeg().toBuffer();
    fs.writeFileSync(path.join(dir, 'images', `${id}.jpg`), image);
    goodIds.push(id);
  }
  const repairedId = base + count;
  lines.push(`${repairedId},Men,Personal Care,Fragrance,Perfume and Body Mist,Blue,Spring,2017,Casual,Boss Men Perfume, After Shave Balm and Shower Gel Set`);
  fs.writeFileSync(path.join(dir, 'images', `${repairedId}.jpg`), await sharp({ create: { width: 53, height: 80, channels: 3, background: '#3355aa' } }).jpeg().toBuffer());
  const emptyFieldsId = base + count + 1;
  lines.push(`${emptyFieldsId},Women,Apparel,Topwear,Tops,,Summer,,,Plain Top`);
  fs.writeFileSync(path.join(dir, 'images', `${emptyFieldsId}.jpg`), await sharp({ create: { width: 60, height: 80, channels: 3, background: '#cccccc' } }).jpeg().toBuffer());
  const missingImageId = base + count + 2;
  lines.push(`${missingImageId},Men,Apparel,Topwear,Shirts,Blue,Fall,2012,Casual,Shirt Without Image`);
  const undecodableId = base + count + 3;
  lines.push(`${undecodableId},Men,Apparel,Topwear,Shirts,Blue,Fall,2012,Casual,Shirt With Broken Image`);
  fs.writeFileSync(path.join(dir, 'images', `${undecodableId}.jpg`), Buffer.from('not a jpeg at all'));
  lines.push('truncated,line');
  fs.writeFileSync(path.join(dir, 'styles.csv'), `${lines.join('\n')}\n`);
  return { dir, goodIds: [...goodIds, repairedId, emptyFieldsId], missingImageId, undecodableId, repairedId, emptyFieldsId };
}

export async function waitFor<T>(what: string, probe: () => Promise<T | undefined | false>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined && value !== false) return value;
    } catch (err) {
      lastError = err; // e.g. the projection's view does not exist until its first batch
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${lastError ? ` (last error: ${String(lastError)})` : ''}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

export function uniqueGroup(name: string): string {
  return `vitrina.test.${name}.${crypto.randomBytes(4).toString('hex')}`;
}

/** Commits a consumer group's offsets at the current ends of the topics, so it sees only what comes next. */
export async function startGroupAtEnd(rt: { kafka: Kafka }, groupId: string, topicNames: string[]): Promise<void> {
  const admin = rt.kafka.admin();
  await admin.connect();
  try {
    for (const topic of topicNames) {
      const ends = await admin.fetchTopicOffsets(topic);
      await admin.setOffsets({ groupId, topic, partitions: ends.map((p) => ({ partition: p.partition, offset: p.high })) });
    }
  } finally {
    await admin.disconnect();
  }
}
