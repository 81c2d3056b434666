// The challenger's trainable part and its loss, with hand-written gradients. Each side (image,
// text) maps a frozen, L2-normalised encoder output x to e = normalize(x + W x + b), W (dim × dim,
// row = output) and b starting at zero, so an untrained adapter is the identity. The loss is the
// symmetric InfoNCE of CLIP over a batch of B image/title pairs:
//   S = exp(logScale) · E_img E_txtᵀ,  L = −(1/2B) Σ_i [log softmax_row(S)_ii + log softmax_col(S)_ii]
// Gradients, with G = ∂L/∂S = ((P − I) + (Q − I)) / 2B (P row softmax, Q column softmax):
//   ∂L/∂E_img = s G E_txt,  ∂L/∂E_txt = s Gᵀ E_img,  ∂L/∂logScale = Σ G ∘ S
//   through e = u/|u|: ∂L/∂u = (∂L/∂e − e (e · ∂L/∂e)) / |u|;  ∂L/∂W = Σ_i (∂L/∂u_i) x_iᵀ,  ∂L/∂b = Σ_i ∂L/∂u_i
// Parameters and intermediates are float64 (exact enough for a finite-difference check); the
// artifacts are written as float32.
import { addMatMulAtB, matMulAB, matMulABt } from './linalg.ts';

export interface SideParams {
  weight: Float64Array; // dim × dim, row-major
  bias: Float64Array; // dim
}

export interface AdapterParams {
  dim: number;
  image: SideParams;
  text: SideParams;
  /** log of the inverse temperature. */
  logScale: number;
}

export interface PairData {
  dim: number;
  /** Frozen image embeddings, row-major (n × dim). */
  image: Float32Array;
  /** Frozen text embeddings of the matching titles, same rows. */
  text: Float32Array;
}

export const MAX_LOG_SCALE = Math.log(100);

export function identityParams(dim: number, temperature: number): AdapterParams {
  const side = (): SideParams => ({ weight: new Float64Array(dim * dim), bias: new Float64Array(dim) });
  return { dim, image: side(), text: side(), logScale: Math.log(1 / temperature) };
}

export function cloneParams(p: AdapterParams): AdapterParams {
  const side = (s: SideParams): SideParams => ({ weight: Float64Array.from(s.weight), bias: Float64Array.from(s.bias) });
  return { dim: p.dim, image: side(p.image), text: side(p.text), logScale: p.logScale };
}

interface SideForward {
  x: Float64Array; // B × d inputs
  e: Float64Array; // B × d outputs
  norm: Float64Array; // B norms of u
}

function gather(source: Float32Array, dim: number, rows: ArrayLike<number>): Float64Array {
  const out = new Float64Array(rows.length * dim);
  for (let i = 0; i < rows.length; i += 1) {
    const from = rows[i]! * dim;
    for (let c = 0; c < dim; c += 1) out[i * dim + c] = source[from + c]!;
  }
  return out;
}

/** e_i = normalize(x_i + W x_i + b) for each row (W x skipped for a frozen side, whose W is zero). */
function forwardSide(side: SideParams, x: Float64Array, batch: number, dim: number, frozen = false): SideForward {
  const e = new Float64Array(batch * dim);
  if (!frozen) matMulABt(x, side.weight, batch, dim, dim, e);
  const norm = new Float64Array(batch);
  const { bias } = side;
  for (let i = 0; i < batch; i += 1) {
    const o = i * dim;
    let sq = 0;
    for (let r = 0; r < dim; r += 1) {
      const u = e[o + r]! + x[o + r]! + bias[r]!;
      e[o + r] = u;
      sq += u * u;
    }
    const n = Math.sqrt(sq) || 1e-12;
    norm[i] = n;
    const inv = 1 / n;
    for (let r = 0; r < dim; r += 1) e[o + r] = e[o + r]! * inv;
  }
  return { x, e, norm };
}

/** Accumulates ∂L/∂W and ∂L/∂b of one side from ∂L/∂e. */
function backwardSide(f: SideForward, de: Float64Array, batch: number, dim: number, grad: SideParams): void {
  const du = new Float64Array(batch * dim);
  for (let i = 0; i < batch; i += 1) {
    const o = i * dim;
    let dot = 0;
    for (let r = 0; r < dim; r += 1) dot += f.e[o + r]! * de[o + r]!;
    const inv = 1 / f.norm[i]!;
    for (let r = 0; r < dim; r += 1) {
      const g = (de[o + r]! - f.e[o + r]! * dot) * inv;
      du[o + r] = g;
      grad.bias[r] = grad.bias[r]! + g;
    }
  }
  addMatMulAtB(du, f.x, batch, dim, dim, grad.weight);
}

