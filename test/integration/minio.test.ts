// MinIO of the local stack: an object put into vitrina-uploads shows up as an s3:ObjectCreated event on
// the Kafka topic vitrina.uploads.notifications within 30 s.
import { randomUUID } from 'node:crypto';
import t from 'tap';
import { Kafka, logLevel } from 'kafkajs';
import * as Minio from 'minio';
import { loadConfig } from '../../platform/config.ts';

const BUCKET = 'vitrina-uploads';
const TOPIC = 'vitrina.uploads.notifications';

interface UploadEvent {
  EventName: string;
  Key: string;
  Records: Array<{ eventName: string; s3: { bucket: { name: string }; object: { key: string; size: number; eTag: string } } }>;
}

t.test('an upload to vitrina-uploads is announced on Kafka', async (t) => {
  const config = loadConfig();
  const s3 = new Minio.Client({ ...config.s3 });
  const objectName = `test/minio-test ${randomUUID()}.txt`;
  const body = Buffer.from(`vitrina minio test ${Date.now()}\n`);
  const put = await s3.putObject(BUCKET, objectName, body, body.length, { 'Content-Type': 'text/plain' });
  t.teardown(() => s3.removeObject(BUCKET, objectName).catch(() => undefined));

  const kafka = new Kafka({ clientId: 'vitrina-minio-test', brokers: config.kafkaBrokers, logLevel: logLevel.NOTHING });
  const consumer = kafka.consumer({ groupId: `vitrina-minio-test-${randomUUID()}` });
  await consumer.connect();
  t.teardown(() => consumer.disconnect());
  await consumer.subscribe({ topic: TOPIC, fromBeginning: true });

  const messageKey = `${BUCKET}/${objectName}`;
  const event = await new Promise<UploadEvent | undefined>((resolve, reject) => {
    const timer = setTimeout(() => resolve(undefined), 30_000);
    consumer
      .run({
        eachMessage: async ({ message }) => {
          if (message.key?.toString() !== messageKey || !message.value) return;
          clearTimeout(timer);
          resolve(JSON.parse(message.value.toString()) as UploadEvent);
        },
      })
      .catch(reject);
  });

  if (!event) return t.fail(`no event for ${messageKey} on ${TOPIC} within 30 s`);
  t.match(event.EventName, /^s3:ObjectCreated:/, 'an ObjectCreated event');
  t.equal(event.Key, messageKey, 'Key is bucket/object, not URL-encoded');
  const record = event.Records[0];
  t.ok(record, 'one S3 record');
  t.equal(record?.s3.bucket.name, BUCKET);
  t.equal(decodeURIComponent((record?.s3.object.key ?? '').replace(/\+/g, ' ')), objectName, 'record key is the URL-encoded object name');
  t.equal(record?.s3.object.size, body.length);
  t.equal(record?.s3.object.eTag, put.etag, 'eTag of the upload');
});
