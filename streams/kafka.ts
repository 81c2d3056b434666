// The Kafka client every part of Vitrina uses, with kafkajs's log routed into pino. Errors that
// kafkajs retries on its own (a coordinator still loading after a broker start) are logged at debug,
// so a healthy start does not look like a failure.
import { Kafka, logLevel, type LogEntry, type logCreator } from 'kafkajs';
import { processConfig } from '../platform/config.ts';
import { logger } from '../platform/logger.ts';

const RETRIED_BY_KAFKAJS = [
  'coordinator is loading',
  'coordinator is not available',
  'not the correct coordinator',
  'There is no leader for this topic-partition',
  'This server does not host this topic-partition',
  'The group is rebalancing',
  'Connection error: connect ECONNREFUSED',
];

/** Warnings kafkajs gives for settings Vitrina chose on purpose. */
const EXPECTED = ['Limiting retries for the idempotent producer'];

const pinoLogCreator: logCreator = () => (entry: LogEntry) => {
  const { message, ...extra } = entry.log;
  const text = `${message} ${String(extra.error ?? '')}`;
  const retried = [...RETRIED_BY_KAFKAJS, ...EXPECTED].some((fragment) => text.includes(fragment));
  const child = logger.child({ kafkajs: entry.namespace });
  if (entry.level <= logLevel.ERROR && !retried) child.error(extra, message);
  else if (entry.level === logLevel.WARN && !retried) child.warn(extra, message);
  else child.debug(extra, message);
};

export function createKafka(clientId: string, brokers: string[] = processConfig().kafkaBrokers): Kafka {
  process.env.KAFKAJS_NO_PARTITIONER_WARNING = '1';
  return new Kafka({
    clientId,
    brokers,
    logLevel: logLevel.INFO,
    logCreator: pinoLogCreator,
    connectionTimeout: 3_000,
    requestTimeout: 30_000,
    retry: { initialRetryTime: 200, retries: 8 },
  });
}
