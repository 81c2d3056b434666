// Query understanding: the attribute words of a shopper's query (gender, colour with its shades,
// article type, sub- and master category, usage, season), found in the catalog's own values plus
// the table of shoppers' words (shopper-words.json, data, not code), with negation ("not black",
// "without heels") and one-edit typos ("tshrit", "blak"). What it finds is applied as filters
// (gender, colour, type, category: the words name them unambiguously), exclusions (negated words)
// or boosts (usage, season: an "office" shirt is not only a Formal one), and echoed, so a shopper
// can see and remove it.
import fs from 'node:fs';
import type { FilterName, SearchFilters } from './filters.ts';

export type UnderstoodAttribute = Exclude<FilterName, 'year'>;

/** The attributes understood, in the order a tie at the same words is resolved (most specific first). */
export const UNDERSTOOD_ATTRIBUTES: readonly UnderstoodAttribute[] = ['articleType', 'subCategory', 'masterCategory', 'gender', 'baseColour', 'usage', 'season'];

/** Attributes whose words only raise products (never filter them out), unless negated. */
const BOOST_ATTRIBUTES = new Set<UnderstoodAttribute>(['usage', 'season']);

export type Source = 'vocabulary' | 'synonym' | 'typo';

const CERTAINTY: Record<Source, number> = { vocabulary: 1, synonym: 0.9, typo: 0.6 };

export interface Understood {
  attribute: UnderstoodAttribute;
  /** The catalog values it stands for (as applied: a Men or Women filter also keeps Unisex). */
  values: string[];
  /** The words of the query it was read from. */
  text: string;
  source: Source;
  negated: boolean;
  applied: 'filter' | 'exclude' | 'boost';
  /** 1 for a catalog value, 0.9 for a shopper's word, 0.6 for a typo's correction; the least certain is relaxed first. */
  certainty: number;
  removable: true;
  /** The values the words name as the catalog does (not echoed): an article type filter raises them above those only the synonym table adds. */
  named?: string[];
}

export interface ShopperWords {
  words: Partial<Record<UnderstoodAttribute, Record<string, string[]>>>;
  ignoreValues: string[];
  stopWords: string[];
  negations: string[];
  negationConnectors: string[];
}

interface Entry {
  attribute: UnderstoodAttribute;
  values: string[];
  source: 'vocabulary' | 'synonym';
  /** The values the phrase is the catalog's own name of ("muffler": Mufflers, where the synonym table adds Scarves). */
  named: string[];
}

export interface Lexicon {
  /** phrase (lower case, words joined by one space) → what it stands for, most specific attribute first. */
  phrases: Map<string, Entry[]>;
  longest: number;
  stopWords: Set<string>;
  negations: Set<string>;
  connectors: Set<string>;
}

const WORDS_FILE = new URL('./shopper-words.json', import.meta.url);

let shipped: ShopperWords | undefined;

/** The shipped table of shoppers' words. */
export function shopperWords(): ShopperWords {
  shipped ??= JSON.parse(fs.readFileSync(WORDS_FILE, 'utf8')) as ShopperWords;
  return shipped;
}

