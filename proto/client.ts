// The typed gRPC client of the model server, used by the processors and the gateway.
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import path from 'node:path';
import { processConfig } from '../platform/config.ts';
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

/** The addresses a MODEL_SERVER_ADDRESS value names: one `host:port`, or several separated by commas. */
export function modelServerAddresses(address: string): string[] {
  const list = address.split(',').map((a) => a.trim()).filter(Boolean);
  if (list.length === 0) throw new Error(`no model server address in "${address}"`);
  return list;
}

const GRPC_UNAVAILABLE = grpc.status.UNAVAILABLE;

/**
 * A client of one model server, or of several (`host1:port,host2:port`): each call goes to the
 * server with the fewest calls in flight from this client (ties in turn), servers whose connection
 * is failing last, and a call a server answers UNAVAILABLE (stopped, killed, unreachable) is sent
 * to the next one, every server at most once, within the one deadline. Model calls are pure
 * functions of their input, so a retried call cannot do anything twice.
 */
export function createEncoderClient(address: string = processConfig().modelServerAddress, timeoutMs = 30_000): EncoderClient {
  const Client = encoderProto().vitrina.encoder.v1.Encoder;
  const servers = modelServerAddresses(address).map((target) => ({
    target,
    inFlight: 0,
    client: new Client(target, grpc.credentials.createInsecure(), {
      'grpc.max_receive_message_length': 64 * 1024 * 1024,
      'grpc.max_send_message_length': 64 * 1024 * 1024,
    }) as GeneratedClient,
  }));
  let turn = 0;
  const failing = (s: (typeof servers)[number]): boolean => s.client.getChannel().getConnectivityState(false) === grpc.connectivityState.TRANSIENT_FAILURE;
  /** The servers in the order a call tries them. */
  const order = (): typeof servers => {
    turn = (turn + 1) % servers.length;
    const rotated = [...servers.slice(turn), ...servers.slice(0, turn)];
    return rotated.sort((a, b) => Number(failing(a)) - Number(failing(b)) || a.inFlight - b.inFlight);
  };
  type Method<Req, Res> = (client: GeneratedClient) => (req: Req, options: grpc.CallOptions, cb: (err: grpc.ServiceError | null, res?: Res) => void) => unknown;
  const once = <Req, Res>(server: (typeof servers)[number], method: Method<Req, Res>, req: Req, deadline: number): Promise<Res> =>
    new Promise((resolve, reject) => {
      server.inFlight += 1;
      method(server.client).call(server.client, req, { deadline }, (err, res) => {
        server.inFlight -= 1;
        if (err) reject(err);
        else resolve(res as Res);
      });
    });
  const call = async <Req, Res>(method: Method<Req, Res>, req: Req): Promise<Res> => {
    const deadline = Date.now() + timeoutMs;
    let last: unknown;
    for (const server of order()) {
      try {
        return await once(server, method, req, deadline);
      } catch (err) {
        last = err;
        if ((err as grpc.ServiceError).code !== GRPC_UNAVAILABLE || Date.now() >= deadline) throw err;
      }
    }
    throw last;
  };
  return {
    embedTexts: async (texts, modelVersion = '') => toEmbeddings(await call((c) => c.embedTexts, { texts, modelVersion })),
    embedImages: async (images, modelVersion = '') => toEmbeddings(await call((c) => c.embedImages, { images, modelVersion })),
    describe: (modelVersion = '') => call((c) => c.describe, { modelVersion }),
    close: () => {
      for (const s of servers) s.client.close();
    },
  };
}
