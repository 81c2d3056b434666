// Exact (brute-force) cosine search over a Float32Array gallery of unit vectors: every query is
// scored against every gallery row and the k best are kept. The product and the top-k run in
// onnxruntime (a two-node graph, MatMul then TopK, written with models/onnx/model-proto.ts), which
// multiplies with a tuned kernel; nothing is approximate.
import { DataType, encodeModel } from '../../models/onnx/model-proto.ts';
import { createSession, ort } from '../../models/runtime/session.ts';

export interface Ranked {
  /** Gallery row indices, queries × k, best first. */
  indices: Int32Array;
  k: number;
}

let sessionPromise: Promise<ort.InferenceSession> | undefined;

function searchModel(): Buffer {
  return encodeModel({
    name: 'exact_cosine_topk',
    doc: 'scores = queries · gallery_t; top-k of each row (largest first)',
    inputs: [
      { name: 'queries', elemType: DataType.FLOAT, dims: ['Q', 'D'] },
      { name: 'gallery_t', elemType: DataType.FLOAT, dims: ['D', 'G'] },
      { name: 'k', elemType: DataType.INT64, dims: [1] },
    ],
    outputs: [
      { name: 'scores', elemType: DataType.FLOAT, dims: ['Q', 'K'] },
      { name: 'indices', elemType: DataType.INT64, dims: ['Q', 'K'] },
    ],
    initializers: [],
    nodes: [
      { op: 'MatMul', inputs: ['queries', 'gallery_t'], outputs: ['all_scores'] },
      { op: 'TopK', inputs: ['all_scores', 'k'], outputs: ['scores', 'indices'], attributes: { axis: -1, largest: 1, sorted: 1 } },
    ],
  });
}

function session(): Promise<ort.InferenceSession> {
  sessionPromise ??= createSession(searchModel());
  return sessionPromise;
}

/** A gallery ready for search: its rows transposed once (D × G). */
export interface Gallery {
  dim: number;
  size: number;
  transposed: ort.Tensor;
}

export function makeGallery(rows: Float32Array, dim: number): Gallery {
  const size = rows.length / dim;
  const t = new Float32Array(rows.length);
  for (let g = 0; g < size; g += 1) for (let c = 0; c < dim; c += 1) t[c * size + g] = rows[g * dim + c]!;
  return { dim, size, transposed: new ort.Tensor('float32', t, [dim, size]) };
}

/** The k nearest gallery rows of each query (queries: Q × dim, row-major). */
export async function searchTopK(queries: Float32Array, gallery: Gallery, k: number, options: { block?: number; tick?: () => Promise<void> } = {}): Promise<Ranked> {
  const s = await session();
  const q = queries.length / gallery.dim;
  const kk = Math.min(k, gallery.size);
  const indices = new Int32Array(q * kk);
  const block = options.block ?? Math.max(1, Math.floor((64 * 1024 * 1024) / 4 / gallery.size));
  const kTensor = new ort.Tensor('int64', BigInt64Array.from([BigInt(kk)]), [1]);
  for (let start = 0; start < q; start += block) {
    const rows = Math.min(block, q - start);
    const input = new ort.Tensor('float32', queries.subarray(start * gallery.dim, (start + rows) * gallery.dim), [rows, gallery.dim]);
    const out = await s.run({ queries: input, gallery_t: gallery.transposed, k: kTensor });
    const found = out.indices!.data as BigInt64Array;
    for (let i = 0; i < found.length; i += 1) indices[start * kk + i] = Number(found[i]!);
    await options.tick?.();
  }
  return { indices, k: kk };
}
