// The tiny deterministic test model: written from TypeScript as ONNX, the same seed gives
// byte-identical files, another seed other weights, and onnxruntime reads the graphs.
import crypto from 'node:crypto';
import t from 'tap';
import { createSession } from '../../models/runtime/session.ts';
import { tinyModelFiles, tinySeedOf } from '../../models/tiny/generate.ts';

const digest = (files: Map<string, Buffer>): Record<string, string> =>
  Object.fromEntries([...files].map(([name, bytes]) => [name, crypto.createHash('sha256').update(bytes).digest('hex')]));

t.test('the same seed gives byte-identical files; another seed other weights', async (t) => {
  const a = digest(tinyModelFiles({ seed: 7 }));
  t.same(digest(tinyModelFiles({ seed: 7 })), a, 'seed 7 twice');
  const b = digest(tinyModelFiles({ seed: 8 }));
  t.not(b['onnx/text_model.onnx'], a['onnx/text_model.onnx']);
  t.not(b['onnx/vision_model.onnx'], a['onnx/vision_model.onnx']);
  t.equal(b['tokenizer.json'], a['tokenizer.json'], 'the tokenizer does not depend on the seed');
  t.same(Object.keys(a).sort(), ['model.json', 'onnx/text_model.onnx', 'onnx/vision_model.onnx', 'preprocessor_config.json', 'tokenizer.json', 'tokenizer_config.json']);
});

t.test('onnxruntime reads the graphs with the CLIP export inputs and outputs', async (t) => {
  const files = tinyModelFiles({ seed: 1, dim: 16 });
  const text = await createSession(files.get('onnx/text_model.onnx')!, { threads: 1 });
  const vision = await createSession(files.get('onnx/vision_model.onnx')!, { threads: 1 });
  t.teardown(async () => {
    await text.release();
    await vision.release();
  });
  t.same(text.inputNames, ['input_ids', 'attention_mask']);
  t.same(text.outputNames, ['text_embeds']);
  t.same(vision.inputNames, ['pixel_values']);
  t.same(vision.outputNames, ['image_embeds']);
});

t.test('version names of generated tiny models', async (t) => {
  t.equal(tinySeedOf('tiny'), 1);
  t.equal(tinySeedOf('tiny-42'), 42);
  t.equal(tinySeedOf('tiny-0'), undefined);
  t.equal(tinySeedOf('base-v1'), undefined);
});
