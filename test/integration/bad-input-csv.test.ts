// The CSV share of the bad-input suite: a styles.csv full of bad rows and bad images is ingested on the
// real stack; each bad row is rejected with its reason and line (or repaired, where that is the
// documented behaviour), the good rows reach the products projection, and the run never crashes.
// Whole-file flaws (empty file, wrong header, header only, BOM and CRLF) are checked the same way.
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import t from 'tap';
import { createRuntime } from '../../runtime/runtime.ts';
import { LocalDataset } from '../../processors/ingest/dataset.ts';
import { ingest, type IngestReport } from '../../processors/ingest/ingest.ts';
import { MAX_IMAGE_BYTES } from '../../processors/ingest/normalize.ts';
import { STYLE_COLUMNS } from '../../processors/ingest/styles.ts';
import { createProjector } from '../../projections/projector.ts';
import { productsProjection } from '../../projections/products/projection.ts';
import { idBase, uniqueGroup, waitFor } from './fixtures.ts';

const HEADER = STYLE_COLUMNS.join(',');

async function jpeg(width = 60, height = 80): Promise<Buffer> {
  const [r, g, b] = crypto.randomBytes(3);
  return sharp({ create: { width, height, channels: 3, background: { r: r!, g: g!, b: b! } } }).jpeg().toBuffer();
}

interface Case {
  what: string;
  /** The line's text (bytes when it is not UTF-8). */
  line: string | Buffer;
  id?: number;
  /** 'ingested' rows must reach the projection; a reason means rejected with it. */
  expect: 'ingested' | 'skipped' | string;
  image?: Buffer | 'none' | 'directory' | 'too-large';
  /** Columns the projection must hold for an ingested row. */
  row?: Record<string, unknown>;
  note?: string;
}

function good(id: number, name: string, rest = 'Men,Apparel,Topwear,Shirts,Blue,Summer,2012,Casual'): string {
  return `${id},${rest},${name}`;
}

function writeDataset(lines: Array<string | Buffer>, images: Map<number, Case['image']>, eol = '\n'): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vitrina-bad-csv-'));
  fs.mkdirSync(path.join(dir, 'images'));
  const parts: Buffer[] = [];
  for (const line of lines) parts.push(Buffer.isBuffer(line) ? line : Buffer.from(line, 'utf8'), Buffer.from(eol));
  fs.writeFileSync(path.join(dir, 'styles.csv'), Buffer.concat(parts));
  for (const [id, image] of images) {
    const file = path.join(dir, 'images', `${id}.jpg`);
    if (image === 'none' || image === undefined) continue;
    if (image === 'directory') fs.mkdirSync(file);
    else if (image === 'too-large') fs.truncateSync((fs.closeSync(fs.openSync(file, 'w')), file), MAX_IMAGE_BYTES + 1); // sparse: no real bytes
    else fs.writeFileSync(file, image);
  }
  return dir;
}

