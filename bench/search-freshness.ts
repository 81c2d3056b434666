// Freshness of streaming inference: the time from putting an image in the uploads bucket to its
// ImagePrediction on vitrina.image-predictions, with the dispatcher running (a `vitrina processor
// dispatcher` child on a consumer group of its own that starts at the end of the notifications
// topic). Uploads go one at a time, each after the previous one's prediction arrived and a seeded
// random pause of 0-3 s, so the figure is the path's latency, not a queue's, and uploads do not
// fall into step with a periodic part of the path (MinIO, with a queue directory, sends its stored
// events on a 3 s ticker: internal/store/store.go, retryInterval). Clocks, all this machine's: when this process
// received the event (end to end), the Kafka message timestamp (when the dispatcher produced it),
// the event's predictedAt, and, to split the path, the Kafka timestamp of MinIO's notification of
// the same object on vitrina.uploads.notifications (when MinIO produced it).
import crypto from 'node:crypto';
import type { Consumer, Kafka } from 'kafkajs';
import type { Runtime } from '../runtime/runtime.ts';
import type { ImagePrediction } from '../schemas/types.generated.ts';
import { mulberry32 } from '../mlops/prng.ts';
import { createdObjects } from '../processors/dispatcher/s3-event.ts';
import { buckets, ensureBucket } from '../platform/s3.ts';
import { topics } from '../streams/topics.ts';
import { percentile, round } from './search-measure.ts';
import { startDispatcherChild, type Child } from './services.ts';

export interface FreshnessResult {
  uploads: number;
  /** Put issued → the ImagePrediction received by a consumer. */
  endToEndMs: { p50: number; p95: number; max: number };
  /** Put issued → the message's Kafka timestamp (the dispatcher's produce). */
  toMessageTimestampMs: { p50: number; p95: number; max: number };
  /** Put issued → the prediction's predictedAt. */
  toPredictedAtMs: { p50: number; p95: number; max: number };
  /** Put issued → MinIO's notification on vitrina.uploads.notifications (its Kafka timestamp). */
  toNotificationMs: { p50: number; p95: number; max: number };
  /** MinIO's notification → the ImagePrediction's Kafka timestamp: the dispatcher's part. */
  notificationToPredictionMs: { p50: number; p95: number; max: number };
  /** Uploads (catalog images, so a sanity check, not a quality figure) whose predicted articleType is the product's own. */
  predictedOwnArticleType: number;
  warmupMs: number;
  dispatcherPeakRssMiB: number;
  modelVersion: string;
}

async function startGroupAtEnd(kafka: Kafka, groupId: string, topic: string): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const ends = await admin.fetchTopicOffsets(topic);
    await admin.setOffsets({ groupId, topic, partitions: ends.map((p) => ({ partition: p.partition, offset: p.high })) });
  } finally {
    await admin.disconnect();
  }
}

interface Arrival {
  receivedAt: number;
  messageTimestamp: number;
  prediction: ImagePrediction;
}

/**
 * A consumer of the predictions and notifications topics from their current ends; wait(key)
 * resolves on that key's prediction, notifiedAt(key) is the Kafka timestamp of its notification.
 */
async function predictionWatcher(rt: Runtime, groupId: string): Promise<{ wait: (key: string, timeoutMs: number) => Promise<Arrival>; notifiedAt: (key: string) => number | undefined; stop: () => Promise<void> }> {
  await startGroupAtEnd(rt.kafka, groupId, topics.predictions.name);
  await startGroupAtEnd(rt.kafka, groupId, topics.uploads.name);
  const notified = new Map<string, number>();
  const consumer: Consumer = rt.kafka.consumer({ groupId, allowAutoTopicCreation: false, maxWaitTimeInMs: 50 });
  const arrived = new Map<string, Arrival>();
  const waiting = new Map<string, (a: Arrival) => void>();
  await consumer.connect();
  const joined = new Promise<void>((resolve) => consumer.on(consumer.events.GROUP_JOIN, () => resolve()));
  await consumer.subscribe({ topics: [topics.predictions.name, topics.uploads.name], fromBeginning: true });
  await consumer.run({
    autoCommit: false,
    eachMessage: async ({ topic, message }) => {
      const receivedAt = Date.now();
      if (topic === topics.uploads.name) {
        try {
          for (const o of createdObjects(message.value)) if (!notified.has(`${o.bucket}/${o.key}`)) notified.set(`${o.bucket}/${o.key}`, Number(message.timestamp));
        } catch {
          // not a notification this bench reads
        }
        return;
      }
      const key = message.key?.toString();
      if (!key || !message.value) return;
      const arrival = { receivedAt, messageTimestamp: Number(message.timestamp), prediction: await rt.codec.decode(topics.predictions.name, message.value) };
      arrived.set(key, arrival);
      waiting.get(key)?.(arrival);
    },
  });
  await joined;
  return {
    wait: (key, timeoutMs) =>
      new Promise((resolve, reject) => {
        const done = arrived.get(key);
        if (done) return resolve(done);
        const timer = setTimeout(() => {
          waiting.delete(key);
          reject(new Error(`no ImagePrediction for ${key} within ${timeoutMs / 1000} s`));
        }, timeoutMs);
        waiting.set(key, (a) => {
          clearTimeout(timer);
          waiting.delete(key);
          resolve(a);
        });
      }),
    notifiedAt: (key) => notified.get(key),
    stop: () => consumer.disconnect(),
  };
}

