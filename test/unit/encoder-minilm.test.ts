// The base model's locked text tower in onnxruntime-node against onnxruntime in Python: MiniLM
// pooled sentence embeddings (mean over the attention mask, L2) of known sentences, to 1e-4
// (reference values from models/parity/encoder_reference.py, which mirrors the recipe's MiniLM).
import fs from 'node:fs';
import t from 'tap';
import { ensureMiniLm } from '../../models/sources/minilm-artifact.ts';
import { openMiniLm } from '../../models/sources/minilm-text.ts';

const reference = JSON.parse(fs.readFileSync(new URL('./encoder-parity-reference.json', import.meta.url), 'utf8')) as {
  minilm_pooled: Array<{ text: string; pooled: number[] }>;
};

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let max = 0;
  for (let i = 0; i < a.length; i += 1) max = Math.max(max, Math.abs(a[i]! - b[i]!));
  return max;
}

t.test('MiniLM pooled embeddings match onnxruntime in Python to 1e-4', async (t) => {
  const tower = await openMiniLm(ensureMiniLm(), 2);
  t.teardown(() => tower.close());
  const texts = reference.minilm_pooled.map((r) => r.text);
  const pooled = await tower.pooled(texts.map((text) => tower.tokenizer.encode(text)));
  reference.minilm_pooled.forEach((r, i) => {
    t.equal(pooled[i]!.length, 384, 'dimension 384');
    const diff = maxAbsDiff(pooled[i]!, r.pooled);
    t.ok(diff < 1e-4, `${JSON.stringify(r.text)}: max abs diff ${diff.toExponential(2)} < 1e-4`);
  });
  // The same sentence alone (its real length, no padding) gives the same vector.
  const [alone] = await tower.pooled([tower.tokenizer.encode(texts[0]!)]);
  t.ok(maxAbsDiff(alone!, reference.minilm_pooled[0]!.pooled) < 1e-4, 'padding in a batch does not change the pooled vector');
  const norm = Math.hypot(...alone!);
  t.ok(Math.abs(norm - 1) < 1e-5, `L2-normalised (norm ${norm})`);
});
