// Text fields as the products projection and search can take them: control characters (NUL among
// them, which PostgreSQL's text refuses) and invisible format characters are removed, and a field that
// held any gets its whitespace normalised. Fields without them are only trimmed, so clean data keeps
// its exact spelling (and its fingerprint).

/** C0 and C1 control characters, DEL, and the line/paragraph separators. */
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]+/g;
/** Zero-width characters and the byte order mark: invisible, and never meant inside a name. */
const INVISIBLE = /[\u200b-\u200d\u2060\ufeff]/g;
const TEST = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u200b-\u200d\u2060\ufeff]/;

export interface CleanText {
  text: string | null;
  /** True when control or invisible characters were removed. */
  cleaned: boolean;
}

export function cleanText(value: string | null | undefined): CleanText {
  if (value === null || value === undefined) return { text: null, cleaned: false };
  let text = value;
  const cleaned = TEST.test(text);
  if (cleaned) text = text.replace(INVISIBLE, '').replace(CONTROL, ' ').replace(/\s+/g, ' ');
  text = text.trim();
  return { text: text === '' ? null : text, cleaned };
}
