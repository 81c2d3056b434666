import sharp from 'sharp';
import t from 'tap';
import { normalizeImage, UndecodableImageError } from '../../processors/ingest/normalize.ts';

t.test('an image of another size is letterboxed to 60x80 RGB JPEG', async (t) => {
  const png = await sharp({ create: { width: 53, height: 80, channels: 4, background: { r: 200, g: 10, b: 10, alpha: 1 } } }).png().toBuffer();
  const { normalized, originalWidth, originalHeight } = await normalizeImage(png);
  t.equal(originalWidth, 53);
  t.equal(originalHeight, 80);
  const meta = await sharp(normalized.bytes).metadata();
  t.equal(meta.format, 'jpeg');
  t.equal(meta.width, 60);
  t.equal(meta.height, 80);
  t.equal(meta.channels, 3);
  const { data } = await sharp(normalized.bytes).raw().toBuffer({ resolveWithObject: true });
  const centre = (40 * 60 + 30) * 3;
  t.ok(data[centre]! > 150 && data[centre + 1]! < 80, 'the centre keeps the red of the original');
});

t.test('bytes that are not an image are rejected with a clear error', async (t) => {
  await t.rejects(normalizeImage(Buffer.from('this is not a jpeg')), UndecodableImageError);
});
