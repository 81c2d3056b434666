// The typed gRPC client of the model server, used by the processors and the gateway.
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import path from 'node:path';
import { loadConfig } from '../platform/config.ts';
import type { ProtoGrpcType } from './generated/encoder.ts';
import type { EncoderClient as GeneratedClient } from './generated/vitrina/encoder/v1/Encoder.ts';
import type { EmbedResponse__Output } from './generated/vitrina/encoder/v1/EmbedResponse.ts';
import type { ModelInfo__Output } from './generated/vitrina/encoder/v1/ModelInfo.ts';
import { loaderOptions, protoFiles, protoRoot } from './generate.ts';

export type ModelInfo = ModelInfo__Output;

export interface Embeddings {
  modelVersion: string;
  dimension: number;
  vectors: Float32Array[];
}

let loaded: ProtoGrpcType | undefined;

/** The package definition of vitrina.encoder.v1, for clients and the server alike. */
export function encoderProto(): ProtoGrpcType {
  loaded ??= grpc.loadPackageDefinition(protoLoader.loadSync(protoFiles.map((f) => path.join(protoRoot, f)), loaderOptions)) as unknown as ProtoGrpcType;
  return loaded;
}

/** float32 little-endian bytes ↔ Float32Array, the wire form of one embedding. */
export function vectorToBytes(vector: Float32Array): Buffer {
  const out = Buffer.allocUnsafe(vector.length * 4);
  for (let i = 0; i < vector.length; i += 1) out.writeFloatLE(vector[i]!, i * 4);
  return out;
}

export function bytesToVector(bytes: Buffer): Float32Array {
  const out = new Float32Array(bytes.length / 4);
  for (let i = 0; i < out.length; i += 1) out[i] = bytes.readFloatLE(i * 4);
  return out;
}

function toEmbeddings(response: EmbedResponse__Output): Embeddings {
  return { modelVersion: response.modelVersion, dimension: response.dimension, vectors: response.embeddings.map(bytesToVector) };
}

export interface EncoderClient {
  embedTexts(texts: string[], modelVersion?: string): Promise<Embeddings>;
  embedImages(images: Buffer[], modelVersion?: string): Promise<Embeddings>;
  describe(modelVersion?: string): Promise<ModelInfo>;
  close(): void;
}

export function createEncoderClient(address: string = loadConfig().modelServerAddress, timeoutMs = 30_000): EncoderClient {
  const Client = encoderProto().vitrina.encoder.v1.Encoder;
  const client: GeneratedClient = new Client(address, grpc.credentials.createInsecure(), {
    'grpc.max_receive_message_length': 64 * 1024 * 1024,
    'grpc.max_send_message_length': 64 * 1024 * 1024,
  });
  const deadline = (): grpc.CallOptions => ({ deadline: Date.now() + timeoutMs });
  const call = <Req, Res>(method: (req: Req, options: grpc.CallOptions, cb: (err: grpc.ServiceError | null, res?: Res) => void) => unknown, req: Req): Promise<Res> =>
    new Promise((resolve, reject) => {
      method.call(client, req, deadline(), (err, res) => (err ? reject(err) : resolve(res as Res)));
    });
  return {
    embedTexts: async (texts, modelVersion = '') => toEmbeddings(await call(client.embedTexts, { texts, modelVersion })),
    embedImages: async (images, modelVersion = '') => toEmbeddings(await call(client.embedImages, { images, modelVersion })),
    describe: (modelVersion = '') => call(client.describe, { modelVersion }),
    close: () => client.close(),
  };
}
