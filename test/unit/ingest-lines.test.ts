// The streaming line reader and the JPEG frame reader of ingest, on files and bytes the test makes.
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import t from 'tap';
import { jpegFrame } from '../../processors/ingest/jpeg-frame.ts';
import { readLines, type FileLine } from '../../processors/ingest/lines.ts';

function file(bytes: Buffer): string {
  const p = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'vitrina-lines-')), 'f.csv');
  fs.writeFileSync(p, bytes);
  return p;
}

async function all(p: string, max?: number): Promise<FileLine[]> {
  const out: FileLine[] = [];
  for await (const line of readLines(p, max)) out.push(line);
  return out;
}

t.test('thousands of lines of random lengths across chunk boundaries come back exactly, CRLF or LF', async (t) => {
  const lines: string[] = [];
  for (let i = 0; i < 5000; i += 1) lines.push(`${i},${'é'.repeat(crypto.randomInt(0, 60))}${'x'.repeat(crypto.randomInt(0, 200))}`);
  const body = lines.map((l, i) => `${l}${i % 3 === 0 ? '\r\n' : '\n'}`).join('');
  const read = await all(file(Buffer.from(body, 'utf8')));
  t.equal(read.length, lines.length);
  t.same(read.map((l) => ('text' in l ? l.text : l.error)), lines, 'same text, no \\r, multi-byte characters intact');
  t.same(read.map((l) => l.number).slice(0, 3), [1, 2, 3]);
});

t.test('a BOM on line 1 is dropped; a last line without newline is read', async (t) => {
  const read = await all(file(Buffer.from('\ufeffhead\nlast', 'utf8')));
  t.same(read, [{ number: 1, text: 'head' }, { number: 2, text: 'last' }]);
});

t.test('an over-long line is reported by number and skipped without holding it; the next lines are intact', async (t) => {
  const long = 'y'.repeat(300_000);
  const read = await all(file(Buffer.from(`a\n${long}\nb\n${long}`, 'utf8')), 1000);
  t.same(read[0], { number: 1, text: 'a' });
  t.match(read[1], { number: 2, error: 'line-too-long' });
  t.same(read[2], { number: 3, text: 'b' });
  t.match(read[3], { number: 4, error: 'line-too-long', detail: /^line 4: longer than 1000 bytes/ });
  t.equal(read.length, 4);
});

t.test('a line that is not UTF-8 is reported, its neighbours are read', async (t) => {
  const read = await all(file(Buffer.concat([Buffer.from('ok 1\n'), Buffer.from([0x63, 0x61, 0x66, 0xe9, 0x0a]), Buffer.from('ok 3\n')])));
  t.same(read[0], { number: 1, text: 'ok 1' });
  t.match(read[1], { number: 2, error: 'not-utf8', detail: /^line 2: not UTF-8/ });
  t.same(read[2], { number: 3, text: 'ok 3' });
});

t.test('the JPEG frame header gives the size and components, and whether the file is whole', async (t) => {
  const rgb = await sharp({ create: { width: 60, height: 80, channels: 3, background: '#336699' } }).jpeg().toBuffer();
  t.same(jpegFrame(rgb), { width: 60, height: 80, components: 3, complete: true });
  const progressive = await sharp({ create: { width: 123, height: 45, channels: 3, background: '#336699' } }).jpeg({ progressive: true }).toBuffer();
  t.same(jpegFrame(progressive), { width: 123, height: 45, components: 3, complete: true });
  const grey = await sharp(Buffer.alloc(60 * 80, 90), { raw: { width: 60, height: 80, channels: 1 } }).toColourspace('b-w').jpeg().toBuffer();
  t.equal(jpegFrame(grey)?.components, 1);
  t.equal(jpegFrame(rgb.subarray(0, rgb.length - 10))?.complete, false, 'cut short: no end-of-image marker');
  t.equal(jpegFrame(Buffer.concat([rgb, Buffer.alloc(16)]))?.complete, true, 'zero padding after the marker is fine');
  const png = await sharp({ create: { width: 60, height: 80, channels: 3, background: '#336699' } }).png().toBuffer();
  t.equal(jpegFrame(png), undefined, 'not a JPEG');
  t.equal(jpegFrame(rgb.subarray(0, 20)), undefined, 'no frame header');
  t.equal(jpegFrame(Buffer.alloc(0)), undefined);
});
