// Where products come from: a dataset folder in the Fashion Product Images (Small) layout
// (styles.csv + images/<id>.jpg), or the Hugging Face copy of the dataset for users with internet.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { parseStyles, type ParsedLine, type StyleRow } from './styles.ts';

export interface DatasetSource {
  /** Short description for events and logs: local:<dir> or hf:<dataset>. */
  readonly source: string;
  /** Identifies this version of the data (a hash prefix of its metadata). */
  snapshot(): Promise<string>;
  lines(): AsyncIterable<ParsedLine>;
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
    const hash = crypto.createHash('sha256').update(fs.readFileSync(this.stylesFile)).digest('hex');
    return `styles-${hash.slice(0, 16)}`;
  }

  async *lines(): AsyncIterable<ParsedLine> {
    yield* parseStyles(fs.readFileSync(this.stylesFile, 'utf8'));
  }

  async image(row: StyleRow): Promise<Buffer | undefined> {
    try {
      return await fs.promises.readFile(path.join(this.imagesDir, `${row.id}.jpg`));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
  }
}
