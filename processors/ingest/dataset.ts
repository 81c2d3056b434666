// Where products come from: a dataset folder in the Fashion Product Images (Small) layout
// (styles.csv + images/<id>.jpg), or the Hugging Face copy of the dataset for users with internet.
// styles.csv is streamed: memory stays bounded whatever the file's size.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { readLines } from './lines.ts';
import { ImageTooLargeError, MAX_IMAGE_BYTES } from './normalize.ts';
import { checkHeader, parseStyleLine, type ParsedLine, type StyleRow } from './styles.ts';

export interface DatasetSource {
  /** Short description for events and logs: local:<dir> or hf:<dataset>. */
  readonly source: string;
  /** Identifies this version of the data (a hash prefix of its metadata). */
  snapshot(): Promise<string>;
  /** The data lines; the first step checks the header and throws a clear error when it is wrong. */
  lines(): AsyncIterable<ParsedLine>;
  /** How many data lines there are, when that is cheap to know (for progress). */
  rowCount?(): Promise<number>;
  /** The image bytes of a product, or undefined when the dataset has none. */
  image(row: StyleRow): Promise<Buffer | undefined>;
}

export class LocalDataset implements DatasetSource {
  readonly source: string;
  private readonly stylesFile: string;
  private readonly imagesDir: string;

  constructor(readonly dir: string) {
    this.source = `local:${path.basename(path.resolve(dir))}`;
    this.stylesFile = path.join(dir, 'styles.csv');
    this.imagesDir = path.join(dir, 'images');
    if (!fs.existsSync(this.stylesFile)) throw new Error(`no styles.csv in ${dir}: give --dataset the folder that holds styles.csv and images/`);
  }

  async snapshot(): Promise<string> {
    const hash = crypto.createHash('sha256');
    for await (const chunk of fs.createReadStream(this.stylesFile)) hash.update(chunk as Buffer);
    return `styles-${hash.digest('hex').slice(0, 16)}`;
  }

  async rowCount(): Promise<number> {
    let newlines = 0;
    let last = 0x0a;
    for await (const chunk of fs.createReadStream(this.stylesFile) as AsyncIterable<Buffer>) {
      for (let i = chunk.indexOf(0x0a); i >= 0; i = chunk.indexOf(0x0a, i + 1)) newlines += 1;
      if (chunk.length > 0) last = chunk[chunk.length - 1]!;
    }
    return Math.max(0, newlines + (last === 0x0a ? 0 : 1) - 1);
  }

  async *lines(): AsyncIterable<ParsedLine> {
    let header = true;
    for await (const line of readLines(this.stylesFile)) {
      if (header) {
        header = false;
        checkHeader('text' in line ? line.text : `(${line.error})`);
        continue;
      }
      if ('error' in line) {
        yield { ok: false, line: line.number, reason: line.error, detail: line.detail, text: '' };
        continue;
      }
      if (line.text.trim() === '') continue;
      yield parseStyleLine(line.text, line.number);
    }
    if (header) checkHeader(undefined);
  }

  /**
   * Read synchronously: the images are a few KB, and four asynchronous file calls per image queued on
   * libuv's small thread pool behind sharp's work cost more than the read (56 ms on average per image
   * at 32 rows in work on the loaded 2-core machine).
   */
  async image(row: StyleRow): Promise<Buffer | undefined> {
    const file = path.join(this.imagesDir, `${row.id}.jpg`);
    let fd: number;
    try {
      fd = fs.openSync(file, 'r');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
    try {
      const stat = fs.fstatSync(fd);
      if (!stat.isFile()) return undefined;
      if (stat.size > MAX_IMAGE_BYTES) throw new ImageTooLargeError(`image of ${stat.size} bytes, at most ${MAX_IMAGE_BYTES}`);
      return fs.readFileSync(fd);
    } finally {
      fs.closeSync(fd);
    }
  }
}
