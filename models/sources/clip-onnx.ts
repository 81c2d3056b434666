// Source "clip-onnx": a CLIP model exported to ONNX the way Hugging Face repositories publish it
// (separate text and vision models, e.g. onnx/text_model.onnx with input_ids/attention_mask →
// text_embeds and onnx/vision_model.onnx with pixel_values → image_embeds, plus tokenizer.json
// and preprocessor_config.json), read from the version directory or downloaded into it from a URL.
import fs from 'node:fs';
import path from 'node:path';
import { describePreprocessing, outputSize, preprocessImage } from '../image/preprocess.ts';
import type { ClipOnnxFiles, VersionManifest } from '../manifest.ts';
import { assembleModel, type ImageEncoder, type LoadedModel, type TextEncoder } from '../model.ts';
import { createSession, normalizedRows, ort, outputName, stackImages } from '../runtime/session.ts';
import { TextTokenizer } from '../text/tokenizer.ts';
import { readJsonIfExists } from '../util/files.ts';
import { clipPreprocessing, type PreprocessorConfig } from './clip-preprocessor.ts';
import type { LoadContext } from './context.ts';
import { downloadModelFiles } from './download.ts';

const CANDIDATES: Required<ClipOnnxFiles> = {
  text: 'onnx/text_model.onnx',
  vision: 'onnx/vision_model.onnx',
  tokenizer: 'tokenizer.json',
  preprocessor: 'preprocessor_config.json',
};

function pick(dir: string, named: string | undefined, preferred: string): string {
  if (named) return named;
  if (fs.existsSync(path.join(dir, preferred))) return preferred;
  const flat = path.basename(preferred);
  return fs.existsSync(path.join(dir, flat)) ? flat : preferred;
}

/** The text length limit: model.json, else tokenizer_config.json, else config.json, else CLIP's 77. */
function maxTextTokens(dir: string, manifest: VersionManifest): number {
  if (manifest.maxTextTokens) return manifest.maxTextTokens;
  const tokenizerConfig = readJsonIfExists<{ model_max_length?: number }>(path.join(dir, 'tokenizer_config.json'));
  if (tokenizerConfig?.model_max_length && tokenizerConfig.model_max_length < 100_000) return tokenizerConfig.model_max_length;
  const config = readJsonIfExists<{ text_config?: { max_position_embeddings?: number } }>(path.join(dir, 'config.json'));
  return config?.text_config?.max_position_embeddings ?? 77;
}

export async function loadClipOnnx(dir: string, manifest: VersionManifest, ctx: LoadContext, source = `clip-onnx:${dir}`): Promise<LoadedModel> {
  if (manifest.url) {
    await downloadModelFiles(manifest.url, dir, {
      required: [manifest.files?.text ?? CANDIDATES.text, manifest.files?.vision ?? CANDIDATES.vision, manifest.files?.tokenizer ?? CANDIDATES.tokenizer, manifest.files?.preprocessor ?? CANDIDATES.preprocessor],
      optional: ['tokenizer_config.json', 'config.json'],
      sha256: manifest.sha256 ?? {},
      log: ctx.log,
    });
  }
  const files = {
    text: pick(dir, manifest.files?.text, CANDIDATES.text),
    vision: pick(dir, manifest.files?.vision, CANDIDATES.vision),
    tokenizer: pick(dir, manifest.files?.tokenizer, CANDIDATES.tokenizer),
    preprocessor: pick(dir, manifest.files?.preprocessor, CANDIDATES.preprocessor),
  };
  for (const file of Object.values(files)) if (!fs.existsSync(path.join(dir, file))) throw new Error(`clip-onnx model ${dir}: missing ${file}`);
  const tokenizer = TextTokenizer.fromFile(path.join(dir, files.tokenizer), { maxLength: maxTextTokens(dir, manifest) });
  const preprocessing = clipPreprocessing(JSON.parse(fs.readFileSync(path.join(dir, files.preprocessor), 'utf8')) as PreprocessorConfig);
  const { width, height } = outputSize(preprocessing);
  const textSession = await createSession(path.join(dir, files.text), { threads: ctx.threads });
  const visionSession = await createSession(path.join(dir, files.vision), { threads: ctx.threads });
  const textOut = outputName(textSession, [manifest.textOutput ?? 'text_embeds', 'text_embeds', 'embeddings', 'sentence_embedding']);
  const imageOut = outputName(visionSession, [manifest.imageOutput ?? 'image_embeds', 'image_embeds', 'embeddings']);

  const text: TextEncoder = {
    prepare: async (input) => tokenizer.encode(input),
    async run(batch) {
      const { inputIds, attentionMask, batch: n, length } = tokenizer.pad(batch);
      const dims = [n, length];
      const feeds: Record<string, ort.Tensor> = { input_ids: new ort.Tensor('int64', inputIds, dims) };
      if (textSession.inputNames.includes('attention_mask')) feeds.attention_mask = new ort.Tensor('int64', attentionMask, dims);
      if (textSession.inputNames.includes('token_type_ids')) feeds.token_type_ids = new ort.Tensor('int64', new BigInt64Array(n * length), dims);
      const result = await textSession.run(feeds, [textOut]);
      return normalizedRows(result[textOut]!.data as Float32Array, n);
    },
  };
  const image: ImageEncoder = {
    prepare: (bytes) => preprocessImage(bytes, preprocessing),
    async run(batch) {
      const result = await visionSession.run({ pixel_values: stackImages(batch, height, width) }, [imageOut]);
      return normalizedRows(result[imageOut]!.data as Float32Array, batch.length);
    },
  };
  // The dimension is what the text model outputs for one short text.
  const [probe] = await text.run([await text.prepare('a')]);
  const info = {
    name: manifest.name ?? 'clip',
    version: manifest.version ?? path.basename(dir),
    dimension: probe!.length,
    textPreprocessing: `byte-level BPE / WordPiece (${files.tokenizer}), max ${tokenizer.maxLength} tokens, padded to the longest in the batch, ${textOut}, L2`,
    imagePreprocessing: `${describePreprocessing(preprocessing)}, ${imageOut}, L2`,
    source,
  };
  return assembleModel(info, text, image, async () => {
    await textSession.release();
    await visionSession.release();
  });
}