t.test('a styles.csv of bad rows: each rejected with its reason or repaired, the good rows ingested, no crash', async (t) => {
  const base = idBase();
  let n = 0;
  const id = (): number => base + n++;
  const png = await sharp({ create: { width: 60, height: 80, channels: 4, background: { r: 10, g: 200, b: 30, alpha: 0.5 } } }).png().toBuffer();
  const fullJpeg = await jpeg(300, 400);
  const nativeJpeg = await jpeg();
  const grey = await sharp(crypto.randomBytes(60 * 80), { raw: { width: 60, height: 80, channels: 1 } }).toColourspace('b-w').jpeg().toBuffer();
  t.equal((await sharp(grey).metadata()).channels, 1, 'the grey fixture has one channel');
  const dup = id();
  const cases: Case[] = [];
  const add = (c: Case): void => void cases.push(c);
  // Good rows, and good rows the documented rules repair.
  for (let i = 0; i < 4; i += 1) {
    const g = id();
    add({ what: `good row ${i}`, line: good(g, `Plain Good Shirt ${i}`), id: g, expect: 'ingested', row: { display_name: `Plain Good Shirt ${i}`, image_width: 60 } });
  }
  add({ what: 'first of two rows with one id', line: good(dup, 'First Of Duplicates'), id: dup, expect: 'ingested', row: { display_name: 'First Of Duplicates' } });
  let x = id();
  add({ what: 'extra columns are kept in the display name', line: good(x, 'Name, with, extra, columns'), id: x, expect: 'ingested', note: 'repaired-unquoted-commas', row: { display_name: 'Name, with, extra, columns' } });
  x = id();
  add({ what: 'a quoted name with commas and an escaped quote', line: `${x},Men,Apparel,Topwear,Shirts,Blue,Summer,2012,Casual,"Quoted, ""Fine"" Shirt"`, id: x, expect: 'ingested', row: { display_name: 'Quoted, "Fine" Shirt' } });
  x = id();
  add({ what: 'a quote inside the name (5" shorts)', line: good(x, 'Nike Women 3.5" Pink Short'), id: x, expect: 'ingested', row: { display_name: 'Nike Women 3.5" Pink Short' } });
  x = id();
  add({ what: 'NUL in the display name', line: good(x, 'Nul\u0000Shirt'), id: x, expect: 'ingested', note: 'cleaned-control-characters', row: { display_name: 'Nul Shirt' } });
  x = id();
  add({ what: 'tab, escape, DEL and a C1 control in the name', line: good(x, '\tTab\u001b[31m  Escape\u007fDel\u0085Shirt '), id: x, expect: 'ingested', note: 'cleaned-control-characters', row: { display_name: 'Tab [31m Escape Del Shirt' } });
  x = id();
  add({ what: 'zero-width characters in the colour', line: good(x, 'Zero Width Colour', 'Men,Apparel,Topwear,Shirts,Bl\u200bue\ufeff,Summer,2012,Casual'), id: x, expect: 'ingested', note: 'cleaned-control-characters', row: { base_colour: 'Blue' } });
  x = id();
  add({ what: 'a year that is not a year becomes null', line: good(x, 'Odd Year Shirt', 'Men,Apparel,Topwear,Shirts,Blue,Summer,20x1,Casual'), id: x, expect: 'ingested', note: 'empty-fields', row: { year: null } });
  x = id();
  add({ what: 'a CRLF line in an LF file', line: `${good(x, 'Carriage Return Shirt')}\r`, id: x, expect: 'ingested', row: { display_name: 'Carriage Return Shirt' } });
  x = id();
  add({ what: 'a PNG with alpha gets a normalised JPEG copy', line: good(x, 'Png Alpha Shirt'), id: x, expect: 'ingested', image: png, row: { image_width: 60 } });
  x = id();
  add({ what: 'a grey 60x80 JPEG gets an RGB copy', line: good(x, 'Grey Image Shirt'), id: x, expect: 'ingested', image: grey, row: { image_width: 60, image_height: 80 } });
  x = id();
  add({ what: 'a large JPEG is letterboxed to 60x80', line: good(x, 'Large Image Shirt'), id: x, expect: 'ingested', image: fullJpeg, row: { image_width: 300, image_height: 400 } });
  add({ what: 'a whitespace-only line is skipped', line: ' \t ', expect: 'skipped' });
  // Ids.
  add({ what: 'id 2^31 (one above the Avro int)', line: good(2 ** 31, 'Too Big Id'), expect: 'id-out-of-range' });
  add({ what: 'id with 20 digits', line: `${'9'.repeat(20)},Men,Apparel,Topwear,Shirts,Blue,Summer,2012,Casual,Huge Id`, expect: 'id-out-of-range' });
  add({ what: 'id 0', line: good(0, 'Zero Id'), expect: 'id-out-of-range' });
  add({ what: 'negative id', line: good(-5, 'Negative Id'), expect: 'bad-id' });
  add({ what: 'non-numeric id', line: 'abc,Men,Apparel,Topwear,Shirts,Blue,Summer,2012,Casual,Letters Id', expect: 'bad-id' });
  add({ what: 'decimal id', line: '12.5,Men,Apparel,Topwear,Shirts,Blue,Summer,2012,Casual,Decimal Id', expect: 'bad-id' });
  add({ what: 'exponent id', line: '1e3,Men,Apparel,Topwear,Shirts,Blue,Summer,2012,Casual,Exponent Id', expect: 'bad-id' });
  add({ what: 'hex id', line: '0x10,Men,Apparel,Topwear,Shirts,Blue,Summer,2012,Casual,Hex Id', expect: 'bad-id' });
  add({ what: 'empty id', line: ',Men,Apparel,Topwear,Shirts,Blue,Summer,2012,Casual,No Id', expect: 'bad-id' });
  add({ what: 'a NUL as the id', line: '\u0000,Men,Apparel,Topwear,Shirts,Blue,Summer,2012,Casual,Nul Id', expect: 'bad-id' });
  add({ what: 'a repeated id', line: good(dup, 'Second Of Duplicates'), id: dup, expect: 'duplicate-id-in-file' });
  // Shape of the line.
  x = id();
  add({ what: 'missing columns', line: `${x},Men,Apparel`, expect: 'too-few-fields' });
  add({ what: 'only commas', line: ',,,,,', expect: 'too-few-fields' });
  add({ what: 'a lone field', line: 'truncated', expect: 'too-few-fields' });
  x = id();
  add({ what: 'an unterminated quote in the name', line: `${x},Men,Apparel,Topwear,Shirts,Blue,Summer,2012,Casual,"Open Quote Shirt`, expect: 'unterminated-quote' });
  x = id();
  add({ what: 'an unterminated quote in the gender', line: `${x},"Men,Apparel,Topwear,Shirts,Blue,Summer,2012,Casual,Open Gender`, expect: 'unterminated-quote' });
  x = id();
  add({ what: 'a 2,000-character display name', line: good(x, 'N'.repeat(2000)), expect: 'field-too-long' });
  x = id();
  add({ what: 'a 100 KB line', line: good(x, 'L'.repeat(100_000)), expect: 'line-too-long' });
  x = id();
  add({ what: 'Latin-1 bytes (not UTF-8)', line: Buffer.concat([Buffer.from(good(x, 'Caf')), Buffer.from([0xe9, 0x20, 0xff])]), expect: 'not-utf8' });
  // Images.
  x = id();
  add({ what: 'no image file', line: good(x, 'No Image Shirt'), id: x, expect: 'missing-image', image: 'none' });
  x = id();
  add({ what: 'the image path is a directory', line: good(x, 'Directory Image Shirt'), id: x, expect: 'missing-image', image: 'directory' });
  x = id();
  add({ what: 'random bytes as the image', line: good(x, 'Corrupt Image Shirt'), id: x, expect: 'undecodable-image', image: crypto.randomBytes(2048) });
  x = id();
  add({ what: 'a JPEG cut in half', line: good(x, 'Truncated Image Shirt'), id: x, expect: 'undecodable-image', image: fullJpeg.subarray(0, Math.floor(fullJpeg.length / 2)) });
  x = id();
  add({ what: 'a 60x80 JPEG cut short', line: good(x, 'Cut Short Native Shirt'), id: x, expect: 'undecodable-image', image: nativeJpeg.subarray(0, nativeJpeg.length - 40) });
  x = id();
  add({ what: 'an empty image file', line: good(x, 'Empty Image Shirt'), id: x, expect: 'undecodable-image', image: Buffer.alloc(0) });
  x = id();
  add({ what: 'an image over the size limit', line: good(x, 'Huge Image Shirt'), id: x, expect: 'image-too-large', image: 'too-large' });

  const images = new Map<number, Case['image']>();
  for (const c of cases) {
    if (c.id === undefined || images.has(c.id)) continue;
    images.set(c.id, c.image ?? (await jpeg()));
  }
  const dir = writeDataset([HEADER, ...cases.map((c) => c.line)], images);
  const rt = createRuntime('test-bad-input-csv');
  t.teardown(() => rt.close());

  const report = await ingest(new LocalDataset(dir), rt, { concurrency: 4 });
  const bad = cases.filter((c) => c.expect !== 'ingested' && c.expect !== 'skipped');
  const ingested = cases.filter((c) => c.expect === 'ingested');
  t.ok(bad.length >= 20, `${bad.length} bad rows`);
  t.equal(report.lines, cases.length - 1, 'every line but the blank one is read');
  t.equal(report.emitted, ingested.length, 'every good or repaired row is emitted');
  for (const [i, c] of cases.entries()) {
    const line = i + 2;
    const rejection = report.rejections.find((r) => r.line === line);
    if (c.expect === 'ingested' || c.expect === 'skipped') t.notOk(rejection, `${c.what}: not rejected`);
    else {
      t.equal(rejection?.reason, c.expect, `${c.what}: rejected as ${c.expect}`);
      t.match(rejection?.detail, new RegExp(`^line ${line}: `), `${c.what}: the reason names line ${line}`);
    }
  }
  const expectedCounts: Record<string, number> = {};
  for (const c of bad) expectedCounts[c.expect] = (expectedCounts[c.expect] ?? 0) + 1;
  t.same(report.rejected, expectedCounts, 'the counts by reason');
  for (const note of ['cleaned-control-characters', 'repaired-unquoted-commas', 'empty-fields']) {
    t.equal(report.notes[note], cases.filter((c) => c.note === note).length, `rows ingested with the note ${note}`);
  }

  const projector = createProjector(productsProjection, rt, { groupId: uniqueGroup('bad-input-csv') });
  await projector.start();
  t.teardown(() => projector.stop());
  const ids = ingested.map((c) => c.id!);
  await waitFor('the good rows in the projection', async () => {
    const { rows } = await rt.db.query<{ n: string }>('SELECT count(*) AS n FROM products WHERE id = ANY($1)', [ids]);
    return Number(rows[0]!.n) === ids.length;
  });
  const { rows } = await rt.db.query<Record<string, unknown>>('SELECT * FROM products WHERE id = ANY($1)', [ids]);
  const byId = new Map(rows.map((r) => [Number(r.id), r]));
  for (const c of ingested) t.match(byId.get(c.id!), { ...(c.row ?? {}), revision: 1 }, `${c.what}: in the projection as expected`);
  for (const c of ingested) {
    const r = byId.get(c.id!)!;
    const reencoded = c.image !== undefined; // the PNG, the grey and the large JPEG
    if (reencoded) t.match(r.image_normalized_key, /^normalized\/[0-9a-f]{64}\.jpg$/, `${c.what}: a normalised copy of its own`);
    else t.equal(r.image_normalized_key, r.image_original_key, `${c.what}: an RGB 60x80 JPEG is its own normalised copy`);
  }
  const rejectedIds = bad.flatMap((c) => (c.id !== undefined && c.id !== dup ? [c.id] : []));
  const leaked = await rt.db.query('SELECT id FROM products WHERE id = ANY($1)', [rejectedIds]);
  t.equal(leaked.rowCount, 0, 'no rejected row reached the projection');
});

