// onnxruntime-node sessions with Vitrina's thread settings, and the small tensor helpers the
// encoders share (L2 normalisation, splitting a batch output into vectors).
import os from 'node:os';
import * as ort from 'onnxruntime-node';
import { processSettings } from '../../platform/env-table.ts';

export { ort };

export interface SessionOptions {
  /** Intra-op threads; default VITRINA_MODEL_THREADS or the number of CPUs (at most 4). */
  threads?: number;
}

/** VITRINA_MODEL_THREADS of the process's settings, else the CPUs (at most 4). */
export function defaultThreads(): number {
  return processSettings().VITRINA_MODEL_THREADS ?? Math.max(1, Math.min(4, os.availableParallelism()));
}

export async function createSession(file: string | Uint8Array, options: SessionOptions = {}): Promise<ort.InferenceSession> {
  const settings: ort.InferenceSession.SessionOptions = {
    intraOpNumThreads: options.threads ?? defaultThreads(),
    interOpNumThreads: 1,
    executionMode: 'sequential',
    graphOptimizationLevel: 'all',
    // Idle onnxruntime threads spin by default, taking the CPU the Node thread needs for gRPC and
    // preprocessing between runs; VITRINA_ORT_SPIN=1 turns spinning back on.
    extra: { session: { intra_op: { allow_spinning: processSettings().VITRINA_ORT_SPIN ? '1' : '0' } } },
  };
  return typeof file === 'string' ? ort.InferenceSession.create(file, settings) : ort.InferenceSession.create(file, settings);
}

/** The output to read: the named one, else the first. */
export function outputName(session: ort.InferenceSession, preferred: string[]): string {
  for (const name of preferred) if (session.outputNames.includes(name)) return name;
  const first = session.outputNames[0];
  if (!first) throw new Error('the ONNX model has no outputs');
  return first;
}

/** Rows of a [N, D] float32 tensor, each scaled to unit length (x / max(‖x‖, 1e-12)). */
export function normalizedRows(data: Float32Array, rows: number): Float32Array[] {
  const dim = data.length / rows;
  const out: Float32Array[] = [];
  for (let r = 0; r < rows; r += 1) {
    const row = data.slice(r * dim, (r + 1) * dim);
    out.push(l2Normalize(row));
  }
  return out;
}

export function l2Normalize(v: Float32Array): Float32Array {
  let sum = 0;
  for (let i = 0; i < v.length; i += 1) sum += v[i]! * v[i]!;
  const norm = Math.max(Math.sqrt(sum), 1e-12);
  for (let i = 0; i < v.length; i += 1) v[i] = v[i]! / norm;
  return v;
}

/** Stacks [3, H, W] images into one [N, 3, H, W] tensor. */
export function stackImages(images: Float32Array[], height: number, width: number): ort.Tensor {
  const size = 3 * height * width;
  const data = new Float32Array(images.length * size);
  images.forEach((img, i) => {
    if (img.length !== size) throw new Error(`image tensor of ${img.length} values, expected ${size}`);
    data.set(img, i * size);
  });
  return new ort.Tensor('float32', data, [images.length, 3, height, width]);
}
