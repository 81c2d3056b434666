// The tiny deterministic model: a CLIP-shaped pair of ONNX models with seeded random weights,
// written from TypeScript, for fast tests only (its embeddings mean nothing; never report them as
// quality). Same seed → byte-identical files. Written in the layout of a Hugging Face CLIP ONNX
// export, so it also exercises the clip-onnx source:
//   onnx/text_model.onnx     input_ids, attention_mask int64 [N, L] → text_embeds float32 [N, dim]
//                            (embedding table lookup, mean over the attention mask, projection)
//   onnx/vision_model.onnx   pixel_values float32 [N, 3, 32, 32] → image_embeds float32 [N, dim]
//                            (8×8 average pooling to a 4×4 grid, flatten, projection)
//   tokenizer.json           a CLIP-style byte-level BPE with a tiny vocabulary (clip-tokenizer.ts)
//   tokenizer_config.json, preprocessor_config.json (shortest side 32 bicubic, centre crop 32, CLIP mean/std)
//   model.json               { "source": "tiny", "seed", "dim" } (or clip-onnx, or none)
import fs from 'node:fs';
import path from 'node:path';
import { DataType, encodeModel, floatTensor, int64Tensor } from '../onnx/model-proto.ts';
import { CLIP_MEAN, CLIP_STD } from '../sources/clip-preprocessor.ts';
import { clipStyleTokenizerJson, END_TOKEN } from './clip-tokenizer.ts';
import { mulberry32, uniformWeights } from '../util/prng.ts';

export const TINY_IMAGE_SIZE = 32;
const TOKEN_WIDTH = 32;
const GRID = 4;

export interface TinyModelOptions {
  seed?: number;
  dim?: number;
  version?: string;
  /** What model.json says: "tiny" (regenerated from seed when files are missing), "clip-onnx", or no model.json. */
  manifest?: 'tiny' | 'clip-onnx' | 'none';
}

function textModel(seed: number, vocabSize: number, dim: number): Buffer {
  const random = mulberry32(seed * 2 + 1);
  return encodeModel({
    name: 'tiny_text',
    doc: `Vitrina tiny text model, seed ${seed}: table lookup, masked mean, projection`,
    inputs: [
      { name: 'input_ids', elemType: DataType.INT64, dims: ['batch', 'sequence'] },
      { name: 'attention_mask', elemType: DataType.INT64, dims: ['batch', 'sequence'] },
    ],
    outputs: [{ name: 'text_embeds', elemType: DataType.FLOAT, dims: ['batch', dim] }],
    initializers: [
      floatTensor('token_table', [vocabSize, TOKEN_WIDTH], uniformWeights(random, vocabSize * TOKEN_WIDTH, 1)),
      floatTensor('text_projection', [TOKEN_WIDTH, dim], uniformWeights(random, TOKEN_WIDTH * dim, 0.25)),
      int64Tensor('axis_2', [1], [2]),
      int64Tensor('axis_1', [1], [1]),
      floatTensor('min_count', [1], new Float32Array([1e-9])),
    ],
    nodes: [
      { op: 'Gather', inputs: ['token_table', 'input_ids'], outputs: ['token_vectors'] },
      { op: 'Cast', inputs: ['attention_mask'], outputs: ['mask'], attributes: { to: DataType.FLOAT } },
      { op: 'Unsqueeze', inputs: ['mask', 'axis_2'], outputs: ['mask_3d'] },
      { op: 'Mul', inputs: ['token_vectors', 'mask_3d'], outputs: ['masked'] },
      { op: 'ReduceSum', inputs: ['masked', 'axis_1'], outputs: ['summed'], attributes: { keepdims: 0 } },
      { op: 'ReduceSum', inputs: ['mask_3d', 'axis_1'], outputs: ['count'], attributes: { keepdims: 0 } },
      { op: 'Max', inputs: ['count', 'min_count'], outputs: ['count_safe'] },
      { op: 'Div', inputs: ['summed', 'count_safe'], outputs: ['mean'] },
      { op: 'MatMul', inputs: ['mean', 'text_projection'], outputs: ['text_embeds'] },
    ],
  });
}

