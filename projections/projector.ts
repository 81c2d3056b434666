// The live projector of a projection: a processor (consumer group "vitrina.projector.<name>") that
// applies every event of the projection's topics to its live generation.
import type { Kafka, KafkaMessage } from 'kafkajs';
import type { EventCodec } from '../streams/codec.ts';
import { PoisonError } from '../platform/errors.ts';
import { ProcessorRunner, type ProcessorSpec } from '../streams/processor.ts';
import type { EventProducer } from '../streams/producer.ts';
import type { AvroTopic } from '../streams/topics.ts';
import { applyLive } from './apply.ts';
import type { Db } from './db.ts';
import type { AnyEvent, Projection } from './projection.ts';

export interface ProjectorOptions {
  groupId?: string;
  maxBatch?: number;
}

/** An event of a projection's topic; an empty value or bad bytes are poison (streams/codec.ts says which failures are). */
export function decodeEvent(codec: EventCodec, topic: string, message: KafkaMessage): Promise<AnyEvent> {
  if (!message.value) return Promise.reject(new PoisonError('empty message value'));
  return codec.decode(topic as AvroTopic, message.value);
}

export function projectorSpec(projection: Projection, db: Db, codec: EventCodec, options: ProjectorOptions = {}): ProcessorSpec<AnyEvent> {
  return {
    name: `projector.${projection.name}`,
    groupId: options.groupId,
    topics: projection.topics,
    maxBatch: options.maxBatch ?? 500,
    decode: (topic, message) => decodeEvent(codec, topic, message),
    handle: async (batch, ctx) => {
      // A batch can take long (a version of the embeddings projection completing builds its
      // indexes in the batch's transaction): keep the group membership alive meanwhile.
      const alive = setInterval(() => void ctx.heartbeat().catch(() => undefined), 3_000);
      try {
        await applyLive(db, projection, batch);
      } finally {
        clearInterval(alive);
      }
    },
  };
}

export function createProjector(projection: Projection, deps: { db: Db; kafka: Kafka; producer: EventProducer }, options: ProjectorOptions = {}): ProcessorRunner<AnyEvent> {
  return new ProcessorRunner(projectorSpec(projection, deps.db, deps.producer.codec, options), deps.kafka, deps.producer);
}
