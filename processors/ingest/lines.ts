// Lines of a text file read as a stream of bytes, in bounded memory: a line longer than the limit is
// skipped up to its newline and reported, a line that is not UTF-8 is reported instead of decoded with
// replacement characters, CRLF endings and a byte order mark at the start are accepted.
import fs from 'node:fs';

export type FileLine = { number: number; text: string } | { number: number; error: 'line-too-long' | 'not-utf8'; detail: string };

export const MAX_LINE_BYTES = 64 * 1024;
const NEWLINE = 0x0a;

function decode(bytes: Buffer, number: number): FileLine {
  let end = bytes.length;
  if (end > 0 && bytes[end - 1] === 0x0d) end -= 1;
  let start = 0;
  if (number === 1 && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) start = 3;
  try {
    return { number, text: new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(start, end)) };
  } catch {
    const bad = bytes.subarray(start, end).toString('latin1').slice(0, 80);
    return { number, error: 'not-utf8', detail: `line ${number}: not UTF-8: ${JSON.stringify(bad)}` };
  }
}

export async function* readLines(file: string, maxLineBytes = MAX_LINE_BYTES): AsyncGenerator<FileLine> {
  let parts: Buffer[] = [];
  let partsBytes = 0;
  let tooLong = false;
  let number = 0;
  for await (const chunk of fs.createReadStream(file, { highWaterMark: 64 * 1024 }) as AsyncIterable<Buffer>) {
    let start = 0;
    for (let nl = chunk.indexOf(NEWLINE, start); nl >= 0; nl = chunk.indexOf(NEWLINE, start)) {
      number += 1;
      const piece = chunk.subarray(start, nl);
      start = nl + 1;
      if (tooLong || partsBytes + piece.length > maxLineBytes) {
        yield { number, error: 'line-too-long', detail: `line ${number}: longer than ${maxLineBytes} bytes` };
      } else {
        yield decode(parts.length === 0 ? piece : Buffer.concat([...parts, piece]), number);
      }
      parts = [];
      partsBytes = 0;
      tooLong = false;
    }
    const rest = chunk.subarray(start);
    if (rest.length === 0 || tooLong) continue;
    if (partsBytes + rest.length > maxLineBytes) {
      tooLong = true; // keep nothing more of this line, only remember to report it
      parts = [];
      partsBytes = 0;
    } else {
      parts.push(Buffer.from(rest)); // a copy: the stream may reuse its chunk
      partsBytes += rest.length;
    }
  }
  if (tooLong) yield { number: number + 1, error: 'line-too-long', detail: `line ${number + 1}: longer than ${maxLineBytes} bytes` };
  else if (partsBytes > 0) yield decode(Buffer.concat(parts), number + 1);
}
