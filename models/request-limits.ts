// The checks every request passes before it reaches a model: batch size, text length, image
// size. A failed check is an InvalidInputError (INVALID_ARGUMENT) naming the offending item.
import { InvalidInputError } from './errors.ts';

export interface RequestLimits {
  /** Items per request, and per ONNX run. */
  maxBatch: number;
  maxImageBytes: number;
  /** Characters per text (texts are truncated to the model's token limit as well). */
  maxTextChars: number;
}

function checkCount(count: number, what: string, limits: RequestLimits): void {
  if (count === 0) throw new InvalidInputError(`no ${what} given: send 1 to ${limits.maxBatch}`);
  if (count > limits.maxBatch) throw new InvalidInputError(`${count} ${what} in one request; the limit is ${limits.maxBatch}`);
}

export function checkTexts(texts: string[], limits: RequestLimits): void {
  checkCount(texts.length, 'texts', limits);
  texts.forEach((text, i) => {
    if (text.trim().length === 0) throw new InvalidInputError(`texts[${i}] is empty`);
    if (text.length > limits.maxTextChars) throw new InvalidInputError(`texts[${i}] has ${text.length} characters; the limit is ${limits.maxTextChars}`);
  });
}

export function checkImages(images: Uint8Array[], limits: RequestLimits): void {
  checkCount(images.length, 'images', limits);
  images.forEach((image, i) => {
    if (image.length === 0) throw new InvalidInputError(`images[${i}] is empty`);
    if (image.length > limits.maxImageBytes) throw new InvalidInputError(`images[${i}] is ${image.length} bytes; the limit is ${limits.maxImageBytes}`);
  });
}

/** Runs prepare on every item, naming the first item that fails. */
export async function prepareAll<I, P>(items: I[], what: string, prepare: (item: I) => Promise<P>): Promise<P[]> {
  return Promise.all(
    items.map((item, i) =>
      prepare(item).catch((err: unknown) => {
        if (err instanceof InvalidInputError) throw new InvalidInputError(`${what}[${i}]: ${err.message}`);
        throw err;
      }),
    ),
  );
}
