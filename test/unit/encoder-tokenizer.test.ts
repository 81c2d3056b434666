// Token ids from the TypeScript tokenizer (@huggingface/tokenizers) against the Python
// `tokenizers` package on the same tokenizer.json files (reference values computed once with
// models/parity/encoder_reference.py): BERT WordPiece of all-MiniLM-L6-v2 (fetched from Maven
// Central through the model cache) and the CLIP-style byte-level BPE of the tiny model.
import t from 'tap';
import { ensureMiniLm, MINILM } from '../../models/sources/minilm-artifact.ts';
import { TextTokenizer } from '../../models/text/tokenizer.ts';
import { clipStyleTokenizerJson } from '../../models/tiny/clip-tokenizer.ts';

const LONG_TEXT = Array(40).fill('blue denim jeans with a slim fit and five pockets').join(' ');

const WORDPIECE: Array<[string, number[]]> = [
  ['white sneakers for men', [101, 2317, 28130, 2005, 2273, 102]],
  ["Women's Gold Earrings", [101, 2308, 1005, 1055, 2751, 27212, 102]],
  ['  Navy-Blue CHECK shirt, 100% cotton!  ', [101, 3212, 1011, 2630, 4638, 3797, 1010, 2531, 1003, 6557, 999, 102]],
  ['Café naïve résumé', [101, 7668, 15743, 13746, 102]],
  ['東京 fashion 😀 week', [101, 1879, 1755, 4827, 100, 2733, 102]],
  ['t-shirt/kurta & jeans (x2)', [101, 1056, 1011, 3797, 1013, 9679, 2050, 1004, 6312, 1006, 1060, 2475, 1007, 102]],
];
// Python: 128 ids, [CLS] + 126 text tokens + [SEP].
const WORDPIECE_LONG = { length: 128, head: [101, 2630, 26762, 6312, 2007, 1037, 11754, 4906, 1998, 2274, 10306, 2630], tail: [2007, 1037, 11754, 102] };

const BPE: Array<[string, number[]]> = [
  ['white sneakers for men', [595, 535, 527, 557, 551, 596]],
  ["Women's  Black   Leather Handbag!!", [595, 552, 551, 6, 338, 531, 589, 570, 567, 0, 256, 596]],
  ['Navy-blue shirts, 2 pcs', [595, 540, 268, 537, 517, 267, 273, 79, 66, 338, 596]],
  ['Café naïve 東京 😀', [595, 590, 69, 127, 358, 538, 127, 107, 85, 324, 162, 251, 109, 160, 118, 361, 172, 253, 246, 478, 596]],
  ['shirt shirts shirtss', [595, 515, 517, 516, 82, 338, 596]],
  ['RED dress\tand\npink top', [595, 542, 67, 541, 82, 338, 64, 77, 323, 545, 579, 596]],
];
// Python (truncation 77): <|startoftext|> + 75 tokens + <|endoftext|>.
const BPE_LONG = { length: 77, head: [595, 537, 67, 68, 77, 72, 332, 561, 86, 72, 83, 327], tail: [68, 77, 72, 332, 561, 86, 72, 596] };

t.test('WordPiece (all-MiniLM-L6-v2 tokenizer.json) matches Python tokenizers', async (t) => {
  const files = ensureMiniLm();
  const tokenizer = TextTokenizer.fromFile(files.tokenizer, { maxLength: MINILM.maxTokens });
  for (const [text, ids] of WORDPIECE) t.same(tokenizer.encode(text), ids, JSON.stringify(text));
  const long = tokenizer.encode(LONG_TEXT);
  t.equal(long.length, WORDPIECE_LONG.length, 'truncated to 128 tokens, special tokens included');
  t.same(long.slice(0, WORDPIECE_LONG.head.length), WORDPIECE_LONG.head);
  t.same(long.slice(-WORDPIECE_LONG.tail.length), WORDPIECE_LONG.tail, 'ends with [SEP] like Python');
  t.equal(tokenizer.padId, 0, 'pads with [PAD] (tokenizer.json padding.pad_id)');
});

t.test('CLIP-style byte-level BPE matches Python tokenizers', async (t) => {
  const tokenizer = new TextTokenizer(clipStyleTokenizerJson(), { maxLength: 77 });
  for (const [text, ids] of BPE) t.same(tokenizer.encode(text), ids, JSON.stringify(text));
  const long = tokenizer.encode(LONG_TEXT);
  t.equal(long.length, BPE_LONG.length, 'truncated to 77 tokens');
  t.same(long.slice(0, BPE_LONG.head.length), BPE_LONG.head);
  t.same(long.slice(-BPE_LONG.tail.length), BPE_LONG.tail, 'ends with <|endoftext|> like Python');
  t.equal(tokenizer.padId, 596, 'pads with <|endoftext|>, as CLIP does');
});

t.test('a batch is padded to its longest text, a single text keeps its real length', async (t) => {
  const tokenizer = new TextTokenizer(clipStyleTokenizerJson(), { maxLength: 77 });
  const single = tokenizer.pad([tokenizer.encode('white sneakers for men')]);
  t.equal(single.length, 6, 'no padding to 77 for one text');
  const batch = tokenizer.pad([[595, 1, 596], [595, 1, 2, 3, 596]]);
  t.equal(batch.length, 5);
  t.same([...batch.inputIds], [595n, 1n, 596n, 596n, 596n, 595n, 1n, 2n, 3n, 596n]);
  t.same([...batch.attentionMask], [1n, 1n, 1n, 0n, 0n, 1n, 1n, 1n, 1n, 1n]);
});
