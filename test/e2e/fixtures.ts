// The browser tests' catalog: 80 products of eight kinds in ten colours (each kind in each colour
// once), each with a drawn 60×80 picture of its silhouette, written as a dataset folder in the
// Fashion Product Images (Small) layout (styles.csv + images/<id>.jpg) for the real ingest. The
// ids come from a block no other test uses (idBase), so the products can be told apart from those
// of other tests on the same stack.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { STYLE_COLUMNS } from '../../processors/ingest/styles.ts';
import { idBase } from '../integration/fixtures.ts';

// ---- the catalog ----

interface Kind {
  articleType: string;
  noun: string;
  masterCategory: string;
  subCategory: string;
  shape: string;
  genders: string[];
  usage: string[];
}

const KINDS: Kind[] = [
  { articleType: 'Tshirts', noun: 'T-shirt', masterCategory: 'Apparel', subCategory: 'Topwear', shape: 'tshirt', genders: ['Men', 'Women', 'Girls'], usage: ['Casual', 'Sports'] },
  { articleType: 'Shirts', noun: 'Shirt', masterCategory: 'Apparel', subCategory: 'Topwear', shape: 'shirt', genders: ['Men', 'Women'], usage: ['Casual', 'Formal'] },
  { articleType: 'Jeans', noun: 'Denim Jeans', masterCategory: 'Apparel', subCategory: 'Bottomwear', shape: 'jeans', genders: ['Men', 'Women'], usage: ['Casual'] },
  { articleType: 'Dresses', noun: 'Dress', masterCategory: 'Apparel', subCategory: 'Dress', shape: 'dress', genders: ['Women', 'Girls'], usage: ['Casual', 'Formal'] },
  { articleType: 'Kurtas', noun: 'Kurta', masterCategory: 'Apparel', subCategory: 'Topwear', shape: 'kurta', genders: ['Men', 'Women'], usage: ['Ethnic'] },
  { articleType: 'Sports Shoes', noun: 'Sports Shoes', masterCategory: 'Footwear', subCategory: 'Shoes', shape: 'shoe', genders: ['Men', 'Women'], usage: ['Sports'] },
  { articleType: 'Handbags', noun: 'Leather Handbag', masterCategory: 'Accessories', subCategory: 'Bags', shape: 'bag', genders: ['Women'], usage: ['Casual', 'Formal'] },
  { articleType: 'Watches', noun: 'Analog Watch', masterCategory: 'Accessories', subCategory: 'Watches', shape: 'watch', genders: ['Men', 'Women'], usage: ['Casual', 'Formal'] },
];

const COLOURS: Record<string, string> = {
  Blue: '#2f5fb3',
  'Navy Blue': '#1d2b4f',
  Red: '#c8282d',
  Black: '#222222',
  White: '#eeeeee',
  Green: '#2f8a4a',
  Yellow: '#e8c227',
  Pink: '#e07aa5',
  Grey: '#8a8d91',
  Brown: '#7a4a2a',
};

const BRANDS = ['Roadster', 'Nike', 'Puma', 'Fabindia', 'Titan', 'Baggit', 'Levis', 'Wrangler', 'Adidas', 'Mango'];
const SEASONS = ['Summer', 'Fall', 'Winter', 'Spring'];