function summary(ms: number[]): { p50: number; p95: number; max: number } {
  return { p50: round(percentile(ms, 50)), p95: round(percentile(ms, 95)), max: round(Math.max(...ms)) };
}

export async function measureFreshness(
  rt: Runtime,
  images: Array<{ id: number; bytes: Buffer; articleType: string | null }>,
  uploads: number,
  modelServerAddress: string,
  say: (line: string) => void,
): Promise<FreshnessResult> {
  if (images.length === 0) throw new Error('no dataset images to upload');
  const run = crypto.randomBytes(4).toString('hex');
  const dispatcherGroup = `vitrina.bench.dispatcher.${run}`;
  const watcherGroup = `vitrina.bench.freshness.${run}`;
  await ensureBucket(rt.s3, buckets.uploads);
  await startGroupAtEnd(rt.kafka, dispatcherGroup, topics.uploads.name);
  const watcher = await predictionWatcher(rt, watcherGroup);
  let dispatcher: Child | undefined;
  const keys: string[] = [];
  const put = async (name: string, bytes: Buffer): Promise<string> => {
    const key = `bench-freshness/${run}/${name}`;
    keys.push(key);
    await rt.s3.putObject(buckets.uploads, key, bytes, bytes.length, { 'Content-Type': 'image/jpeg' });
    return `${buckets.uploads}/${key}`;
  };
  try {
    dispatcher = startDispatcherChild(modelServerAddress, dispatcherGroup);
    // Warm-up (untimed in the figures): the dispatcher joins its group, connects, and predicts once.
    const warmStart = Date.now();
    await watcher.wait(await put('warmup.jpg', images[0]!.bytes), 180_000);
    const warmupMs = Date.now() - warmStart;
    say(`  dispatcher ready: first prediction ${warmupMs} ms after its start`);
    const endToEnd: number[] = [];
    const stamped: number[] = [];
    const predicted: number[] = [];
    const toNotification: number[] = [];
    const dispatcherPart: number[] = [];
    let ownType = 0;
    let modelVersion = '';
    const random = mulberry32(20_260_101);
    for (let i = 0; i < uploads; i += 1) {
      await new Promise((r) => setTimeout(r, Math.floor(random() * 3000)));
      const image = images[(i + 1) % images.length]!;
      const putAt = Date.now();
      const key = await put(`${i}-${image.id}.jpg`, image.bytes);
      const a = await watcher.wait(key, 60_000);
      endToEnd.push(a.receivedAt - putAt);
      stamped.push(a.messageTimestamp - putAt);
      predicted.push(a.prediction.predictedAt - putAt);
      let notifiedAt = watcher.notifiedAt(key);
      for (let waited = 0; notifiedAt === undefined && waited < 3000; waited += 20) {
        await new Promise((r) => setTimeout(r, 20)); // the notification is read from another partition
        notifiedAt = watcher.notifiedAt(key);
      }
      if (notifiedAt !== undefined) {
        toNotification.push(notifiedAt - putAt);
        dispatcherPart.push(a.messageTimestamp - notifiedAt);
      }
      modelVersion = a.prediction.modelVersion;
      if (image.articleType !== null && a.prediction.predictedArticleType === image.articleType) ownType += 1;
    }
    const result: FreshnessResult = {
      uploads,
      endToEndMs: summary(endToEnd),
      toMessageTimestampMs: summary(stamped),
      toPredictedAtMs: summary(predicted),
      toNotificationMs: summary(toNotification),
      notificationToPredictionMs: summary(dispatcherPart),
      predictedOwnArticleType: ownType,
      warmupMs,
      dispatcherPeakRssMiB: 0,
      modelVersion,
    };
    result.dispatcherPeakRssMiB = await dispatcher.stop();
    dispatcher = undefined;
    return result;
  } finally {
    await dispatcher?.stop();
    await watcher.stop();
    await rt.s3.removeObjects(buckets.uploads, keys).catch(() => undefined);
    const admin = rt.kafka.admin();
    await admin.connect();
    await admin.deleteGroups([dispatcherGroup, watcherGroup]).catch(() => undefined);
    await admin.disconnect();
  }
}
