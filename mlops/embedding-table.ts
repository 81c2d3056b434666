// Embeddings of a set of products as two row-major Float32Array matrices (image and text), rows in
// the order of `ids`, and their binary form: "VEMB1", a uint32 header length, a JSON header
// {version, dim, ids, text}, then the image matrix and (when text is true) the text matrix, as
// float32 little-endian. A table of images only has an empty text matrix.
export interface EmbeddingTable {
  version: string;
  dim: number;
  ids: number[];
  image: Float32Array;
  text: Float32Array;
}

const MAGIC = Buffer.from('VEMB1');

export function encodeTable(table: EmbeddingTable): Buffer {
  const header = Buffer.from(JSON.stringify({ version: table.version, dim: table.dim, ids: table.ids, text: table.text.length > 0 }));
  const size = MAGIC.length + 4 + header.length + (table.image.length + table.text.length) * 4;
  const out = Buffer.alloc(size);
  MAGIC.copy(out, 0);
  out.writeUInt32LE(header.length, MAGIC.length);
  header.copy(out, MAGIC.length + 4);
  let offset = MAGIC.length + 4 + header.length;
  for (const matrix of [table.image, table.text]) {
    for (let i = 0; i < matrix.length; i += 1) out.writeFloatLE(matrix[i]!, offset + i * 4);
    offset += matrix.length * 4;
  }
  return out;
}

export function decodeTable(bytes: Buffer): EmbeddingTable {
  if (!bytes.subarray(0, MAGIC.length).equals(MAGIC)) throw new Error('not an embedding table (bad magic)');
  const headerLength = bytes.readUInt32LE(MAGIC.length);
  const start = MAGIC.length + 4;
  const header = JSON.parse(bytes.subarray(start, start + headerLength).toString('utf8')) as { version: string; dim: number; ids: number[]; text?: boolean };
  const count = header.ids.length * header.dim;
  const hasText = header.text !== false;
  let offset = start + headerLength;
  const expected = offset + count * 4 * (hasText ? 2 : 1);
  if (bytes.length !== expected) throw new Error(`embedding table of ${bytes.length} bytes, expected ${expected}`);
  const read = (): Float32Array => {
    const m = new Float32Array(count);
    for (let i = 0; i < count; i += 1) m[i] = bytes.readFloatLE(offset + i * 4);
    offset += count * 4;
    return m;
  };
  const image = read();
  const text = hasText ? read() : new Float32Array(0);
  return { version: header.version, dim: header.dim, ids: header.ids, image, text };
}

/** Row i of a row-major matrix of width dim, as a view. */
export function rowOf(matrix: Float32Array, dim: number, i: number): Float32Array {
  return matrix.subarray(i * dim, (i + 1) * dim);
}

/** The rows of `ids` (which must all be in the table), in that order. */
export function selectRows(table: EmbeddingTable, ids: number[]): EmbeddingTable {
  const index = new Map(table.ids.map((id, i) => [id, i]));
  const image = new Float32Array(ids.length * table.dim);
  const text = new Float32Array(ids.length * table.dim);
  ids.forEach((id, r) => {
    const i = index.get(id);
    if (i === undefined) throw new Error(`product ${id} is not in the embedding table of ${table.version}`);
    image.set(rowOf(table.image, table.dim, i), r * table.dim);
    text.set(rowOf(table.text, table.dim, i), r * table.dim);
  });
  return { version: table.version, dim: table.dim, ids: [...ids], image, text };
}
