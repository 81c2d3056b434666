// The services of the local stack, in start order (stop order is the reverse).
import type { Service } from '../types.ts';
import { kafkaServices } from './kafka.ts';
import { minioService } from './minio.ts';
import { postgresService } from './postgres.ts';
import { registryService } from './registry.ts';

/** The services of a stack with `kafkaNodes` Kafka nodes (config.kafkaNodes: 1, or 3 for a cluster). */
export function stackServicesFor(kafkaNodes: number): Service[] {
  return [postgresService, ...kafkaServices(kafkaNodes), registryService, minioService];
}

/** The services of a single-broker stack. */
export const stackServices: Service[] = stackServicesFor(1);