export interface LossResult {
  loss: number;
  grad: AdapterParams;
}

/**
 * The symmetric InfoNCE loss of a batch (row indices into the data) and its gradients. A side not
 * in `trained` is frozen at the identity: its W x and its gradients are skipped (left zero).
 */
export function lossAndGradients(params: AdapterParams, data: PairData, rows: ArrayLike<number>, trained: 'both' | 'text' | 'image' = 'both'): LossResult {
  const d = params.dim;
  const b = rows.length;
  const imageFrozen = trained === 'text';
  const textFrozen = trained === 'image';
  const img = forwardSide(params.image, gather(data.image, d, rows), b, d, imageFrozen);
  const txt = forwardSide(params.text, gather(data.text, d, rows), b, d, textFrozen);
  const scale = Math.exp(params.logScale);
  const s = new Float64Array(b * b);
  matMulABt(img.e, txt.e, b, b, d, s);
  for (let k = 0; k < b * b; k += 1) s[k] = s[k]! * scale;
  // G = ∂L/∂S, built from the row softmax (image → text) and the column softmax (text → image).
  const g = new Float64Array(b * b);
  let loss = 0;
  const half = 1 / (2 * b);
  for (let i = 0; i < b; i += 1) {
    let max = -Infinity;
    for (let j = 0; j < b; j += 1) max = Math.max(max, s[i * b + j]!);
    let z = 0;
    for (let j = 0; j < b; j += 1) z += Math.exp(s[i * b + j]! - max);
    const logZ = max + Math.log(z);
    loss -= (s[i * b + i]! - logZ) * half;
    for (let j = 0; j < b; j += 1) g[i * b + j] = g[i * b + j]! + (Math.exp(s[i * b + j]! - logZ) - (i === j ? 1 : 0)) * half;
  }
  for (let j = 0; j < b; j += 1) {
    let max = -Infinity;
    for (let i = 0; i < b; i += 1) max = Math.max(max, s[i * b + j]!);
    let z = 0;
    for (let i = 0; i < b; i += 1) z += Math.exp(s[i * b + j]! - max);
    const logZ = max + Math.log(z);
    loss -= (s[j * b + j]! - logZ) * half;
    for (let i = 0; i < b; i += 1) g[i * b + j] = g[i * b + j]! + (Math.exp(s[i * b + j]! - logZ) - (i === j ? 1 : 0)) * half;
  }
  let dLogScale = 0;
  for (let k = 0; k < b * b; k += 1) {
    dLogScale += g[k]! * s[k]!;
    g[k] = g[k]! * scale; // from here on, s·G
  }
  const grad = identityParams(d, 1);
  grad.logScale = dLogScale;
  if (!imageFrozen) {
    const deImg = new Float64Array(b * d);
    matMulAB(g, txt.e, b, b, d, deImg);
    backwardSide(img, deImg, b, d, grad.image);
  }
  if (!textFrozen) {
    const deTxt = new Float64Array(b * d);
    const gT = new Float64Array(b * b);
    for (let i = 0; i < b; i += 1) for (let j = 0; j < b; j += 1) gT[j * b + i] = g[i * b + j]!;
    matMulAB(gT, img.e, b, b, d, deTxt);
    backwardSide(txt, deTxt, b, d, grad.text);
  }
  return { loss, grad };
}

/** The adapter's output for one frozen embedding (what the model server computes, in float64). */
export function applySide(side: SideParams, x: ArrayLike<number>, dim: number): Float32Array {
  const f = forwardSide(side, Float64Array.from(x as ArrayLike<number>), 1, dim);
  return Float32Array.from(f.e);
}

/** Applies one side to every row of a matrix (n × dim). */
export function applySideToMatrix(side: SideParams, matrix: Float32Array, dim: number): Float32Array {
  const n = matrix.length / dim;
  const out = new Float32Array(matrix.length);
  const chunk = 512;
  for (let start = 0; start < n; start += chunk) {
    const rows = Math.min(chunk, n - start);
    const x = new Float64Array(rows * dim);
    for (let k = 0; k < rows * dim; k += 1) x[k] = matrix[start * dim + k]!;
    out.set(forwardSide(side, x, rows, dim).e, start * dim);
  }
  return out;
}