/** A silhouette of each kind of product, drawn in a 60×80 box like the catalog's normalised images. */
function silhouette(shape: string, fill: string): string {
  const stroke = 'stroke="#3a3a3a" stroke-width="1.2" stroke-linejoin="round"';
  const shapes: Record<string, string> = {
    tshirt: `<path d="M20 14 L8 22 L13 32 L18 29 L18 66 L42 66 L42 29 L47 32 L52 22 L40 14 Q30 21 20 14 Z" fill="${fill}" ${stroke}/>`,
    shirt: `<path d="M21 13 L8 22 L12 40 L18 38 L18 68 L42 68 L42 38 L48 40 L52 22 L39 13 L30 20 Z" fill="${fill}" ${stroke}/><path d="M30 20 L30 68" stroke="#3a3a3a" stroke-width="0.8"/><circle cx="30" cy="30" r="1" fill="#3a3a3a"/><circle cx="30" cy="42" r="1" fill="#3a3a3a"/><circle cx="30" cy="54" r="1" fill="#3a3a3a"/>`,
    jeans: `<path d="M18 10 L42 10 L46 72 L34 72 L30 30 L26 72 L14 72 Z" fill="${fill}" ${stroke}/>`,
    dress: `<path d="M24 10 L36 10 L38 28 L50 70 L10 70 L22 28 Z" fill="${fill}" ${stroke}/>`,
    kurta: `<path d="M22 8 L10 18 L14 30 L19 27 L17 74 L43 74 L41 27 L46 30 L50 18 L38 8 Q30 14 22 8 Z" fill="${fill}" ${stroke}/><path d="M30 12 L30 34" stroke="#3a3a3a" stroke-width="0.8"/>`,
    shoe: `<path d="M6 50 L6 60 L54 60 L54 54 Q40 50 32 40 L18 38 L14 46 Z" fill="${fill}" ${stroke}/><path d="M6 60 L54 60" stroke="#3a3a3a" stroke-width="3"/>`,
    bag: `<path d="M20 32 Q20 16 30 16 Q40 16 40 32" fill="none" stroke="#3a3a3a" stroke-width="2.5"/><rect x="10" y="30" width="40" height="36" rx="4" fill="${fill}" ${stroke}/>`,
    watch: `<rect x="24" y="6" width="12" height="68" rx="3" fill="${fill}" ${stroke}/><circle cx="30" cy="40" r="13" fill="#f4f4f4" stroke="#3a3a3a" stroke-width="2"/><path d="M30 40 L30 32 M30 40 L36 43" stroke="#3a3a3a" stroke-width="1.5"/>`,
  };
  return `<svg xmlns="http://www.w3.org/2000/svg" width="60" height="80" viewBox="0 0 60 80"><rect width="60" height="80" fill="#ffffff"/>${shapes[shape] ?? ''}</svg>`;
}

/** A product picture like the catalog's: a 60×80 JPEG. */
function productPicture(shape: string, colour: string): Promise<Buffer> {
  return sharp(Buffer.from(silhouette(shape, COLOURS[colour] ?? colour))).jpeg({ quality: 90 }).toBuffer();
}

/** A product as styles.csv has it, with its picture. */
export interface CatalogProduct {
  id: number;
  name: string;
  gender: string;
  masterCategory: string;
  subCategory: string;
  articleType: string;
  baseColour: string | null;
  season: string;
  usage: string;
  year: number | null;
  /** What images/<id>.jpg holds. */
  picture: Buffer;
}

export interface Catalog {
  products: CatalogProduct[];
  /** The dataset folder: styles.csv and images/. */
  dir: string;
}

/** 80 products: every kind in several colours, with deterministic attributes (one has no colour or year). */
export async function buildCatalog(base = idBase()): Promise<Catalog> {
  const products: CatalogProduct[] = [];
  const colours = Object.keys(COLOURS);
  let id = base;
  for (let i = 0; i < 80; i++) {
    const kind = KINDS[i % KINDS.length]!;
    const colour = colours[(Math.floor(i / KINDS.length) * 3 + (i % KINDS.length)) % colours.length]!;
    const gender = kind.genders[Math.floor(i / KINDS.length) % kind.genders.length]!;
    const brand = BRANDS[(i * 7) % BRANDS.length]!;
    const picture = await productPicture(kind.shape, colour);
    const noColour = i === 13;
    products.push({
      id: id++,
      name: `${brand} ${gender} ${colour} ${kind.noun}`,
      gender,
      masterCategory: kind.masterCategory,
      subCategory: kind.subCategory,
      articleType: kind.articleType,
      baseColour: noColour ? null : colour,
      season: SEASONS[i % SEASONS.length]!,
      usage: kind.usage[i % kind.usage.length]!,
      year: noColour ? null : 2011 + (i % 7),
      picture,
    });
  }
  return { products, dir: writeDataset(products) };
}

/** styles.csv (the dataset's column order; empty fields for nulls) and images/<id>.jpg in a fresh folder. */
function writeDataset(products: CatalogProduct[]): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vitrina-e2e-dataset-'));
  fs.mkdirSync(path.join(dir, 'images'));
  const lines = [STYLE_COLUMNS.join(',')];
  for (const p of products) {
    const row = [p.id, p.gender, p.masterCategory, p.subCategory, p.articleType, p.baseColour, p.season, p.year, p.usage, p.name];
    lines.push(row.map((v) => (v === null ? '' : String(v))).join(','));
    fs.writeFileSync(path.join(dir, 'images', `${p.id}.jpg`), p.picture);
  }
  fs.writeFileSync(path.join(dir, 'styles.csv'), `${lines.join('\n')}\n`);
  return dir;
}
