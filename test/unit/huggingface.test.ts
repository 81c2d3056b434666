import t from 'tap';
import { HuggingFaceDataset, parseRowsPage } from '../../processors/ingest/huggingface.ts';

const page = {
  rows: [
    { row_idx: 0, row: { id: 15970, gender: 'Men', masterCategory: 'Apparel', subCategory: 'Topwear', articleType: 'Shirts', baseColour: 'Navy Blue', season: 'Fall', year: 2011, usage: 'Casual', productDisplayName: 'Turtle Check Men Navy Blue Shirt', image: { src: 'https://example.test/15970.jpg', height: 80, width: 60 } } },
    { row_idx: 1, row: { id: 39386, gender: 'Men', masterCategory: 'Apparel', subCategory: 'Bottomwear', articleType: 'Jeans', baseColour: 'Blue', season: 'Summer', year: null, usage: '', productDisplayName: 'Peter England Men Party Blue Jeans', image: null } },
    { row_idx: 2, row: { id: 'x', gender: 'Men' } },
  ],
  num_rows_total: 3,
};

t.test('a rows page becomes parsed lines with image URLs', async (t) => {
  const parsed = parseRowsPage(page);
  t.equal(parsed.total, 3);
  t.equal(parsed.lines.length, 3);
  t.match(parsed.lines[0], { ok: true, row: { id: 15970, articleType: 'Shirts', year: 2011 }, notes: [] });
  t.match(parsed.lines[1], { ok: true, row: { id: 39386, year: null, usage: null }, notes: ['empty-fields'] });
  t.match(parsed.lines[2], { ok: false, reason: 'bad-id' });
  t.equal(parsed.images.get(15970), 'https://example.test/15970.jpg');
  t.notOk(parsed.images.has(39386));
});

t.test('a body that is not a rows page is refused', async (t) => {
  t.throws(() => parseRowsPage({ error: 'not found' }), /no "rows" array/);
});

t.test('the remote source pages through the API and fetches images by URL', async (t) => {
  const requested: string[] = [];
  const fakeFetch = (async (url: string) => {
    requested.push(url);
    if (url.includes('/rows?')) return new Response(JSON.stringify(page), { status: 200 });
    return new Response(Buffer.from([1, 2, 3]), { status: 200 });
  }) as unknown as typeof fetch;
  const source = new HuggingFaceDataset(fakeFetch);
  const lines = [];
  for await (const line of source.lines()) lines.push(line);
  t.equal(lines.length, 3);
  t.match(requested[0], /dataset=ashraq%2Ffashion-product-images-small.*offset=0&length=100/);
  const first = lines[0]!;
  t.ok(first.ok);
  if (!first.ok) return;
  t.same([...(await source.image(first.row))!], [1, 2, 3]);
  t.equal(await source.image({ ...first.row, id: 39386 }), undefined);
});
