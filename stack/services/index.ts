// The services of the local stack, in start order (stop order is the reverse).
import type { Service } from '../types.ts';
import { kafkaService } from './kafka.ts';

export const stackServices: Service[] = [kafkaService];
