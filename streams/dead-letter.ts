// Poison messages go to vitrina.dead-letter with their original bytes and the reason, so nothing
// accepted is ever dropped silently and the processor can go on.
import type { KafkaMessage } from 'kafkajs';
import type { DeadLetter } from '../schemas/types.generated.ts';
import { errorClass, errorMessage } from '../platform/errors.ts';
import type { EventProducer } from './producer.ts';
import { topics } from './topics.ts';

export interface FailedMessage {
  topic: string;
  partition: number;
  message: KafkaMessage;
}

export function deadLetterOf(failed: FailedMessage, err: unknown, processor: string, attempts: number): DeadLetter {
  return {
    sourceTopic: failed.topic,
    sourcePartition: failed.partition,
    sourceOffset: failed.message.offset,
    key: failed.message.key ?? null,
    value: failed.message.value ?? null,
    errorClass: errorClass(err),
    errorMessage: errorMessage(err).slice(0, 4000),
    processor,
    attempts,
    failedAt: Date.now(),
  };
}

export async function sendToDeadLetter(producer: EventProducer, failed: FailedMessage, err: unknown, processor: string, attempts: number): Promise<void> {
  await producer.send(topics.deadLetter.name, [{ key: failed.topic, value: deadLetterOf(failed, err, processor, attempts) }]);
}
