// The uploads bucket's share of the bad-input suite: objects that are no usable image, dropped in
// the bucket of the test stack the way a clumsy user or an attacker would. Each must get exactly
// one dead letter from the dispatcher with its reason (the gateway's own size and format rules,
// platform/image-rules.ts), none may block the partition, and a good upload after them is still
// predicted.
import t from 'tap';
import sharp from 'sharp';
import { createRuntime } from '../../runtime/runtime.ts';
import { processSettings } from '../../platform/env-table.ts';
import { imageLimits } from '../../platform/image-rules.ts';
import { buckets } from '../../platform/s3.ts';
import { colourImage, dispatcherDeadLetters, startTestDispatcher, uploadBlueAndWait } from './dispatcher-fixtures.ts';
import { waitFor } from './fixtures.ts';

interface BadObject {
  name: string;
  body: Buffer;
  reason: RegExp;
}

async function badObjects(): Promise<BadObject[]> {
  const limit = imageLimits(processSettings()).uploadLimitBytes;
  const jpeg = await colourImage({ r: 120, g: 60, b: 30 });
  const png = await sharp({ create: { width: 60, height: 80, channels: 3, background: '#3355aa' } }).png().toBuffer();
  const gif = await sharp({ create: { width: 60, height: 80, channels: 3, background: '#aa5533' } }).gif().toBuffer();
  const corrupt = Buffer.from(jpeg);
  corrupt.fill(0x5a, 200, jpeg.length - 2);
  const notAnImage = /is not a usable image: the file is not an image/;
  return [
    { name: 'empty.jpg', body: Buffer.alloc(0), reason: /is not a usable image: the image is empty/ },
    { name: 'truncated.jpg', body: jpeg.subarray(0, Math.floor(jpeg.length / 2)), reason: /the jpeg image is truncated/ },
    { name: 'only-soi-marker.jpg', body: Buffer.from([0xff, 0xd8, 0xff]), reason: /the jpeg image is truncated|not an image/ },
    { name: 'corrupt.jpg', body: corrupt, reason: /the jpeg image is (corrupt|truncated)/ },
    { name: 'truncated.png', body: png.subarray(0, png.length - 20), reason: /the png image is truncated/ },
    { name: 'truncated.gif', body: gif.subarray(0, gif.length - 10), reason: /the gif image is truncated/ },
    { name: 'logo.svg', body: Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" width="60" height="80"><rect width="60" height="80" fill="red"/></svg>'), reason: /images in svg format are not accepted/ },
    { name: 'page.html', body: Buffer.from('<!doctype html><html><body><img src=x onerror=alert(1)></body></html>'), reason: notAnImage },
    { name: 'text-with-image-extension.png', body: Buffer.from('just some words, not pixels'), reason: notAnImage },
    { name: 'document.pdf.jpg', body: Buffer.from('%PDF-1.4\n1 0 obj << >> endobj\n%%EOF\n'), reason: notAnImage },
    { name: 'data.json', body: Buffer.from('{"image": "none"}'), reason: notAnImage },
    { name: 'archive.zip', body: Buffer.concat([Buffer.from('PK\u0003\u0004'), Buffer.alloc(100)]), reason: notAnImage },
    { name: 'bitmap.bmp', body: Buffer.concat([Buffer.from('BM'), Buffer.alloc(60)]), reason: notAnImage },
    { name: 'program.elf', body: Buffer.concat([Buffer.from('\u007fELF'), Buffer.alloc(60)]), reason: notAnImage },
    { name: 'ünïcødé/фото 🙂.jpg', body: Buffer.from('unicode key, text body'), reason: notAnImage },
    { name: 'odd key+plus %20 (1).jpg', body: Buffer.from('a key MinIO has to URL-encode'), reason: notAnImage },
    { name: 'zeros-over-the-limit.jpg', body: Buffer.alloc(limit + 1), reason: new RegExp(`has ${limit + 1} bytes, more than the upload limit of ${limit} bytes`) },
    { name: 'zeros-65-mib.png', body: Buffer.alloc(65 * 1024 * 1024), reason: new RegExp(`has ${65 * 1024 * 1024} bytes, more than the upload limit`) },
    {
      name: 'thin-but-huge.png',
      body: await sharp({ create: { width: 150_000, height: 300, channels: 3, background: '#808080' } }).png({ compressionLevel: 9 }).toBuffer(),
      reason: /the image has 150000×300 pixels, more than the limit/,
    },
  ];
}

t.test('every bad object in the uploads bucket is dead-lettered with its reason; a good one is still predicted', async (t) => {
  const rt = createRuntime('test-bad-input-uploads');
  t.teardown(() => rt.close());
  const dispatcher = await startTestDispatcher(rt, t);
  const prefix = `bad-${dispatcher.hex}/`;
  const objects = await badObjects();
  t.ok(objects.length >= 15, `${objects.length} bad objects`);
  for (const o of objects) await rt.s3.putObject(buckets.uploads, prefix + o.name, o.body, o.body.length);

  const good = `${prefix}after-the-bad-ones.jpg`;
  const prediction = await uploadBlueAndWait(rt, good, 120_000);
  t.equal(prediction.neighbours[0]!.productId, dispatcher.base + 1, 'the good upload after them is predicted (the blue product nearest)');

  const letters = await waitFor('a dead letter for every bad object', async () => {
    const found = await dispatcherDeadLetters(rt, prefix);
    return objects.every((o) => found.some((l) => l.errorMessage.includes(`${buckets.uploads}/${prefix}${o.name} `))) ? found : undefined;
  }, 60_000).catch(async (err: Error) => {
    const found = await dispatcherDeadLetters(rt, prefix);
    t.fail(`${err.message}; dead letters: ${found.map((l) => l.errorMessage).join(' | ')}`);
    return found;
  });
  for (const o of objects) {
    const mine = letters.filter((l) => l.errorMessage.includes(`${buckets.uploads}/${prefix}${o.name} `));
    t.equal(mine.length, 1, `${o.name}: one dead letter`);
    t.match(mine[0]?.errorMessage ?? '', o.reason, `${o.name}: ${mine[0]?.errorMessage ?? 'no dead letter'}`);
    t.equal(mine[0]?.errorClass, 'PoisonError', `${o.name}: a poison, not a retried failure`);
  }
  t.equal(letters.length, objects.length, 'no dead letter for the good upload, and none twice');
});
