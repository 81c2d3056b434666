// The services of the local stack, in start order (stop order is the reverse).
import type { Service } from '../types.ts';
import { kafkaService } from './kafka.ts';
import { minioService } from './minio.ts';
import { postgresService } from './postgres.ts';
import { registryService } from './registry.ts';

export const stackServices: Service[] = [postgresService, kafkaService, registryService, minioService];
