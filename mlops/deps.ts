// What the processors of the MLOps loop need, and the options they share.
import type { Kafka } from 'kafkajs';
import type * as Minio from 'minio';
import { processSettings } from '../platform/env-table.ts';
import type { Db } from '../projections/db.ts';
import type { EventProducer } from '../streams/producer.ts';
import type { Encoder } from './frozen-embeddings.ts';
import { RunStore } from './store.ts';

export interface MlopsDeps {
  kafka: Kafka;
  producer: EventProducer;
  s3: Minio.Client;
  /** The products projection (the catalog); without it the products topic is read. */
  db?: Db;
  /** The model server (frozen embeddings, the champion by default, serving checks). */
  encoder: Encoder;
  /** Local cache root (embeddings are cached under <cacheDir>/mlops/). */
  cacheDir: string;
}

export interface MlopsProcessorOptions {
  /** Consumer group; default vitrina.<processor name>. */
  groupId?: string;
  /** For several processors at once: each gets the group <groupPrefix>.<processor name>. */
  groupPrefix?: string;
  /** The model whose runs this instance handles; default the process's VITRINA_MODEL_NAME ("vitrina"). */
  modelName?: string;
  /** Narrows further to some runs (tests). */
  acceptRun?: (runId: string) => boolean;
  /** Progress lines (the CLI prints them); the log gets them too. */
  onProgress?: (runId: string, line: string) => void;
}

export function modelNameOf(options: MlopsProcessorOptions): string {
  return options.modelName ?? processSettings().VITRINA_MODEL_NAME;
}

export function runStoreOf(deps: MlopsDeps): RunStore {
  return new RunStore(deps.s3);
}

export function groupIdFor(options: MlopsProcessorOptions, processor: string): string | undefined {
  return options.groupId ?? (options.groupPrefix ? `${options.groupPrefix}.${processor}` : undefined);
}
