// Replay benchmark: events per second rebuilding the products projection, next to Kafka's own
// consumer performance tool reading the same topic from the same broker in the same run.
import { spawnSync } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { createRuntime } from '../runtime/runtime.ts';
import { productsProjection } from '../projections/products/projection.ts';
import { replay } from '../projections/replay.ts';
import { loadConfig } from '../platform/config.ts';
import { topics } from '../streams/topics.ts';
import { kafkaService } from '../stack/services/kafka.ts';
import { writeResult } from './report.ts';

async function topicSize(rt: ReturnType<typeof createRuntime>, topic: string): Promise<number> {
  const admin = rt.kafka.admin();
  await admin.connect();
  const offsets = await admin.fetchTopicOffsets(topic);
  await admin.disconnect();
  return offsets.reduce((sum, p) => sum + Number(p.high) - Number(p.low), 0);
}

/** Runs kafka-consumer-perf-test (org.apache.kafka.tools.ConsumerPerformance) from the stack's jars. */
function kafkaConsumerPerf(topic: string, messages: number): { messagesPerSecond: number; mbPerSecond: number; seconds: number; raw: string } {
  const config = loadConfig();
  const libs = path.join(config.cacheDir, 'kafka', kafkaService.version, 'libs', '*');
  const run = spawnSync('java', ['-Xmx512m', '-cp', libs, 'org.apache.kafka.tools.ConsumerPerformance', '--bootstrap-server', config.kafkaBrokers.join(','), '--topic', topic, '--messages', String(messages), '--group', `vitrina.bench.perf.${Date.now()}`, '--timeout', '60000'], { encoding: 'utf8' });
  if (run.status !== 0) throw new Error(`kafka-consumer-perf-test failed: ${run.stderr}`);
  const lines = run.stdout.trim().split('\n');
  const header = lines.find((l) => l.startsWith('start.time'))!.split(',').map((s) => s.trim());
  const values = lines[lines.indexOf(lines.find((l) => l.startsWith('start.time'))!) + 1]!.split(',').map((s) => s.trim());
  const field = (name: string): number => Number(values[header.indexOf(name)]);
  const seconds = (new Date(values[1]!).getTime() - new Date(values[0]!).getTime()) / 1000;
  return { messagesPerSecond: field('nMsg.sec'), mbPerSecond: field('MB.sec'), seconds, raw: run.stdout };
}

export async function runReplayBench(): Promise<void> {
  const rt = createRuntime('bench-replay');
  const events = await topicSize(rt, topics.products.name);
  // Kafka's tool runs just before and just after the replay, and the ratio takes their mean: on a
  // shared machine the load moves within a minute, and one run on one side of the replay was off by 2×.
  const before = kafkaConsumerPerf(topics.products.name, events);
  const result = await replay(productsProjection, { db: rt.db, kafka: rt.kafka, codec: rt.codec });
  const after = kafkaConsumerPerf(topics.products.name, events);
  await rt.close();
  const perfMessagesPerSecond = (before.messagesPerSecond + after.messagesPerSecond) / 2;
  const figures = {
    topic: topics.products.name,
    events,
    replay: { events: result.events, seconds: result.seconds, eventsPerSecond: result.eventsPerSecond, generation: result.generation, stages: result.stages },
    kafkaConsumerPerfTest: {
      messagesPerSecond: perfMessagesPerSecond,
      before: { messagesPerSecond: before.messagesPerSecond, mbPerSecond: before.mbPerSecond },
      after: { messagesPerSecond: after.messagesPerSecond, mbPerSecond: after.mbPerSecond },
    },
    ratioReplayToKafkaConsumer: result.eventsPerSecond / perfMessagesPerSecond,
    loadAverage: os.loadavg(),
  };
  const file = writeResult('replay', figures);
  process.stdout.write(`${JSON.stringify(figures, null, 2)}\nwritten to ${file}\n`);
}
