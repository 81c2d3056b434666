// Ingest end to end on the real stack: dataset folder → MinIO objects → events → projection rows.
import sharp from 'sharp';
import t from 'tap';
import { createRuntime } from '../../runtime/runtime.ts';
import { LocalDataset } from '../../processors/ingest/dataset.ts';
import { ingest } from '../../processors/ingest/ingest.ts';
import { createProjector } from '../../projections/projector.ts';
import { productsProjection } from '../../projections/products/projection.ts';
import { buckets, getObjectBytes } from '../../platform/s3.ts';
import { makeDataset, uniqueGroup, waitFor } from './fixtures.ts';

t.test('a dataset folder is ingested into MinIO, the products topic and the projection', async (t) => {
  const fixture = await makeDataset(300);
  const rt = createRuntime('test-ingest');
  t.teardown(() => rt.close());

  const report = await ingest(new LocalDataset(fixture.dir), rt, { concurrency: 8 });
  t.equal(report.lines, 305, 'every data line is read');
  t.equal(report.emitted, 302, 'good rows, the repaired row and the row with empty fields are emitted');
  t.same(report.rejected, { 'missing-image': 1, 'undecodable-image': 1, 'too-few-fields': 1 });
  t.same(report.rejectedIds['missing-image'], [fixture.missingImageId]);
  t.same(report.rejectedIds['undecodable-image'], [fixture.undecodableId]);
  t.equal(report.notes['repaired-unquoted-commas'], 1);
  t.equal(report.notes['empty-fields'], 1);

  const projector = createProjector(productsProjection, rt, { groupId: uniqueGroup('ingest') });
  await projector.start();
  t.teardown(() => projector.stop());
  const ids = fixture.goodIds;
  await waitFor('all products in the projection', async () => {
    const { rows } = await rt.db.query<{ n: string }>('SELECT count(*) AS n FROM products WHERE id = ANY($1)', [ids]);
    return Number(rows[0]!.n) === ids.length;
  });

  const { rows } = await rt.db.query('SELECT * FROM products WHERE id = ANY($1) ORDER BY id', [[ids[0], fixture.repairedId, fixture.emptyFieldsId]]);
  t.match(rows[0], { id: ids[0], gender: 'Men', article_type: 'Shirts', base_colour: 'Red', season: 'Summer', year: 2010, usage: 'Casual', display_name: 'Test Men Red Shirts 0', image_width: 60, image_height: 80, revision: 1 });
  t.match(rows[1], { id: fixture.repairedId, display_name: 'Boss Men Perfume, After Shave Balm and Shower Gel Set', image_width: 53 });
  t.match(rows[2], { id: fixture.emptyFieldsId, base_colour: null, year: null, usage: null });
  const missing = await rt.db.query('SELECT id FROM products WHERE id = ANY($1)', [[fixture.missingImageId, fixture.undecodableId]]);
  t.equal(missing.rowCount, 0, 'rejected rows are not in the projection');

  const original = await getObjectBytes(rt.s3, buckets.images, rows[1].image_original_key);
  t.equal((await sharp(original).metadata()).width, 53, 'the original image is stored unchanged');
  const normalized = await getObjectBytes(rt.s3, buckets.images, rows[1].image_normalized_key);
  const meta = await sharp(normalized).metadata();
  t.same([meta.width, meta.height, meta.format], [60, 80, 'jpeg'], 'the normalised copy is a 60x80 JPEG');
  t.match(rows[1].image_original_key, /^original\/[0-9a-f]{64}\.jpg$/, 'keys are content addressed');

  const again = await ingest(new LocalDataset(fixture.dir), rt, { concurrency: 8 });
  t.equal(again.emitted, 0, 're-running on the same data emits nothing new');
  t.equal(again.unchanged, 302);
});

t.test('events are sent while the rows are still being read, not only when a send batch is full', async (t) => {
  // 200 rows fit in one send batch: ingest used to send every event at the end, so the embedder
  // started only when the whole file was read (and a broker killed "mid-ingest" saw one send).
  const fixture = await makeDataset(200);
  const rt = createRuntime('test-ingest-streaming');
  t.teardown(() => rt.close());
  let emittedBeforeEnd = 0;
  const report = await ingest(new LocalDataset(fixture.dir), rt, {
    concurrency: 1,
    onProgress: ({ done, total, emitted }) => {
      if (done < total) emittedBeforeEnd = Math.max(emittedBeforeEnd, emitted);
    },
  });
  t.equal(report.emitted, 202, 'every good row emitted');
  t.ok(emittedBeforeEnd > 0, `events sent before the last row was done (${emittedBeforeEnd} of ${report.emitted})`);
});