t.test('whole-file flaws: empty file and wrong header are refused before anything is written; header only, BOM and CRLF are fine', async (t) => {
  const rt = createRuntime('test-bad-input-csv-files');
  t.teardown(() => rt.close());
  // Refused with a clear error before ingest connects to anything (Kafka is pointed nowhere to prove it).
  const offline = { ...rt, config: { ...rt.config, kafkaBrokers: ['127.0.0.1:1'] } };
  const empty = fs.mkdtempSync(path.join(os.tmpdir(), 'vitrina-bad-csv-'));
  fs.writeFileSync(path.join(empty, 'styles.csv'), '');
  await t.rejects(ingest(new LocalDataset(empty), offline, { connectTimeoutMs: 1 }), /styles\.csv is empty: expected the header/, 'an empty file');
  const swapped = writeDataset(['gender,id,masterCategory,subCategory,articleType,baseColour,season,year,usage,productDisplayName'], new Map());
  await t.rejects(ingest(new LocalDataset(swapped), offline, { connectTimeoutMs: 1 }), /styles\.csv header is "gender,id,.*", expected "id,gender,/, 'a wrong header');
  const binary = writeDataset([crypto.randomBytes(64)], new Map());
  await t.rejects(ingest(new LocalDataset(binary), offline, { connectTimeoutMs: 1 }), /styles\.csv header is/, 'a binary file');

  for (const options of [{ limit: Number('abc') }, { limit: 0 }, { concurrency: -1 }, { concurrency: 1.5 }]) {
    await t.rejects(ingest(new LocalDataset(swapped), offline, options), /must be a positive integer/, `refused: ${JSON.stringify(options)}`);
  }
  const headerOnly = writeDataset([HEADER], new Map());
  const none: IngestReport = await ingest(new LocalDataset(headerOnly), rt);
  t.match(none, { lines: 0, emitted: 0 }, 'header only: nothing to do, no error');
  t.same(none.rejected, {});

  const base = idBase();
  const ids = [base, base + 1, base + 2];
  const images = new Map<number, Case['image']>();
  for (const i of ids) images.set(i, await jpeg());
  // A byte order mark, CRLF endings, and no newline after the last row.
  const lines = [`\ufeff${HEADER}`, good(ids[0]!, 'Bom Crlf Shirt 0'), good(ids[1]!, 'Bom Crlf Shirt 1')];
  const dir = writeDataset(lines, images, '\r\n');
  fs.appendFileSync(path.join(dir, 'styles.csv'), good(ids[2]!, 'No Final Newline Shirt'));
  const report = await ingest(new LocalDataset(dir), rt);
  t.match(report, { lines: 3, emitted: 3 }, 'BOM, CRLF and a last line without newline are read as data');
  t.same(report.rejected, {});
  const projector = createProjector(productsProjection, rt, { groupId: uniqueGroup('bad-input-csv-files') });
  await projector.start();
  t.teardown(() => projector.stop());
  const names = await waitFor('the three rows in the projection', async () => {
    const { rows } = await rt.db.query<{ display_name: string }>('SELECT display_name FROM products WHERE id = ANY($1) ORDER BY id', [ids]);
    return rows.length === 3 ? rows.map((r) => r.display_name) : undefined;
  });
  t.same(names, ['Bom Crlf Shirt 0', 'Bom Crlf Shirt 1', 'No Final Newline Shirt'], 'no stray \\r or BOM in the values');
});
