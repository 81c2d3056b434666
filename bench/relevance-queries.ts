// The shopper-query set of `bench relevance` (bench/relevance/queries.tsv): queries in shoppers'
// words, each judged by the catalog's metadata, split into a dev half (tune on it) and a test half
// (report it) by a fixed rule on the query text.
//
// A line is `query<TAB>judgment`; a judgment is clauses separated by "; ", each `attribute=v1|v2`
// (the product's value must be one of them) or `attribute!=v1|v2` (it must be none of them).
// A gender clause naming Men or Women also accepts Unisex, as the recipe's NL queries are judged.
import crypto from 'node:crypto';
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { STRING_FILTER_NAMES } from '../schemas/product-attributes.ts';

export const RELEVANCE_QUERIES_FILE = fileURLToPath(new URL('./relevance/queries.tsv', import.meta.url));

/** A judgment names the attributes whose values are words: the string filters of the attribute table. */
export const JUDGED_ATTRIBUTES = STRING_FILTER_NAMES;
export type JudgedAttribute = (typeof JUDGED_ATTRIBUTES)[number];

export type JudgedProduct = Partial<Record<JudgedAttribute, string | null>>;

export interface Clause {
  attribute: JudgedAttribute;
  negated: boolean;
  values: string[];
}

export type Half = 'dev' | 'test';

export interface ShopperQuery {
  text: string;
  clauses: Clause[];
  half: Half;
}

/** The split rule: the first byte of sha256(query text) even → dev, odd → test. */
export function halfOf(text: string): Half {
  return crypto.createHash('sha256').update(text).digest()[0]! % 2 === 0 ? 'dev' : 'test';
}

export function parseJudgment(raw: string, where = 'judgment'): Clause[] {
  const clauses = raw.split(';').map((c) => c.trim()).filter((c) => c.length > 0);
  if (clauses.length === 0) throw new Error(`${where}: no clause`);
  return clauses.map((c) => {
    const m = /^([A-Za-z]+)(!?=)(.+)$/.exec(c);
    if (!m) throw new Error(`${where}: cannot read clause "${c}"`);
    const attribute = m[1] as JudgedAttribute;
    if (!(JUDGED_ATTRIBUTES as readonly string[]).includes(attribute)) throw new Error(`${where}: unknown attribute "${m[1]}"`);
    const values = m[3]!.split('|').map((v) => v.trim());
    if (values.some((v) => v.length === 0)) throw new Error(`${where}: empty value in "${c}"`);
    return { attribute, negated: m[2] === '!=', values };
  });
}

export function parseQueries(tsv: string): ShopperQuery[] {
  const out: ShopperQuery[] = [];
  tsv.split('\n').forEach((line, i) => {
    if (line.trim().length === 0 || line.startsWith('#')) return;
    const parts = line.split('\t');
    if (parts.length !== 2 || parts[0]!.trim().length === 0) throw new Error(`queries line ${i + 1}: expected "query<TAB>judgment"`);
    const text = parts[0]!.trim();
    out.push({ text, clauses: parseJudgment(parts[1]!, `queries line ${i + 1}`), half: halfOf(text) });
  });
  return out;
}

export function loadShopperQueries(file: string = RELEVANCE_QUERIES_FILE): ShopperQuery[] {
  return parseQueries(fs.readFileSync(file, 'utf8'));
}

/** Whether a product satisfies every clause of the query's judgment. */
export function isRelevant(q: ShopperQuery, p: JudgedProduct): boolean {
  return q.clauses.every((c) => {
    const value = p[c.attribute] ?? null;
    const accepted = new Set(c.values);
    if (c.attribute === 'gender' && !c.negated && (accepted.has('Men') || accepted.has('Women'))) accepted.add('Unisex');
    const hit = value !== null && accepted.has(value);
    return c.negated ? value !== null && !hit : hit;
  });
}
