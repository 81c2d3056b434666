// A per-version adapter: a residual linear map on each side applied after the encoder,
// e = normalize(x + W x + b), so a version can be "the base encoders plus a small learned
// correction" (trained by the MLOps loop). W is dim × dim (row = output), b has dim values; a side
// left out is the identity. Stored next to model.json either as one JSON file
//   adapter.json: { "dim": D, "image": { "weight": [D*D numbers, row-major] | [[...], ...], "bias": [D] }, "text": {...} }
// or as raw float32 little-endian files named in model.json:
//   "adapter": { "format": "float32", "dim": D, "image": { "weight": "adapter-image-weight.f32", "bias": "adapter-image-bias.f32" }, "text": {...} }
import fs from 'node:fs';
import path from 'node:path';
import { l2Normalize } from './runtime/session.ts';

export interface AdapterSide {
  weight: Float32Array;
  bias: Float32Array;
}

export interface Adapter {
  dim: number;
  image?: AdapterSide;
  text?: AdapterSide;
}

/** model.json's "adapter" entry. */
export type AdapterSpec =
  | { format?: 'json'; file?: string }
  | { format: 'float32'; dim: number; image?: { weight: string; bias: string }; text?: { weight: string; bias: string } };

function floats(values: unknown, expected: number, what: string): Float32Array {
  const flat = Array.isArray(values) && Array.isArray(values[0]) ? (values as unknown[][]).flat() : values;
  if (!Array.isArray(flat) || flat.length !== expected || flat.some((v) => typeof v !== 'number')) throw new Error(`adapter ${what}: expected ${expected} numbers`);
  return Float32Array.from(flat as number[]);
}

function readF32(file: string, expected: number): Float32Array {
  const bytes = fs.readFileSync(file);
  if (bytes.length !== expected * 4) throw new Error(`${file}: ${bytes.length} bytes, expected ${expected} float32 values`);
  const out = new Float32Array(expected);
  for (let i = 0; i < expected; i += 1) out[i] = bytes.readFloatLE(i * 4);
  return out;
}

export function loadAdapter(dir: string, spec: AdapterSpec): Adapter {
  if (spec.format === 'float32') {
    const side = (s?: { weight: string; bias: string }): AdapterSide | undefined =>
      s && { weight: readF32(path.join(dir, s.weight), spec.dim * spec.dim), bias: readF32(path.join(dir, s.bias), spec.dim) };
    return { dim: spec.dim, image: side(spec.image), text: side(spec.text) };
  }
  const json = JSON.parse(fs.readFileSync(path.join(dir, spec.file ?? 'adapter.json'), 'utf8')) as {
    dim: number;
    image?: { weight: unknown; bias: unknown };
    text?: { weight: unknown; bias: unknown };
  };
  const side = (s: { weight: unknown; bias: unknown } | undefined, name: string): AdapterSide | undefined =>
    s && { weight: floats(s.weight, json.dim * json.dim, `${name}.weight`), bias: floats(s.bias, json.dim, `${name}.bias`) };
  return { dim: json.dim, image: side(json.image, 'image'), text: side(json.text, 'text') };
}

/** normalize(x + W x + b); x is returned normalised unchanged when the side has no adapter. */
export function applyAdapter(side: AdapterSide | undefined, x: Float32Array): Float32Array {
  if (!side) return x;
  const dim = x.length;
  if (side.bias.length !== dim) throw new Error(`adapter of dimension ${side.bias.length} applied to a ${dim}-dimensional embedding`);
  const out = new Float32Array(dim);
  for (let r = 0; r < dim; r += 1) {
    let sum = x[r]! + side.bias[r]!;
    const row = r * dim;
    for (let c = 0; c < dim; c += 1) sum += side.weight[row + c]! * x[c]!;
    out[r] = sum;
  }
  return l2Normalize(out);
}

export function writeAdapterJson(file: string, adapter: Adapter): void {
  const side = (s?: AdapterSide): { weight: number[]; bias: number[] } | undefined => s && { weight: [...s.weight], bias: [...s.bias] };
  fs.writeFileSync(file, `${JSON.stringify({ dim: adapter.dim, image: side(adapter.image), text: side(adapter.text) })}\n`);
}