/** Lower case, "men's" → "mens", hyphens and punctuation → spaces; the words. */
export function tokens(text: string): string[] {
  return text
    .toLowerCase()
    .replace(/['’]s\b/g, 's')
    .match(/[\p{L}\p{N}]+/gu) ?? [];
}

/** A value's phrase and its singular or plural ("Tshirts" → tshirts, tshirt; "Ring" → ring, rings). */
function forms(value: string): string[] {
  const words = tokens(value);
  if (words.length === 0) return [];
  const last = words[words.length - 1]!;
  const head = words.slice(0, -1);
  const variants = new Set([last]);
  if (last.endsWith('s') && last.length > 3) {
    variants.add(last.slice(0, -1));
    if (/(s|x|z|ch|sh)es$/.test(last)) variants.add(last.slice(0, -2));
  } else {
    variants.add(/(s|x|z|ch|sh)$/.test(last) ? `${last}es` : `${last}s`);
  }
  return [...variants].map((v) => [...head, v].join(' '));
}

/** The lexicon of the catalog's values (per attribute) and the shoppers' words that name values it holds. */
export function buildLexicon(catalog: Partial<Record<string, ReadonlyArray<string | number>>>, words: ShopperWords = shopperWords()): Lexicon {
  const phrases = new Map<string, Entry[]>();
  const ignore = new Set(words.ignoreValues);
  const add = (phrase: string, entry: Entry): void => {
    if (phrase.length === 0) return;
    const list = phrases.get(phrase) ?? [];
    const same = list.find((e) => e.attribute === entry.attribute);
    if (same) {
      // one phrase, two readings of the same attribute: the values of both (a shade group such as
      // "blue" → Blue, Navy Blue, Turquoise Blue), counted as the catalog's own when either is
      same.values = [...new Set([...same.values, ...entry.values])];
      same.named = [...new Set([...same.named, ...entry.named])];
      if (entry.source === 'vocabulary') same.source = 'vocabulary';
      return;
    }
    list.push(entry);
    list.sort((a, b) => UNDERSTOOD_ATTRIBUTES.indexOf(a.attribute) - UNDERSTOOD_ATTRIBUTES.indexOf(b.attribute));
    phrases.set(phrase, list);
  };
  for (const attribute of UNDERSTOOD_ATTRIBUTES) {
    const known = new Set((catalog[attribute] ?? []).map(String));
    for (const value of known) {
      if (ignore.has(value)) continue;
      for (const phrase of forms(value)) add(phrase, { attribute, values: [value], source: 'vocabulary', named: [value] });
    }
    for (const [word, values] of Object.entries(words.words[attribute] ?? {})) {
      const present = values.filter((v) => known.has(v));
      if (present.length > 0) add(tokens(word).join(' '), { attribute, values: present, source: 'synonym', named: [] });
    }
  }
  const longest = Math.max(1, ...[...phrases.keys()].map((p) => p.split(' ').length));
  return { phrases, longest, stopWords: new Set(words.stopWords), negations: new Set(words.negations), connectors: new Set(words.negationConnectors) };
}

/** Optimal string alignment distance, stopping early above 1: whether a and b are one edit (or one swap of neighbours) apart, and which edit. */
function oneEdit(word: string, key: string): 'same' | 'swap' | 'drop' | 'insert' | 'change' | undefined {
  if (word === key) return 'same';
  const dl = key.length - word.length;
  if (Math.abs(dl) > 1) return undefined;
  let i = 0;
  while (i < word.length && i < key.length && word[i] === key[i]) i += 1;
  if (dl === 0) {
    if (word.slice(i + 1) === key.slice(i + 1)) return 'change';
    if (word[i] === key[i + 1] && word[i + 1] === key[i] && word.slice(i + 2) === key.slice(i + 2)) return 'swap';
    return undefined;
  }
  // dl === 1: the query lacks a letter of the key; dl === -1: it has one too many
  if (dl === 1) return word.slice(i) === key.slice(i + 1) ? 'drop' : undefined;
  return word.slice(i + 1) === key.slice(i) ? 'insert' : undefined;
}

/**
 * The single-word phrase one edit away from `word`, if exactly one meaning is (several keys may
 * agree, as "watchs" → watch and watches). Short words allow fewer edits: 3 letters only a swap
 * ("mne"), 4 letters a swap or a missing letter ("blak"), so that "best" never becomes "belt".
 */
function correct(word: string, lexicon: Lexicon): { key: string; entries: Entry[] } | undefined {
  if (word.length < 3 || lexicon.stopWords.has(word) || lexicon.negations.has(word) || /\d/.test(word)) return undefined;
  const allowed = (edit: string): boolean => (word.length === 3 ? edit === 'swap' : word.length === 4 ? edit === 'swap' || edit === 'drop' : true);
  let found: { key: string; entries: Entry[] } | undefined;
  for (const [key, entries] of lexicon.phrases) {
    if (key.includes(' ')) continue;
    const edit = oneEdit(word, key);
    if (!edit || edit === 'same' || !allowed(edit)) continue;
    if (found) {
      const meaning = (list: Entry[]): string => JSON.stringify(list.map((e) => [e.attribute, [...e.values].sort()]));
      if (meaning(found.entries) !== meaning(entries)) return undefined; // ambiguous: leave it alone
      continue;
    }
    found = { key, entries };
  }
  return found;
}

export interface Understanding {
  items: Understood[];
  /** The text to embed: the query without its negated words and negation words, typos corrected. */
  text: string;
}

/** Reads the attribute words of a query. Longest phrase first; each word is read once. */
export function understand(query: string, lexicon: Lexicon): Understanding {
  const words = tokens(query);
  const items: Understood[] = [];
  const kept: string[] = [];
  let negating = false;
  let matchedInScope = false;
  let expectMore = false; // right after the negation word or a connector ("not white or black")
  // typo corrections that were embedded as their correction: (item, place in kept, the word as written)
  const corrections: Array<{ item: Understood; at: number; word: string }> = [];
  const push = (entries: Entry[], text: string, source: Source, negated: boolean): Understood => {
    const entry = entries[0]!;
    const applied = negated ? 'exclude' : BOOST_ATTRIBUTES.has(entry.attribute) ? 'boost' : 'filter';
    const item: Understood = { attribute: entry.attribute, values: [...entry.values], text, source, negated, applied, certainty: CERTAINTY[source], removable: true, named: [...entry.named] };
    items.push(item);
    return item;
  };
  for (let i = 0; i < words.length; ) {
    const word = words[i]!;
    if (lexicon.negations.has(word)) {
      negating = true;
      matchedInScope = false;
      expectMore = true;
      i += 1;
      continue;
    }
    if (negating && matchedInScope && !expectMore && !lexicon.connectors.has(word)) negating = false; // "not navy blue shirt": the shirt is wanted
    if (negating && (lexicon.connectors.has(word) || (!matchedInScope && word === 'for'))) {
      expectMore = true;
      i += 1;
      continue;
    }
    let matched: { n: number; entries: Entry[]; text: string; source: Source; embed: string } | undefined;
    for (let n = Math.min(lexicon.longest, words.length - i); n >= 1 && !matched; n -= 1) {
      const span = words.slice(i, i + n);
      for (const phrase of n > 1 ? [span.join(' '), span.join('')] : [span[0]!]) {
        const entries = lexicon.phrases.get(phrase);
        if (entries) {
          matched = { n, entries, text: span.join(' '), source: entries[0]!.source, embed: span.join(' ') };
          break;
        }
      }
    }
    if (!matched) {
      const fix = correct(word, lexicon);
      if (fix) matched = { n: 1, entries: fix.entries, text: word, source: 'typo', embed: fix.key };
    }
    if (matched) {
      const item = push(matched.entries, matched.text, matched.source, negating);
      if (negating) {
        matchedInScope = true;
        expectMore = false;
      } else {
        if (matched.source === 'typo') corrections.push({ item, at: kept.length, word });
        kept.push(matched.embed);
      }
      i += matched.n;
      continue;
    }
    if (negating && !matchedInScope) {
      negating = false; // "not skinny": the word is dropped from the text, nothing is filtered
      i += 1;
      continue;
    }
    negating = false;
    kept.push(word);
    i += 1;
  }
  // A word read as a typo of an attribute the query also names correctly is not a typo but some
  // other word (a brand, a name: "Shree ... Kurta", "Girls Woven Shorts"): it is kept as written.
  for (const { item, at, word } of corrections) {
    if (!items.some((o) => o !== item && o.source !== 'typo' && o.attribute === item.attribute && o.applied === item.applied)) continue;
    items.splice(items.indexOf(item), 1);
    kept[at] = word;
  }
  const text = kept.join(' ').trim();
  return { items: merge(items), text: text.length > 0 ? text : words.join(' ') };
}

/** One item per attribute and kind (filter, exclude, boost): "red or blue" is one colour filter. */
function merge(items: Understood[]): Understood[] {
  const out: Understood[] = [];
  for (const item of items) {
    const same = out.find((o) => o.attribute === item.attribute && o.applied === item.applied);
    if (!same) {
      out.push(item);
      continue;
    }
    same.values = [...new Set([...same.values, ...item.values])];
    same.named = [...new Set([...(same.named ?? []), ...(item.named ?? [])])];
    same.text = `${same.text}, ${item.text}`;
    if (item.certainty < same.certainty) {
      same.certainty = item.certainty;
      same.source = item.source;
    }
  }
  return out;
}

export interface Applied {
  filters: SearchFilters;
  exclude: SearchFilters;
  boost: SearchFilters;
  /** The items applied (an attribute the request filters explicitly, or ignores, is not). */
  items: Understood[];
}

/**
 * Applies understood items on top of the request's own filters: an attribute the request filters
 * itself, or asks to ignore, is left as the request says. A Men or Women filter also keeps Unisex.
 */
export function applyUnderstanding(items: Understood[], explicit: SearchFilters, ignore: ReadonlySet<string> = new Set()): Applied {
  const filters: SearchFilters = { ...explicit };
  const exclude: SearchFilters = {};
  const boost: SearchFilters = {};
  const applied: Understood[] = [];
  for (const item of items) {
    if (ignore.has(item.attribute) || (explicit[item.attribute]?.length ?? 0) > 0) continue;
    const values = item.applied === 'filter' && item.attribute === 'gender' && item.values.some((v) => v === 'Men' || v === 'Women') ? [...new Set([...item.values, 'Unisex'])] : item.values;
    const target = item.applied === 'filter' ? filters : item.applied === 'exclude' ? exclude : boost;
    target[item.attribute] = [...new Set([...(target[item.attribute] ?? []), ...values])];
    // "muffler" filters Mufflers and Scarves (a shopper's word for both) and ranks Mufflers, the type it names, first
    const named = item.named ?? [];
    if (item.applied === 'filter' && item.attribute === 'articleType' && named.length > 0 && named.length < values.length) boost.articleType = [...new Set([...(boost.articleType ?? []), ...named])];
    applied.push({ ...item, values });
  }
  // a value both asked for and excluded ("blue not navy"): the exclusion narrows the filter
  for (const name of Object.keys(exclude) as UnderstoodAttribute[]) {
    const keep = filters[name]?.filter((v) => !exclude[name]!.includes(v));
    if (keep && keep.length > 0 && !explicit[name]) {
      filters[name] = keep;
      delete exclude[name];
    }
  }
  return { filters, exclude, boost, items: applied };
}

/**
 * Among items equally certain, the order they are relaxed in: colour first, the article type last
 * (the kind of thing a shopper asks for is what a query is about: "white concealer" with no white
 * concealer shows concealers, not white things).
 */
export const RELAX_ORDER: readonly UnderstoodAttribute[] = ['baseColour', 'season', 'usage', 'gender', 'masterCategory', 'subCategory', 'articleType'];

/** The applied item to drop first when a search finds nothing (or too little): the least certain filter (or exclusion), by RELAX_ORDER among equals, then the last read. */
export function leastCertain(items: Understood[]): Understood | undefined {
  let pick: Understood | undefined;
  const rank = (item: Understood): number => RELAX_ORDER.indexOf(item.attribute);
  for (const item of items) {
    if (item.applied === 'boost') continue;
    if (!pick || item.certainty < pick.certainty || (item.certainty === pick.certainty && rank(item) <= rank(pick))) pick = item;
  }
  return pick;
}