function visionModel(seed: number, dim: number): Buffer {
  const random = mulberry32(seed * 2 + 2);
  const kernel = TINY_IMAGE_SIZE / GRID;
  const features = 3 * GRID * GRID;
  return encodeModel({
    name: 'tiny_vision',
    doc: `Vitrina tiny vision model, seed ${seed}: ${kernel}x${kernel} average pooling, flatten, projection`,
    inputs: [{ name: 'pixel_values', elemType: DataType.FLOAT, dims: ['batch', 3, TINY_IMAGE_SIZE, TINY_IMAGE_SIZE] }],
    outputs: [{ name: 'image_embeds', elemType: DataType.FLOAT, dims: ['batch', dim] }],
    initializers: [floatTensor('image_projection', [features, dim], uniformWeights(random, features * dim, 0.5))],
    nodes: [
      { op: 'AveragePool', inputs: ['pixel_values'], outputs: ['pooled'], attributes: { kernel_shape: [kernel, kernel], strides: [kernel, kernel] } },
      { op: 'Flatten', inputs: ['pooled'], outputs: ['flat'], attributes: { axis: 1 } },
      { op: 'MatMul', inputs: ['flat', 'image_projection'], outputs: ['image_embeds'] },
    ],
  });
}

/** Every file of the tiny model, by relative path. */
export function tinyModelFiles(options: TinyModelOptions = {}): Map<string, Buffer> {
  const seed = options.seed ?? 1;
  const dim = options.dim ?? 32;
  const version = options.version ?? (seed === 1 ? 'tiny' : `tiny-${seed}`);
  const tokenizer = clipStyleTokenizerJson();
  const vocabSize = Object.keys((tokenizer.model as { vocab: Record<string, number> }).vocab).length;
  const json = (value: unknown): Buffer => Buffer.from(`${JSON.stringify(value, null, 2)}\n`);
  const files = new Map<string, Buffer>([
    ['onnx/text_model.onnx', textModel(seed, vocabSize, dim)],
    ['onnx/vision_model.onnx', visionModel(seed, dim)],
    ['tokenizer.json', json(tokenizer)],
    ['tokenizer_config.json', json({ model_max_length: 77, bos_token: '<|startoftext|>', eos_token: END_TOKEN, pad_token: END_TOKEN, do_lower_case: true })],
    [
      'preprocessor_config.json',
      json({
        crop_size: { height: TINY_IMAGE_SIZE, width: TINY_IMAGE_SIZE },
        do_center_crop: true,
        do_convert_rgb: true,
        do_normalize: true,
        do_rescale: true,
        do_resize: true,
        image_mean: CLIP_MEAN,
        image_processor_type: 'CLIPImageProcessor',
        image_std: CLIP_STD,
        resample: 3,
        rescale_factor: 1 / 255,
        size: { shortest_edge: TINY_IMAGE_SIZE },
      }),
    ],
  ]);
  const manifest = options.manifest ?? 'tiny';
  if (manifest === 'tiny') files.set('model.json', json({ source: 'tiny', name: 'vitrina-tiny', version, seed, dim, description: 'tiny deterministic test model; its embeddings mean nothing' }));
  if (manifest === 'clip-onnx') files.set('model.json', json({ source: 'clip-onnx', name: 'vitrina-tiny', version }));
  return files;
}

/** Writes the tiny model into dir (created); returns dir. */
export function writeTinyModel(dir: string, options: TinyModelOptions = {}): string {
  for (const [file, bytes] of tinyModelFiles(options)) {
    const target = path.join(dir, file);
    fs.mkdirSync(path.dirname(target), { recursive: true });
    fs.writeFileSync(target, bytes);
  }
  return dir;
}

/** "tiny" → seed 1, "tiny-7" → seed 7; undefined for other names. */
export function tinySeedOf(version: string): number | undefined {
  if (version === 'tiny') return 1;
  const match = /^tiny-([1-9][0-9]{0,8})$/.exec(version);
  return match ? Number(match[1]) : undefined;
}
