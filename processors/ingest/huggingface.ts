// The remote path: rows of the Hugging Face copy of the dataset (ashraq/fashion-product-images-small)
// through the datasets-server rows API, pages of up to 100 rows, each with an image URL. It needs
// internet, which the machines that build Vitrina do not have; its page parsing is tested on pages
// the tests write.
import crypto from 'node:crypto';
import type { DatasetSource } from './dataset.ts';
import { PRODUCT_ATTRIBUTES } from '../../schemas/product-attributes.ts';
import { parseProductId, type LineNote, type ParsedLine, type StyleRow } from './styles.ts';
import { ImageTooLargeError, MAX_IMAGE_BYTES } from './normalize.ts';
import { cleanText } from './text.ts';

export const HF_DATASET = 'ashraq/fashion-product-images-small';
const API = 'https://datasets-server.huggingface.co';
const PAGE = 100;

interface RowsPage {
  rows: Array<{ row_idx: number; row: Record<string, unknown> }>;
  num_rows_total: number;
}

function text(value: unknown, cleaned: { any: boolean }): string | null {
  if (value === null || value === undefined) return null;
  const clean = cleanText(String(value));
  if (clean.cleaned) cleaned.any = true;
  return clean.text;
}

function positiveInteger(value: unknown): number | null {
  const n = Number(value);
  return Number.isInteger(n) && n > 0 ? n : null;
}

/** Turns one page of the rows API into parsed lines and the image URL of each product. */
export function parseRowsPage(body: unknown): { lines: ParsedLine[]; images: Map<number, string>; total: number } {
  const page = body as RowsPage;
  if (!page || !Array.isArray(page.rows)) throw new Error('not a datasets-server rows page: no "rows" array');
  const lines: ParsedLine[] = [];
  const images = new Map<number, string>();
  for (const { row_idx: index, row } of page.rows) {
    const id = parseProductId(String(row.id ?? ''));
    if ('reason' in id) {
      lines.push({ ok: false, line: index, reason: id.reason, detail: `row ${index}: ${id.detail}`, text: JSON.stringify(row).slice(0, 200) });
      continue;
    }
    const cleaned = { any: false };
    const parsed = { id: id.id } as StyleRow;
    for (const a of PRODUCT_ATTRIBUTES) (parsed as Record<string, unknown>)[a.field] = a.type === 'int' ? positiveInteger(row[a.csv]) : text(row[a.csv], cleaned);
    const image = row.image as { src?: unknown } | null | undefined;
    if (image && typeof image.src === 'string') images.set(id.id, image.src);
    const notes: LineNote[] = [];
    if (PRODUCT_ATTRIBUTES.some((a) => parsed[a.field] === null)) notes.push('empty-fields');
    if (cleaned.any) notes.push('cleaned-control-characters');
    lines.push({ ok: true, line: index, row: parsed, notes });
  }
  return { lines, images, total: Number(page.num_rows_total ?? 0) };
}

export class HuggingFaceDataset implements DatasetSource {
  readonly source = `hf:${HF_DATASET}`;
  private readonly imageUrls = new Map<number, string>();
  private digest = crypto.createHash('sha256');

  constructor(private readonly fetchImpl: typeof fetch = fetch) {}

  private async page(offset: number): Promise<ReturnType<typeof parseRowsPage>> {
    const url = `${API}/rows?dataset=${encodeURIComponent(HF_DATASET)}&config=default&split=train&offset=${offset}&length=${PAGE}`;
    const response = await this.fetchImpl(url);
    if (!response.ok) throw new Error(`Hugging Face rows API answered ${response.status} for offset ${offset}`);
    return parseRowsPage(await response.json());
  }

  async snapshot(): Promise<string> {
    const first = await this.page(0);
    return `hf-${crypto.createHash('sha256').update(JSON.stringify(first.lines.slice(0, 10))).update(String(first.total)).digest('hex').slice(0, 16)}`;
  }

  async *lines(): AsyncIterable<ParsedLine> {
    this.digest = crypto.createHash('sha256');
    for (let offset = 0; ; offset += PAGE) {
      const page = await this.page(offset);
      for (const [id, url] of page.images) this.imageUrls.set(id, url);
      yield* page.lines;
      if (page.lines.length < PAGE || offset + PAGE >= page.total) return;
    }
  }

  async image(row: StyleRow): Promise<Buffer | undefined> {
    const url = this.imageUrls.get(row.id);
    if (!url) return undefined;
    const response = await this.fetchImpl(url);
    if (!response.ok) return undefined;
    const bytes = Buffer.from(await response.arrayBuffer());
    if (bytes.length > MAX_IMAGE_BYTES) throw new ImageTooLargeError(`image of ${bytes.length} bytes, at most ${MAX_IMAGE_BYTES}`);
    return bytes;
  }
}
