// The S3 (MinIO) client and the buckets of Vitrina.
import * as Minio from 'minio';
import { processConfig, type VitrinaConfig } from './config.ts';
import { processSettings } from './env-table.ts';

const settings = processSettings();

export const buckets = {
  images: settings.VITRINA_IMAGES_BUCKET,
  models: settings.VITRINA_MODELS_BUCKET,
  uploads: settings.VITRINA_UPLOADS_BUCKET,
} as const;

export function createS3(config: VitrinaConfig = processConfig()): Minio.Client {
  return new Minio.Client({
    endPoint: config.s3.endPoint,
    port: config.s3.port,
    useSSL: config.s3.useSSL,
    accessKey: config.s3.accessKey,
    secretKey: config.s3.secretKey,
    region: config.s3.region,
  });
}

export async function ensureBucket(s3: Minio.Client, bucket: string, region = processConfig().s3.region): Promise<void> {
  if (!(await s3.bucketExists(bucket))) {
    try {
      await s3.makeBucket(bucket, region);
    } catch (err) {
      if ((err as { code?: string }).code !== 'BucketAlreadyOwnedByYou') throw err;
    }
  }
}

export async function objectExists(s3: Minio.Client, bucket: string, key: string): Promise<boolean> {
  try {
    await s3.statObject(bucket, key);
    return true;
  } catch (err) {
    const code = (err as { code?: string }).code;
    if (code === 'NotFound' || code === 'NoSuchKey') return false;
    throw err;
  }
}

/** Puts an object unless one with that key exists (content-addressed keys make that a no-op). */
export async function putIfAbsent(s3: Minio.Client, bucket: string, key: string, body: Buffer, contentType: string): Promise<boolean> {
  if (await objectExists(s3, bucket, key)) return false;
  await s3.putObject(bucket, key, body, body.length, { 'Content-Type': contentType });
  return true;
}

export async function getObjectBytes(s3: Minio.Client, bucket: string, key: string): Promise<Buffer> {
  const stream = await s3.getObject(bucket, key);
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}
