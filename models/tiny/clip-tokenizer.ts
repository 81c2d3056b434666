// A CLIP-style byte-level BPE tokenizer.json with a tiny vocabulary: the structure of the
// tokenizer.json files Hugging Face publishes for CLIP (NFC + whitespace collapsing + lower-casing,
// CLIP's split pattern, byte-level alphabet, "</w>" end-of-word suffix, <|startoftext|> ..
// <|endoftext|> around every text), with the 256 byte symbols, their "</w>" forms and merges
// that build a few fashion words. Used by the tiny model and by the tokenizer parity tests.

/** GPT-2's reversible byte → printable-character map used by byte-level BPE. */
export function byteToUnicode(): string[] {
  const printable: number[] = [];
  for (let b = 0x21; b <= 0x7e; b += 1) printable.push(b);
  for (let b = 0xa1; b <= 0xac; b += 1) printable.push(b);
  for (let b = 0xae; b <= 0xff; b += 1) printable.push(b);
  const map: string[] = new Array(256);
  for (const b of printable) map[b] = String.fromCodePoint(b);
  let extra = 0;
  for (let b = 0; b < 256; b += 1) {
    if (map[b] === undefined) {
      map[b] = String.fromCodePoint(256 + extra);
      extra += 1;
    }
  }
  return map;
}

/** The byte symbols in the order CLIP's vocabulary lists them (printable ranges first). */
function alphabetInVocabOrder(map: string[]): string[] {
  const order: number[] = [];
  for (let b = 0x21; b <= 0x7e; b += 1) order.push(b);
  for (let b = 0xa1; b <= 0xac; b += 1) order.push(b);
  for (let b = 0xae; b <= 0xff; b += 1) order.push(b);
  for (let b = 0; b < 256; b += 1) if (!order.includes(b)) order.push(b);
  return order.map((b) => map[b]!);
}

export const TINY_WORDS = [
  'shirt', 'shirts', 'shoes', 'sneakers', 'black', 'white', 'blue', 'navy', 'red', 'pink', 'green',
  'men', 'women', 'for', 'jeans', 'watch', 'bag', 'handbag', 'dress', 'top', 'kurta', 'leather', 'casual',
];

export const START_TOKEN = '<|startoftext|>';
export const END_TOKEN = '<|endoftext|>';

/** Merges that build each word left to right ("s h", "sh i", ..., "shir t</w>"). */
function wordMerges(words: string[]): Array<[string, string]> {
  const merges: Array<[string, string]> = [];
  const seen = new Set<string>();
  for (const word of words) {
    const symbols = [...word];
    let left = symbols[0]!;
    for (let i = 1; i < symbols.length; i += 1) {
      const right = i === symbols.length - 1 ? `${symbols[i]}</w>` : symbols[i]!;
      const key = `${left} ${right}`;
      if (!seen.has(key)) {
        seen.add(key);
        merges.push([left, right]);
      }
      left += right;
    }
  }
  return merges;
}

export function clipStyleTokenizerJson(words: string[] = TINY_WORDS): Record<string, unknown> {
  const alphabet = alphabetInVocabOrder(byteToUnicode());
  const tokens = [...alphabet, ...alphabet.map((s) => `${s}</w>`)];
  const merges = wordMerges(words);
  for (const [a, b] of merges) tokens.push(a + b);
  const vocab: Record<string, number> = {};
  for (const token of tokens) if (!(token in vocab)) vocab[token] = Object.keys(vocab).length;
  const startId = Object.keys(vocab).length;
  vocab[START_TOKEN] = startId;
  vocab[END_TOKEN] = startId + 1;
  const special = (id: number, content: string): Record<string, unknown> => ({ id, content, single_word: false, lstrip: false, rstrip: false, normalized: true, special: true });
  return {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: [special(startId, START_TOKEN), special(startId + 1, END_TOKEN)],
    normalizer: {
      type: 'Sequence',
      normalizers: [{ type: 'NFC' }, { type: 'Replace', pattern: { Regex: '\\s+' }, content: ' ' }, { type: 'Lowercase' }],
    },
    pre_tokenizer: {
      type: 'Sequence',
      pretokenizers: [
        {
          type: 'Split',
          pattern: { Regex: "<\\|startoftext\\|>|<\\|endoftext\\|>|'s|'t|'re|'ve|'m|'ll|'d|[\\p{L}]+|[\\p{N}]|[^\\s\\p{L}\\p{N}]+" },
          behavior: 'Removed',
          invert: true,
        },
        { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: false },
      ],
    },
    post_processor: { type: 'RobertaProcessing', sep: [END_TOKEN, startId + 1], cls: [START_TOKEN, startId], trim_offsets: false, add_prefix_space: false },
    decoder: { type: 'ByteLevel', add_prefix_space: true, trim_offsets: true, use_regex: true },
    model: {
      type: 'BPE',
      dropout: null,
      unk_token: END_TOKEN,
      continuing_subword_prefix: '',
      end_of_word_suffix: '</w>',
      fuse_unk: false,
      byte_fallback: false,
      ignore_merges: false,
      vocab,
      merges: merges.map(([a, b]) => `${a} ${b}`),
    },
  };
}
