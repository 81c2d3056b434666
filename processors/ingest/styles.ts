// Parsing styles.csv of the Fashion Product Images (Small) dataset. Its known flaws are handled as a
// user would expect: lines whose display name holds unquoted commas are repaired by splitting on the
// first nine commas only; empty fields become nulls; a line that cannot give an integer id, or has
// fewer than ten fields, is rejected with its reason.
export const STYLE_COLUMNS = ['id', 'gender', 'masterCategory', 'subCategory', 'articleType', 'baseColour', 'season', 'year', 'usage', 'productDisplayName'] as const;

export interface StyleRow {
  id: number;
  gender: string | null;
  masterCategory: string | null;
  subCategory: string | null;
  articleType: string | null;
  baseColour: string | null;
  season: string | null;
  year: number | null;
  usage: string | null;
  productDisplayName: string | null;
}

export type ParsedLine =
  | { ok: true; row: StyleRow; notes: Array<'repaired-unquoted-commas' | 'empty-fields'> }
  | { ok: false; line: number; reason: 'too-few-fields' | 'bad-id'; text: string };

function clean(value: string | undefined): string | null {
  const trimmed = (value ?? '').trim();
  return trimmed === '' ? null : trimmed;
}

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

export function parseStyleLine(text: string, lineNumber: number): ParsedLine {
  const fields = splitFirst(text, STYLE_COLUMNS.length - 1);
  if (fields.length < STYLE_COLUMNS.length) return { ok: false, line: lineNumber, reason: 'too-few-fields', text };
  const idText = fields[0]!.trim();
  if (!/^\d+$/.test(idText)) return { ok: false, line: lineNumber, reason: 'bad-id', text };
  const notes: Array<'repaired-unquoted-commas' | 'empty-fields'> = [];
  let name = fields[9]!;
  if (name.includes(',')) {
    notes.push('repaired-unquoted-commas');
  }
  name = name.replace(/^"(.*)"$/s, '$1');
  const yearText = clean(fields[7]);
  const year = yearText !== null && /^\d{4}$/.test(yearText.replace(/\.0$/, '')) ? Number(yearText.replace(/\.0$/, '')) : null;
  const row: StyleRow = {
    id: Number(idText),
    gender: clean(fields[1]),
    masterCategory: clean(fields[2]),
    subCategory: clean(fields[3]),
    articleType: clean(fields[4]),
    baseColour: clean(fields[5]),
    season: clean(fields[6]),
    year,
    usage: clean(fields[8]),
    productDisplayName: clean(name),
  };
  if (Object.values(row).some((v) => v === null)) notes.push('empty-fields');
  return { ok: true, row, notes };
}

/** Parses the whole file; the first line must be the header. */
export function parseStyles(csv: string): ParsedLine[] {
  const lines = csv.split(/\r?\n/);
  const header = (lines[0] ?? '').trim();
  if (header !== STYLE_COLUMNS.join(',')) throw new Error(`styles.csv header is "${header.slice(0, 120)}", expected "${STYLE_COLUMNS.join(',')}"`);
  const parsed: ParsedLine[] = [];
  for (let i = 1; i < lines.length; i += 1) {
    const line = lines[i]!;
    if (line.trim() === '') continue;
    parsed.push(parseStyleLine(line, i + 1));
  }
  return parsed;
}
