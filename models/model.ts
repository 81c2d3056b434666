// What every model source gives the server: a loaded model version with a text encoder and an
// image encoder sharing one embedding space. Each encoder is split in two steps so the server
// can batch across requests: prepare() checks and preprocesses one input (tokenise; decode and
// resize), run() embeds a batch of prepared inputs into L2-normalised vectors.
export interface Encoder<Input, Prepared> {
  prepare(input: Input): Promise<Prepared>;
  run(batch: Prepared[]): Promise<Float32Array[]>;
}

/** Token ids of one text, special tokens included, already truncated. */
export type TextEncoder = Encoder<string, number[]>;
/** One image as a [3, H, W] float32 tensor. */
export type ImageEncoder = Encoder<Uint8Array, Float32Array>;

export interface ModelDescription {
  name: string;
  version: string;
  dimension: number;
  textPreprocessing: string;
  imagePreprocessing: string;
  /** Where the weights came from: clip-onnx:<dir>, base:<version>, tiny:<seed>, adapter:<base>+<version>. */
  source: string;
}

export interface LoadedModel {
  info: ModelDescription;
  text: TextEncoder;
  image: ImageEncoder;
  embedTexts(texts: string[]): Promise<Float32Array[]>;
  embedImages(images: Uint8Array[]): Promise<Float32Array[]>;
  close(): Promise<void>;
}

export function assembleModel(info: ModelDescription, text: TextEncoder, image: ImageEncoder, close: () => Promise<void>): LoadedModel {
  return {
    info,
    text,
    image,
    embedTexts: async (texts) => text.run(await Promise.all(texts.map((t) => text.prepare(t)))),
    embedImages: async (images) => image.run(await Promise.all(images.map((i) => image.prepare(i)))),
    close,
  };
}
