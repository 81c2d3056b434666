// The MiniLM text tower exactly as the base model's recipe runs it (models/recipe/train_base.py,
// class MiniLM): tokenizer.json as shipped (lower-casing BERT normaliser, WordPiece, [CLS] .. [SEP]),
// truncation to 128 tokens, padding to the longest text of the batch, token_type_ids 0,
// last_hidden_state mean-pooled over the attention mask, L2-normalised (eps 1e-12).
import { TextTokenizer } from '../text/tokenizer.ts';
import { acquireSession, releaseSession } from '../runtime/shared-sessions.ts';
import { l2Normalize, ort } from '../runtime/session.ts';
import { MINILM, type MiniLmFiles } from './minilm-artifact.ts';

export interface MiniLmTower {
  tokenizer: TextTokenizer;
  /** Pooled, L2-normalised [N, 384] sentence embeddings of a batch of token id lists. */
  pooled(batch: number[][]): Promise<Float32Array[]>;
  close(): Promise<void>;
}

export const MINILM_PREPROCESSING = `WordPiece (all-MiniLM-L6-v2 tokenizer.json, lower-cased), [CLS] .. [SEP], max ${MINILM.maxTokens} tokens, padded to the longest in the batch, mean pooling over the mask, L2`;

export async function openMiniLm(files: MiniLmFiles, threads?: number): Promise<MiniLmTower> {
  const tokenizer = TextTokenizer.fromFile(files.tokenizer, { maxLength: MINILM.maxTokens });
  const session = await acquireSession(files.onnx, threads);
  return {
    tokenizer,
    async pooled(batch) {
      const { inputIds, attentionMask, batch: n, length } = tokenizer.pad(batch);
      const dims = [n, length];
      const feeds: Record<string, ort.Tensor> = {
        input_ids: new ort.Tensor('int64', inputIds, dims),
        attention_mask: new ort.Tensor('int64', attentionMask, dims),
      };
      if (session.inputNames.includes('token_type_ids')) feeds.token_type_ids = new ort.Tensor('int64', new BigInt64Array(n * length), dims);
      const result = await session.run(feeds, ['last_hidden_state']);
      const hidden = result.last_hidden_state!.data as Float32Array;
      const width = hidden.length / (n * length);
      const out: Float32Array[] = [];
      for (let row = 0; row < n; row += 1) {
        const sum = new Float64Array(width);
        let count = 0;
        for (let t = 0; t < length; t += 1) {
          if (attentionMask[row * length + t] === 0n) continue;
          count += 1;
          const offset = (row * length + t) * width;
          for (let i = 0; i < width; i += 1) sum[i] = sum[i]! + hidden[offset + i]!;
        }
        const mean = new Float32Array(width);
        for (let i = 0; i < width; i += 1) mean[i] = sum[i]! / Math.max(count, 1e-9);
        out.push(l2Normalize(mean));
      }
      return out;
    },
    close: () => releaseSession(files.onnx, threads),
  };
}
