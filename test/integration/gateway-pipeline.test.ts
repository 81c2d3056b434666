// GET /pipeline on the real stack, with streams/status.ts behind its port: answered from one cached
// Kafka admin connection (not one per request), and with Kafka unreachable a prompt 503 with
// Retry-After and a message for people, the Kafka error itself going to the log only.
import Fastify from 'fastify';
import { Kafka, logLevel } from 'kafkajs';
import t from 'tap';
import { createRuntime } from '../../runtime/runtime.ts';
import { pipelineRoutes } from '../../gateway/plugins/pipeline.ts';
import { kafkaStreamStatus } from '../../streams/status.ts';
import { topics } from '../../streams/topics.ts';

const rt = createRuntime('test-gateway-pipeline');
t.teardown(() => rt.close());
const processors = [{ processor: 'projector.products', groupId: 'vitrina.projector.products', topics: [topics.products.name] }];

t.test('the pipeline status comes from one Kafka admin connection, kept between requests', async (t) => {
  let admins = 0;
  const counted = { admin: (...args: Parameters<Kafka['admin']>) => ((admins += 1), rt.kafka.admin(...args)) };
  const app = Fastify();
  await app.register(pipelineRoutes, { prefix: '/api/v1', db: rt.db, streams: kafkaStreamStatus(counted, processors) });
  t.teardown(() => app.close());
  for (let i = 0; i < 3; i += 1) {
    const res = await app.inject({ url: '/api/v1/pipeline' });
    t.equal(res.statusCode, 200, res.body.slice(0, 200));
    const body = res.json() as { topics: Array<{ name: string }>; consumers: Array<{ processor: string }> };
    t.ok(body.topics.some((topic) => topic.name === topics.products.name), 'the products topic is listed');
    t.same(body.consumers.map((c) => c.processor), ['projector.products']);
  }
  t.equal(admins, 1, 'three requests, one admin client');
});

t.test('Kafka unreachable: a prompt 503 with Retry-After and no Kafka error text', async (t) => {
  // Nothing listens on port 1; the client retries as the production one does.
  const dead = new Kafka({ clientId: 'test-dead', brokers: ['127.0.0.1:1'], logLevel: logLevel.NOTHING, connectionTimeout: 1000, retry: { initialRetryTime: 200, retries: 8 } });
  const logged: string[] = [];
  const app = Fastify({ logger: { level: 'warn', stream: { write: (line: string) => void logged.push(line) } } });
  await app.register(pipelineRoutes, { prefix: '/api/v1', db: rt.db, streams: kafkaStreamStatus(dead, processors) });
  t.teardown(() => app.close());
  for (let i = 0; i < 2; i += 1) {
    const began = Date.now();
    const res = await app.inject({ url: '/api/v1/pipeline' });
    const ms = Date.now() - began;
    t.equal(res.statusCode, 503);
    t.equal(res.headers['retry-after'], '5');
    const body = res.json() as { error: string; message: string; statusCode: number };
    t.match(body, { error: 'Service Unavailable', statusCode: 503, message: /pipeline status is unavailable: Kafka did not answer; try again shortly/ });
    t.notMatch(body.message, /ECONNREFUSED|KafkaJS|Connection error|127\.0\.0\.1|broker/i, 'no raw Kafka error in the answer');
    t.ok(ms < 4000, `answered in ${ms} ms, before the gateway's 4 s request deadline`);
  }
  t.ok(logged.some((line) => /pipeline status unavailable/.test(line)), 'the detail is in the log');
});
