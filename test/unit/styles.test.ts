import t from 'tap';
import { parseStyleLine, parseStyles, splitFirst } from '../../processors/ingest/styles.ts';

const HEADER = 'id,gender,masterCategory,subCategory,articleType,baseColour,season,year,usage,productDisplayName';

t.test('a well-formed line parses into typed fields', async (t) => {
  const parsed = parseStyleLine('15970,Men,Apparel,Topwear,Shirts,Navy Blue,Fall,2011,Casual,Turtle Check Men Navy Blue Shirt', 2);
  t.ok(parsed.ok);
  if (!parsed.ok) return;
  t.same(parsed.row, {
    id: 15970, gender: 'Men', masterCategory: 'Apparel', subCategory: 'Topwear', articleType: 'Shirts', baseColour: 'Navy Blue',
    season: 'Fall', year: 2011, usage: 'Casual', productDisplayName: 'Turtle Check Men Navy Blue Shirt',
  });
  t.same(parsed.notes, []);
});

t.test('unquoted commas in the display name are kept in the name and reported', async (t) => {
  const parsed = parseStyleLine('44065,Men,Personal Care,Fragrance,Perfume and Body Mist,Blue,Spring,2017,Casual,Boss Men Perfume, After Shave Balm and Shower Gel Set', 3);
  t.ok(parsed.ok);
  if (!parsed.ok) return;
  t.equal(parsed.row.productDisplayName, 'Boss Men Perfume, After Shave Balm and Shower Gel Set');
  t.equal(parsed.row.usage, 'Casual');
  t.same(parsed.notes, ['repaired-unquoted-commas']);
});

t.test('empty fields become null and are reported', async (t) => {
  const parsed = parseStyleLine('12345,Women,Apparel,Topwear,Tops,,Summer,,,Some Top', 4);
  t.ok(parsed.ok);
  if (!parsed.ok) return;
  t.equal(parsed.row.baseColour, null);
  t.equal(parsed.row.year, null);
  t.equal(parsed.row.usage, null);
  t.same(parsed.notes, ['empty-fields']);
});

t.test('lines that cannot be repaired are rejected with their reason', async (t) => {
  t.match(parseStyleLine('1,Men,Apparel', 5), { ok: false, reason: 'too-few-fields', line: 5 });
  t.match(parseStyleLine('abc,Men,Apparel,Topwear,Shirts,Blue,Fall,2011,Casual,Name', 6), { ok: false, reason: 'bad-id' });
});

t.test('the header is checked and blank lines are ignored', async (t) => {
  const lines = parseStyles(`${HEADER}\n1,Men,A,B,C,D,E,2012,F,G\n\n2,Women,A,B,C,D,E,2013,F,H\n`);
  t.equal(lines.length, 2);
  t.throws(() => parseStyles('id,name\n1,x\n'), /header/);
});

t.test('splitFirst splits on the first commas only', async (t) => {
  t.same(splitFirst('a,b,c,d', 2), ['a', 'b', 'c,d']);
  t.same(splitFirst('a', 3), ['a']);
});
