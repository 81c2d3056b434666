// JSON and binary objects of the MLOps loop in the models bucket, and the step markers that make
// each processor idempotent: a step whose marker exists was done and its event sent.
import type * as Minio from 'minio';
import { buckets, ensureBucket, getObjectBytes, objectExists } from '../platform/s3.ts';
import { runKeys, type RunStep } from './layout.ts';

const MISSING = new Set(['NoSuchKey', 'NotFound']);

export class RunStore {
  private ready: Promise<void> | undefined;

  constructor(
    readonly s3: Minio.Client,
    readonly bucket: string = buckets.models,
  ) {}

  private ensure(): Promise<void> {
    this.ready ??= ensureBucket(this.s3, this.bucket).catch((err: unknown) => {
      this.ready = undefined;
      throw err;
    });
    return this.ready;
  }

  async putBytes(key: string, body: Buffer, contentType = 'application/octet-stream'): Promise<void> {
    await this.ensure();
    await this.s3.putObject(this.bucket, key, body, body.length, { 'Content-Type': contentType });
  }

  async putJson(key: string, value: unknown): Promise<void> {
    await this.putBytes(key, Buffer.from(`${JSON.stringify(value)}\n`), 'application/json');
  }

  /** The object's bytes, or undefined when there is none. */
  async getBytes(key: string): Promise<Buffer | undefined> {
    try {
      return await getObjectBytes(this.s3, this.bucket, key);
    } catch (err) {
      const code = (err as { code?: string }).code;
      if (code && (MISSING.has(code) || code === 'NoSuchBucket')) return undefined;
      throw err;
    }
  }

  async getJson<T>(key: string): Promise<T | undefined> {
    const bytes = await this.getBytes(key);
    return bytes === undefined ? undefined : (JSON.parse(bytes.toString('utf8')) as T);
  }

  async exists(key: string): Promise<boolean> {
    await this.ensure();
    return objectExists(this.s3, this.bucket, key);
  }

  isDone(runId: string, step: RunStep): Promise<boolean> {
    return this.exists(runKeys(runId).done(step));
  }

  async markDone(runId: string, step: RunStep, detail: Record<string, unknown> = {}): Promise<void> {
    await this.putJson(runKeys(runId).done(step), { runId, step, ...detail });
  }
}
