// Parsing styles.csv of the Fashion Product Images (Small) dataset. Its known flaws are handled as a
// user would expect: lines whose display name holds unquoted commas are repaired by taking the rest of
// the line as the name; empty fields become nulls; control characters are removed (see text.ts). A
// line that cannot give a product is rejected with its reason, never a crash: too few fields, an id
// that is not a positive integer or does not fit the events' 32-bit int, a quote left open, a field
// over the length limit.
import { PRODUCT_ATTRIBUTES, type ProductAttributes } from '../../schemas/product-attributes.ts';
import { cleanText } from './text.ts';

/** The header of styles.csv: the id, then every product attribute (the display name last, so a line's rest is the name). */
export const STYLE_COLUMNS: readonly string[] = ['id', ...PRODUCT_ATTRIBUTES.map((a) => a.csv)];

export type StyleRow = { id: number } & ProductAttributes;

/** The largest id a ProductIngested can carry (Avro int, PostgreSQL int). */
export const MAX_PRODUCT_ID = 2 ** 31 - 1;
/** Characters per field: the longest display name of the dataset has 135; anything near this is not a name. */
export const MAX_FIELD_CHARS = 1000;

export type LineRejectReason = 'too-few-fields' | 'bad-id' | 'id-out-of-range' | 'unterminated-quote' | 'field-too-long' | 'line-too-long' | 'not-utf8';
export type LineNote = 'repaired-unquoted-commas' | 'empty-fields' | 'cleaned-control-characters';

export type ParsedLine =
  | { ok: true; line: number; row: StyleRow; notes: LineNote[] }
  | { ok: false; line: number; reason: LineRejectReason; detail: string; text: string };

/** Splits on the first `count` commas; the rest of the line (commas included) is the last field. */
export function splitFirst(line: string, count: number): string[] {
  const fields: string[] = [];
  let start = 0;
  for (let i = 0; i < count; i += 1) {
    const comma = line.indexOf(',', start);
    if (comma < 0) break;
    fields.push(line.slice(start, comma));
    start = comma + 1;
  }
  fields.push(line.slice(start));
  return fields;
}

/**
 * Splits a line into `count` fields: a field that starts with a double quote runs to its closing
 * quote ("" inside is a quote), any other field to the next comma; the last field is the rest of the
 * line, so unquoted commas in the display name stay in it. Returns the reason when a quote is not closed.
 */
function splitFields(line: string, count: number): { fields: string[]; quotedLast: boolean } | { error: 'unterminated-quote'; column: number } {
  const fields: string[] = [];
  let at = 0;
  let quotedLast = false;
  for (let column = 0; column < count; column += 1) {
    const last = column === count - 1;
    if (line[at] === '"') {
      let value = '';
      let i = at + 1;
      for (;;) {
        const quote = line.indexOf('"', i);
        if (quote < 0) return { error: 'unterminated-quote', column };
        value += line.slice(i, quote);
        if (line[quote + 1] === '"') {
          value += '"';
          i = quote + 2;
          continue;
        }
        i = quote + 1;
        break;
      }
      if (last && i === line.length) {
        quotedLast = true;
        fields.push(value);
        break;
      }
      if (!last && (line[i] === ',' || i === line.length)) {
        fields.push(value);
        if (i === line.length) break;
        at = i + 1;
        continue;
      }
      // Text after the closing quote: the quote was part of the value (5" shorts), read it plainly.
    }
    if (last) {
      fields.push(line.slice(at));
      break;
    }
    const comma = line.indexOf(',', at);
    if (comma < 0) {
      fields.push(line.slice(at));
      break;
    }
    fields.push(line.slice(at, comma));
    at = comma + 1;
  }
  return { fields, quotedLast };
}

/** A product id: a positive integer that fits a 32-bit signed int. */
export function parseProductId(text: string): { id: number } | { reason: 'bad-id' | 'id-out-of-range'; detail: string } {
  const trimmed = text.trim();
  if (!/^\d+$/.test(trimmed)) return { reason: 'bad-id', detail: `id ${JSON.stringify(trimmed.slice(0, 40))} is not a positive integer` };
  const id = Number(trimmed);
  if (id < 1 || id > MAX_PRODUCT_ID) return { reason: 'id-out-of-range', detail: `id ${trimmed.slice(0, 40)} is outside 1..${MAX_PRODUCT_ID}` };
  return { id };
}

/** The one number attribute is the year: four digits ("2012.0", as pandas writes it, is 2012); anything else is missing. */
function yearOf(text: string | null): number | null {
  const digits = text?.replace(/\.0$/, '') ?? null;
  return digits !== null && /^\d{4}$/.test(digits) ? Number(digits) : null;
}

export function parseStyleLine(text: string, lineNumber: number): ParsedLine {
  const reject = (reason: LineRejectReason, detail: string): ParsedLine => ({ ok: false, line: lineNumber, reason, detail: `line ${lineNumber}: ${detail}`, text: text.slice(0, 200) });
  const split = splitFields(text, STYLE_COLUMNS.length);
  if ('error' in split) return reject('unterminated-quote', `the quote opened in column ${STYLE_COLUMNS[split.column]} is not closed`);
  const { fields } = split;
  if (fields.length < STYLE_COLUMNS.length) return reject('too-few-fields', `${fields.length} fields, expected ${STYLE_COLUMNS.length}`);
  const id = parseProductId(cleanText(fields[0]).text ?? '');
  if ('reason' in id) return reject(id.reason, id.detail);
  const notes = new Set<LineNote>();
  const values: Array<string | null> = [];
  for (let c = 1; c < STYLE_COLUMNS.length; c += 1) {
    const value = cleanText(fields[c]);
    if (value.cleaned) notes.add('cleaned-control-characters');
    if (value.text !== null && value.text.length > MAX_FIELD_CHARS) return reject('field-too-long', `${STYLE_COLUMNS[c]} has ${value.text.length} characters, at most ${MAX_FIELD_CHARS}`);
    values.push(value.text);
  }
  if (!split.quotedLast && fields[STYLE_COLUMNS.length - 1]!.includes(',')) notes.add('repaired-unquoted-commas');
  const row = { id: id.id } as StyleRow;
  PRODUCT_ATTRIBUTES.forEach((a, i) => {
    (row as Record<string, unknown>)[a.field] = a.type === 'int' ? yearOf(values[i]!) : values[i]!;
  });
  if (Object.values(row).some((v) => v === null)) notes.add('empty-fields');
  return { ok: true, line: lineNumber, row, notes: [...notes] };
}

export class StylesHeaderError extends Error {
  override name = 'StylesHeaderError';
}

/** Throws a clear error unless the line is the expected header (a BOM and CRLF are already gone). */
export function checkHeader(line: string | undefined): void {
  const expected = STYLE_COLUMNS.join(',');
  if (line === undefined) throw new StylesHeaderError(`styles.csv is empty: expected the header "${expected}"`);
  const header = line.trim();
  if (header !== expected) throw new StylesHeaderError(`styles.csv header is "${header.slice(0, 120)}", expected "${expected}"`);
}

/** Parses a whole file held in a string; the first line must be the header. */
export function parseStyles(csv: string): ParsedLine[] {
  const lines = csv.replace(/^\ufeff/, '').split(/\r?\n/);
  checkHeader(lines.length === 1 && lines[0] === '' ? undefined : lines[0]);
  const parsed: ParsedLine[] = [];
  for (let i = 1; i < lines.length; i += 1) {
    const line = lines[i]!;
    if (line.trim() === '') continue;
    parsed.push(parseStyleLine(line, i + 1));
  }
  return parsed;
}
