// Text → token ids through @huggingface/tokenizers reading a Hugging Face tokenizer.json (BERT
// WordPiece and CLIP byte-level BPE alike), with the tokenizer's own special-token template,
// truncation to the model's maximum length (special tokens kept) and per-batch padding to the
// longest text, so a short query runs with its real length.
import fs from 'node:fs';
import { Tokenizer } from '@huggingface/tokenizers';

export interface TokenBatch {
  /** [N, L] int64, row-major. */
  inputIds: BigInt64Array;
  /** [N, L] int64: 1 on real tokens, 0 on padding. */
  attentionMask: BigInt64Array;
  batch: number;
  length: number;
}

export interface TextTokenizerOptions {
  /** Maximum tokens per text, special tokens included. */
  maxLength: number;
  /** Padding id; default: tokenizer.json's padding.pad_id, else the closing special token. */
  padId?: number;
}

export class TextTokenizer {
  readonly maxLength: number;
  readonly padId: number;
  private readonly tokenizer: Tokenizer;
  private readonly prefix: number;
  private readonly suffix: number;

  constructor(json: Record<string, unknown>, options: TextTokenizerOptions) {
    this.tokenizer = new Tokenizer(json, {});
    this.maxLength = options.maxLength;
    // Where the template puts its special tokens: compare "a" with and without them.
    const withSpecials = this.tokenizer.encode('a').ids;
    const plain = this.tokenizer.encode('a', { add_special_tokens: false }).ids;
    const at = indexOfRun(withSpecials, plain);
    this.prefix = at < 0 ? 0 : at;
    this.suffix = at < 0 ? 0 : withSpecials.length - at - plain.length;
    if (this.prefix + this.suffix >= this.maxLength) throw new Error(`maxLength ${this.maxLength} leaves no room for text`);
    const padding = json.padding as { pad_id?: number } | null | undefined;
    this.padId = options.padId ?? padding?.pad_id ?? (this.suffix > 0 ? withSpecials[withSpecials.length - 1]! : 0);
  }

  static fromFile(file: string, options: TextTokenizerOptions): TextTokenizer {
    return new TextTokenizer(JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, unknown>, options);
  }

  /** Token ids of one text with the special tokens, truncated to maxLength (specials kept). */
  encode(text: string): number[] {
    const ids = this.tokenizer.encode(text).ids;
    if (ids.length <= this.maxLength) return ids;
    const keep = this.maxLength - this.prefix - this.suffix;
    return [...ids.slice(0, this.prefix + keep), ...ids.slice(ids.length - this.suffix)];
  }

  /** Pads a batch of encoded texts to the longest of them. */
  pad(encoded: number[][]): TokenBatch {
    const length = Math.max(1, ...encoded.map((ids) => ids.length));
    const inputIds = new BigInt64Array(encoded.length * length).fill(BigInt(this.padId));
    const attentionMask = new BigInt64Array(encoded.length * length);
    encoded.forEach((ids, row) => {
      for (let i = 0; i < ids.length; i += 1) {
        inputIds[row * length + i] = BigInt(ids[i]!);
        attentionMask[row * length + i] = 1n;
      }
    });
    return { inputIds, attentionMask, batch: encoded.length, length };
  }
}

function indexOfRun(haystack: number[], needle: number[]): number {
  outer: for (let i = 0; i + needle.length <= haystack.length; i += 1) {
    for (let j = 0; j < needle.length; j += 1) if (haystack[i + j] !== needle[j]) continue outer;
    return i;
  }
  return -1;
}
