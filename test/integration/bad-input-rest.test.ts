// The REST share of the bad-input suite: well over a hundred distinct bad requests, sent as raw
// HTTP to the real gateway on the test stack (real model server, PostgreSQL, MinIO), each answered
// with its 4xx and a message that says what is wrong, never a 5xx and never a hang; then the
// hostile requests that are not about validation (a forged Host header, a stored SVG, a client
// that trickles its headers), and at the end a normal search still answers 200.
import crypto from 'node:crypto';
import http from 'node:http';
import net from 'node:net';
import sharp from 'sharp';
import t from 'tap';
import { buckets, ensureBucket } from '../../platform/s3.ts';
import { startGatewayStack } from './gateway-stack.ts';

const stack = await startGatewayStack(t);
const { url, ids, rt } = stack;
const port = Number(new URL(url).port);
const missingId = ids[0]! + 900;

interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

/** One raw HTTP request (no client-side normalisation of the path), answered within 20 s. */
function send(method: string, path: string, headers: Record<string, string> = {}, body?: Buffer | string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, method, path, headers, agent: false, timeout: 20_000 }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`${method} ${path.slice(0, 80)}: no answer within 20 s`)));
    req.on('error', reject);
    req.end(body);
  });
}

function json(answer: Answer): { error?: string; message?: string; statusCode?: number } {
  try {
    return JSON.parse(answer.body.toString('utf8')) as never;
  } catch {
    return { message: `(not JSON: ${answer.body.toString('utf8').slice(0, 200)})` };
  }
}

// ---- images made with sharp ----

const noisy = () => sharp(crypto.randomBytes(120 * 90 * 3), { raw: { width: 120, height: 90, channels: 3 } });
const jpeg = await noisy().jpeg().toBuffer();
const png = await noisy().png().toBuffer();
const gif = await noisy().gif().toBuffer();
const webp = await noisy().webp().toBuffer();
const hugePng = await sharp({ create: { width: 8000, height: 6000, channels: 3, background: "#000000" } }).png().toBuffer();
const svg = Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><script>alert(document.cookie)</script><rect width="10" height="10"/></svg>');

// ---- objects in the buckets ----

const prefix = `bad-input-rest/${crypto.randomBytes(4).toString('hex')}`;
await ensureBucket(rt.s3, buckets.uploads);
await ensureBucket(rt.s3, buckets.images);
const putUpload = (name: string, bytes: Buffer, type: string) => rt.s3.putObject(buckets.uploads, `${prefix}/${name}`, bytes, bytes.length, { 'Content-Type': type });
await putUpload('notes.txt', Buffer.from('not an image at all'), 'text/plain');
await putUpload('cut.jpg', jpeg.subarray(0, jpeg.length >> 1), 'image/jpeg');
await putUpload('drawing.svg', svg, 'image/svg+xml');
await putUpload('query.jpg', jpeg, 'image/jpeg');
await rt.s3.putObject(buckets.images, `${prefix}/evil.svg`, svg, svg.length, { 'Content-Type': 'image/svg+xml' });
await rt.s3.putObject(buckets.images, `${prefix}/page.html`, Buffer.from('<html><script>alert(1)</script></html>'), 38, { 'Content-Type': 'text/html' });
await rt.s3.putObject(buckets.images, `${prefix}/photo.jpg`, jpeg, jpeg.length, { 'Content-Type': 'image/jpeg' });

// ---- multipart bodies, built byte by byte so they can be malformed on purpose ----

interface Part {
  name: string;
  filename?: string;
  type?: string;
  bytes: Buffer | string;
}

const BOUNDARY = 'badInputBoundary9f8e7d';

function multipartBody(parts: Part[], boundary = BOUNDARY, close = true): Buffer {
  const chunks: Buffer[] = [];
  for (const p of parts) {
    const disposition = `form-data; name="${p.name}"${p.filename === undefined ? '' : `; filename="${p.filename}"`}`;
    chunks.push(Buffer.from(`--${boundary}\r\nContent-Disposition: ${disposition}\r\n${p.type ? `Content-Type: ${p.type}\r\n` : ''}\r\n`), Buffer.from(p.bytes), Buffer.from('\r\n'));
  }
  if (close) chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return Buffer.concat(chunks);
}

const file = (bytes: Buffer | string, filename = 'query.jpg', name = 'image', type = 'image/jpeg'): Part => ({ name, filename, type, bytes });
const mp = (boundary = BOUNDARY): Record<string, string> => ({ 'content-type': `multipart/form-data; boundary=${boundary}` });
const jsonHeaders = { 'content-type': 'application/json' };

// ---- the table: method, path, headers, body, status, message ----

interface Case {
  what: string;
  method?: string;
  path: string;
  headers?: Record<string, string>;
  body?: Buffer | string;
  status: number;
  message: RegExp;
}

const S = '/api/v1/search';
const I = '/api/v1/search/image';
const P = '/api/v1/products';
const IMG = '/api/v1/images';
const INVISIBLE = /q must not be empty: it has no searchable characters/;
const PERCENT = /malformed percent-encoding/;
const DECIMAL = /must be an integer written in decimal digits/;
const SEGMENT = /invalid object key .*a segment of (\d+) bytes; at most 255/;
const BACKSLASH = /invalid object key .*backslash/;
const TRUNCATED = /truncated/;
const long = (n: number, c = 'a'): string => c.repeat(n);

const cases: Case[] = [
  // text search: the query
  { what: 'no q', path: `${S}`, status: 400, message: /missing query parameter "q"/ },
  { what: 'empty q', path: `${S}?q=`, status: 400, message: /q must NOT have fewer than 1 characters/ },
  { what: 'blank q', path: `${S}?q=%20%20%20`, status: 400, message: INVISIBLE },
  { what: 'tabs and newlines only', path: `${S}?q=%09%0A%0D`, status: 400, message: INVISIBLE },
  { what: 'one NUL', path: `${S}?q=%00`, status: 400, message: INVISIBLE },
  { what: 'three NULs', path: `${S}?q=%00%00%00`, status: 400, message: INVISIBLE },
  { what: 'zero-width space', path: `${S}?q=%E2%80%8B`, status: 400, message: INVISIBLE },
  { what: 'zero-width joiner and non-joiner', path: `${S}?q=%E2%80%8C%E2%80%8D`, status: 400, message: INVISIBLE },
  { what: 'byte order mark', path: `${S}?q=%EF%BB%BF`, status: 400, message: INVISIBLE },
  { what: 'word joiner', path: `${S}?q=%E2%81%A0%E2%81%A0`, status: 400, message: INVISIBLE },
  { what: 'NUL, zero-width space and blanks', path: `${S}?q=%00%E2%80%8B%20%00`, status: 400, message: INVISIBLE },
  { what: 'control characters only', path: `${S}?q=%01%02%1F%7F`, status: 400, message: INVISIBLE },
  { what: 'soft hyphen only', path: `${S}?q=%C2%AD`, status: 400, message: INVISIBLE },
  { what: 'bidi override only', path: `${S}?q=%E2%80%AE%E2%80%AC`, status: 400, message: INVISIBLE },
  { what: 'a NUL inside words', path: `${S}?q=blue%00shirt`, status: 400, message: /q contains control characters/ },
  { what: 'a NUL inside words, hybrid mode', path: `${S}?q=red%00dress&mode=hybrid`, status: 400, message: /q contains control characters/ },
  { what: 'a bell inside words', path: `${S}?q=red%07dress`, status: 400, message: /q contains control characters/ },
  { what: '%ZZ', path: `${S}?q=%ZZ`, status: 400, message: PERCENT },
  { what: 'a trailing %', path: `${S}?q=shirt%`, status: 400, message: PERCENT },
  { what: 'a % with one hex digit', path: `${S}?q=shirt%2`, status: 400, message: PERCENT },
  { what: 'an incomplete UTF-8 sequence', path: `${S}?q=%E0%A4`, status: 400, message: PERCENT },
  { what: 'an invalid UTF-8 continuation', path: `${S}?q=%C3%28`, status: 400, message: PERCENT },
  { what: 'byte FF', path: `${S}?q=%FF`, status: 400, message: PERCENT },
  { what: 'a lone continuation byte', path: `${S}?q=%80shirt`, status: 400, message: PERCENT },
  { what: 'an encoded surrogate', path: `${S}?q=%ED%A0%80`, status: 400, message: PERCENT },
  { what: 'an overlong encoding of /', path: `${S}?q=%C0%AF`, status: 400, message: PERCENT },
  { what: 'malformed percent-encoding in a filter', path: `${S}?q=shirt&articleType=%E0%A4`, status: 400, message: PERCENT },
  { what: 'malformed percent-encoding in a parameter name', path: `${S}?q=shirt&%ZZ=1`, status: 400, message: PERCENT },
  { what: 'q given twice', path: `${S}?q=a&q=b`, status: 400, message: /q must be string/ },
  { what: 'q over 2048 characters', path: `${S}?q=${long(2049)}`, status: 400, message: /more than 2048 characters/ },
  { what: 'q over 2048 bytes in fewer characters', path: `${S}?q=${encodeURIComponent(long(700, '€'))}`, status: 400, message: /q has 2100 bytes; at most 2048/ },
  // text search: mode, k, offset
  { what: 'unknown mode', path: `${S}?q=shirt&mode=fuzzy`, status: 400, message: /mode must be equal to one of the allowed values/ },
  { what: 'mode in capitals', path: `${S}?q=shirt&mode=VECTOR`, status: 400, message: /mode must be equal to one of the allowed values/ },
  { what: 'empty mode', path: `${S}?q=shirt&mode=`, status: 400, message: /mode must be equal to one of the allowed values/ },
  { what: 'k=0', path: `${S}?q=shirt&k=0`, status: 400, message: /k must be >= 1/ },
  { what: 'k=-1', path: `${S}?q=shirt&k=-1`, status: 400, message: /k must be >= 1/ },
  { what: 'k=101', path: `${S}?q=shirt&k=101`, status: 400, message: /k must be <= 100/ },
  { what: 'k=1.5', path: `${S}?q=shirt&k=1.5`, status: 400, message: /k must be (integer|an integer written in decimal digits)/ },
  { what: 'k=abc', path: `${S}?q=shirt&k=abc`, status: 400, message: /k must be (integer|an integer written in decimal digits)/ },
  { what: 'k=1e1', path: `${S}?q=shirt&k=1e1`, status: 400, message: DECIMAL },
  { what: 'k=0x10', path: `${S}?q=shirt&k=0x10`, status: 400, message: DECIMAL },
  { what: 'k empty', path: `${S}?q=shirt&k=`, status: 400, message: /k must be (integer|an integer written in decimal digits)/ },
  { what: 'k given twice', path: `${S}?q=shirt&k=1&k=2`, status: 400, message: /k must be integer/ },
  { what: 'k with a space', path: `${S}?q=shirt&k=%205`, status: 400, message: DECIMAL },
  { what: 'offset=-1', path: `${S}?q=shirt&offset=-1`, status: 400, message: /offset must be >= 0/ },
  { what: 'offset=1001', path: `${S}?q=shirt&offset=1001`, status: 400, message: /offset must be <= 1000/ },
  { what: 'offset=1e2', path: `${S}?q=shirt&offset=1e2`, status: 400, message: DECIMAL },
  { what: 'offset=abc', path: `${S}?q=shirt&offset=abc`, status: 400, message: /offset must be (integer|an integer written in decimal digits)/ },
  { what: 'offset=Infinity', path: `${S}?q=shirt&offset=Infinity`, status: 400, message: /offset must be (integer|an integer written in decimal digits)/ },
  // text search: filters and unknown parameters
  { what: 'an unknown parameter', path: `${S}?q=shirt&colour=Blue`, status: 400, message: /unknown query parameter "colour"/ },
  { what: 'an unknown articleType', path: `${S}?q=shirt&articleType=Sarees`, status: 400, message: /unknown articleType value "Sarees"/ },
  { what: 'a colour in the wrong case', path: `${S}?q=shirt&baseColour=blue`, status: 400, message: /did you mean "Blue"/ },
  { what: 'an unknown year', path: `${S}?q=shirt&year=1999`, status: 400, message: /unknown year value "1999"/ },
  { what: 'a year that is a word', path: `${S}?q=shirt&year=abc`, status: 400, message: /year.* must be (integer|an integer written in decimal digits)/ },
  { what: 'a year in exponent form', path: `${S}?q=shirt&year=2.012e3`, status: 400, message: DECIMAL },
  { what: 'a year in hex', path: `${S}?q=shirt&year=0x7DC`, status: 400, message: DECIMAL },
  { what: 'an empty gender', path: `${S}?q=shirt&gender=`, status: 400, message: /gender.0 must NOT have fewer than 1 characters/ },
  { what: '51 articleType values', path: `${S}?q=shirt&${Array.from({ length: 51 }, (_, i) => `articleType=T${i}`).join('&')}`, status: 400, message: /articleType must NOT have more than 50 items/ },
  { what: 'an unknown season', path: `${S}?q=shirt&season=Monsoon`, status: 400, message: /unknown season value "Monsoon"/ },
  // products and more like this
  { what: 'product id 1e3', path: `${P}/1e3`, status: 400, message: DECIMAL },
  { what: 'product id 0x10', path: `${P}/0x10`, status: 400, message: DECIMAL },
  { what: 'product id +12', path: `${P}/+12`, status: 400, message: DECIMAL },
  { what: 'product id 1.0', path: `${P}/1.0`, status: 400, message: DECIMAL },
  { what: 'product id with a space', path: `${P}/%2012`, status: 400, message: DECIMAL },
  { what: 'product id 12abc', path: `${P}/12abc`, status: 400, message: DECIMAL },
  { what: 'product id shirt', path: `${P}/shirt`, status: 400, message: DECIMAL },
  { what: 'product id 0', path: `${P}/0`, status: 400, message: /id must be >= 1/ },
  { what: 'product id -1', path: `${P}/-1`, status: 400, message: /id must be >= 1|decimal digits/ },
  { what: 'product id over 32 bits', path: `${P}/2147483648`, status: 400, message: /id must be <= 2147483647/ },
  { what: 'product id of 30 digits', path: `${P}/${long(30, '9')}`, status: 400, message: /id must be <= 2147483647/ },
  { what: 'an unknown product', path: `${P}/${missingId}`, status: 404, message: /no product/ },
  { what: 'similar to 1e3', path: `${P}/1e3/similar`, status: 400, message: DECIMAL },
  { what: 'similar to 0x10', path: `${P}/0x10/similar`, status: 400, message: DECIMAL },
  { what: 'similar with k=0', path: `${P}/${ids[1]}/similar?k=0`, status: 400, message: /k must be >= 1/ },
  { what: 'similar with k=1e1', path: `${P}/${ids[1]}/similar?k=1e1`, status: 400, message: DECIMAL },
  { what: 'similar with an unknown parameter', path: `${P}/${ids[1]}/similar?q=x`, status: 400, message: /unknown query parameter "q"/ },
  { what: 'similar with an unknown filter value', path: `${P}/${ids[1]}/similar?articleType=Sarees`, status: 400, message: /unknown articleType value "Sarees"/ },
  { what: 'similar to an unknown product', path: `${P}/${missingId}/similar`, status: 404, message: /no product/ },
  // facets
  { what: 'facets: an unknown value', path: '/api/v1/facets?season=Monsoon', status: 400, message: /unknown season value "Monsoon"/ },
  { what: 'facets: an unknown parameter', path: '/api/v1/facets?colour=Red', status: 400, message: /unknown query parameter "colour"/ },
  { what: 'facets: k is not a filter', path: '/api/v1/facets?k=5', status: 400, message: /unknown query parameter "k"/ },
  { what: 'facets: a year in hex', path: '/api/v1/facets?year=0x7DC', status: 400, message: DECIMAL },
  { what: 'facets: malformed percent-encoding', path: '/api/v1/facets?gender=%E2%82', status: 400, message: PERCENT },
  // images: keys MinIO would refuse, or that leave the bucket
  { what: 'an encoded backslash', path: `${IMG}/normalized%5Cx.jpg`, status: 400, message: BACKSLASH },
  { what: 'a raw backslash', path: `${IMG}/normalized\\x.jpg`, status: 400, message: BACKSLASH },
  { what: 'a backslash-dot-dot escape', path: `${IMG}/normalized/..%5C..%5Cx.jpg`, status: 400, message: BACKSLASH },
  { what: 'a 256-byte segment', path: `${IMG}/${long(252)}.jpg`, status: 400, message: SEGMENT },
  { what: 'a 300-byte segment of two-byte characters', path: `${IMG}/x/${encodeURIComponent(long(150, 'é'))}`, status: 400, message: SEGMENT },
  { what: 'a dot-dot segment', path: `${IMG}/a/../b.jpg`, status: 400, message: /invalid object key/ },
  { what: 'an encoded dot-dot path', path: `${IMG}/a%2F..%2Fb.jpg`, status: 400, message: /invalid object key/ },
  { what: 'an empty segment', path: `${IMG}/a//b.jpg`, status: 400, message: /invalid object key/ },
  { what: 'a NUL in the key', path: `${IMG}/a%00b.jpg`, status: 400, message: /invalid object key/ },
  { what: 'a key of 1029 bytes', path: `${IMG}/${Array.from({ length: 5 }, () => long(205)).join('/')}`, status: 400, message: /invalid object key .*1029 bytes/ },
  { what: 'malformed percent-encoding in a key', path: `${IMG}/%ZZ.jpg`, status: 400, message: /is not a valid url component/ },
  { what: 'an empty key', path: `${IMG}/`, status: 400, message: /invalid object key/ },
  { what: 'a missing image', path: `${IMG}/normalized/${'0'.repeat(64)}.jpg`, status: 404, message: /no image/ },
  // image search by object key
  { what: 'objectKey with a backslash', method: 'POST', path: I, headers: jsonHeaders, body: JSON.stringify({ objectKey: 'incoming\\query.jpg' }), status: 400, message: BACKSLASH },
  { what: 'objectKey with a 300-byte segment', method: 'POST', path: I, headers: jsonHeaders, body: JSON.stringify({ objectKey: `incoming/${long(300)}` }), status: 400, message: SEGMENT },
  { what: 'objectKey empty', method: 'POST', path: I, headers: jsonHeaders, body: '{"objectKey":""}', status: 400, message: /objectKey must NOT have fewer than 1 characters/ },
  { what: 'objectKey missing', method: 'POST', path: I, headers: jsonHeaders, body: '{}', status: 400, message: /missing body property "objectKey"/ },
  { what: 'objectKey a number', method: 'POST', path: I, headers: jsonHeaders, body: '{"objectKey":123}', status: 400, message: /objectKey must be a string, got number/ },
  { what: 'objectKey and k in the body', method: 'POST', path: I, headers: jsonHeaders, body: '{"objectKey":"a.jpg","k":3}', status: 400, message: /unknown body property "k"/ },
  { what: 'cut JSON', method: 'POST', path: I, headers: jsonHeaders, body: '{"objectKey":', status: 400, message: /JSON/ },
  { what: 'a JSON array', method: 'POST', path: I, headers: jsonHeaders, body: '[]', status: 400, message: /body must be object/ },
  { what: 'JSON null', method: 'POST', path: I, headers: jsonHeaders, body: 'null', status: 400, message: /body must be object|objectKey/ },
  { what: 'an empty JSON body', method: 'POST', path: I, headers: jsonHeaders, body: '', status: 400, message: /Body cannot be empty/ },
  { what: 'objectKey leaving the bucket', method: 'POST', path: I, headers: jsonHeaders, body: '{"objectKey":"../etc/passwd"}', status: 400, message: /invalid object key/ },
  { what: 'objectKey with an empty segment', method: 'POST', path: I, headers: jsonHeaders, body: '{"objectKey":"a//b.jpg"}', status: 400, message: /invalid object key/ },
  { what: 'objectKey with a NUL', method: 'POST', path: I, headers: jsonHeaders, body: '{"objectKey":"a\\u0000b.jpg"}', status: 400, message: /invalid object key/ },
  { what: 'objectKey of a missing object', method: 'POST', path: I, headers: jsonHeaders, body: JSON.stringify({ objectKey: `${prefix}/missing.jpg` }), status: 404, message: /no object/ },
  { what: 'objectKey of a text file', method: 'POST', path: I, headers: jsonHeaders, body: JSON.stringify({ objectKey: `${prefix}/notes.txt` }), status: 415, message: /not an image/ },
  { what: 'objectKey of a truncated JPEG', method: 'POST', path: I, headers: jsonHeaders, body: JSON.stringify({ objectKey: `${prefix}/cut.jpg` }), status: 415, message: TRUNCATED },
  { what: 'objectKey of an SVG', method: 'POST', path: I, headers: jsonHeaders, body: JSON.stringify({ objectKey: `${prefix}/drawing.svg` }), status: 415, message: /svg format are not accepted/ },
  { what: 'objectKey with a bad k', method: 'POST', path: `${I}?k=0x10`, headers: jsonHeaders, body: JSON.stringify({ objectKey: `${prefix}/query.jpg` }), status: 400, message: DECIMAL },
  // image search: content types
  { what: 'a text body', method: 'POST', path: I, headers: { 'content-type': 'text/plain' }, body: 'a photo of a shirt', status: 415, message: /multipart\/form-data/ },
  { what: 'an XML body', method: 'POST', path: I, headers: { 'content-type': 'application/xml' }, body: '<objectKey>a</objectKey>', status: 415, message: /not accepted/ },
  { what: 'a raw JPEG body', method: 'POST', path: I, headers: { 'content-type': 'image/jpeg' }, body: jpeg, status: 415, message: /not accepted/ },
  { what: 'no body at all', method: 'POST', path: I, status: 415, message: /multipart\/form-data/ },
  // image search: malformed multipart
  { what: 'multipart without a boundary', method: 'POST', path: I, headers: { 'content-type': 'multipart/form-data' }, body: multipartBody([file(jpeg)]), status: 400, message: /multipart.*boundary/ },
  { what: 'multipart with an empty boundary', method: 'POST', path: I, headers: { 'content-type': 'multipart/form-data; boundary=' }, body: multipartBody([file(jpeg)]), status: 400, message: /multipart.*boundary/ },
  { what: 'a boundary of 257 characters', method: 'POST', path: I, headers: mp(long(257, 'b')), body: multipartBody([file(jpeg)], long(257, 'b')), status: 400, message: /boundary .*at most 70/ },
  { what: 'a boundary of 71 characters', method: 'POST', path: I, headers: mp(long(71, 'b')), body: multipartBody([file(jpeg)], long(71, 'b')), status: 400, message: /boundary .*at most 70/ },
  { what: 'a body cut before its closing boundary', method: 'POST', path: I, headers: mp(), body: multipartBody([file(jpeg)], BOUNDARY, false), status: 400, message: /multipart body ends before/ },
  { what: 'a body cut inside the file', method: 'POST', path: I, headers: mp(), body: multipartBody([file(jpeg)]).subarray(0, 400), status: 400, message: /multipart body ends before/ },
  { what: 'a body cut inside the part headers', method: 'POST', path: I, headers: mp(), body: `--${BOUNDARY}\r\nContent-Disposition: form-da`, status: 400, message: /multipart body ends before/ },
  { what: 'a body that is not multipart', method: 'POST', path: I, headers: mp(), body: 'just some text', status: 400, message: /multipart body ends before|no file/ },
  { what: 'a body with another boundary', method: 'POST', path: I, headers: mp(), body: multipartBody([file(jpeg)], 'otherBoundary'), status: 400, message: /multipart body ends before|no file/ },
  // image search: the parts
  { what: 'two files in image', method: 'POST', path: I, headers: mp(), body: multipartBody([file(jpeg), file(png, 'second.png', 'image', 'image/png')]), status: 400, message: /send exactly one image, in the field "image"; the form has more than one file/ },
  { what: 'three files in image', method: 'POST', path: I, headers: mp(), body: multipartBody([file(jpeg), file(jpeg, 'b.jpg'), file(jpeg, 'c.jpg')]), status: 400, message: /send exactly one image/ },
  { what: 'a second file in another field', method: 'POST', path: I, headers: mp(), body: multipartBody([file(jpeg), file(png, 'extra.png', 'extra', 'image/png')]), status: 400, message: /send exactly one image/ },
  { what: 'the wrong field', method: 'POST', path: I, headers: mp(), body: multipartBody([file(jpeg, 'q.jpg', 'photo')]), status: 400, message: /field "image", not "photo"/ },
  { what: 'a text field instead of a file', method: 'POST', path: I, headers: mp(), body: multipartBody([{ name: 'image', bytes: 'hello' }]), status: 400, message: /has no file/ },
  { what: 'an empty file', method: 'POST', path: I, headers: mp(), body: multipartBody([file(Buffer.alloc(0))]), status: 400, message: /the image is empty/ },
  { what: 'a text file', method: 'POST', path: I, headers: mp(), body: multipartBody([file('plain text, not an image', 'notes.txt', 'image', 'text/plain')]), status: 415, message: /not an image/ },
  { what: 'a PDF header', method: 'POST', path: I, headers: mp(), body: multipartBody([file('%PDF-1.4\n%âãÏÓ\n1 0 obj', 'doc.pdf')]), status: 415, message: /not an image/ },
  { what: 'a JPEG cut after 100 bytes', method: 'POST', path: I, headers: mp(), body: multipartBody([file(jpeg.subarray(0, 100))]), status: 415, message: /jpeg image is truncated/ },
  { what: 'a JPEG cut in half', method: 'POST', path: I, headers: mp(), body: multipartBody([file(jpeg.subarray(0, jpeg.length >> 1))]), status: 415, message: /jpeg image is truncated/ },
  { what: 'a JPEG without its last bytes', method: 'POST', path: I, headers: mp(), body: multipartBody([file(jpeg.subarray(0, jpeg.length - 40))]), status: 415, message: /jpeg image is truncated/ },
  { what: 'a PNG cut after 40 bytes', method: 'POST', path: I, headers: mp(), body: multipartBody([file(png.subarray(0, 40), 'q.png', 'image', 'image/png')]), status: 415, message: /png image is truncated/ },
  { what: 'a PNG cut in half', method: 'POST', path: I, headers: mp(), body: multipartBody([file(png.subarray(0, png.length >> 1), 'q.png', 'image', 'image/png')]), status: 415, message: /png image is truncated/ },
  { what: 'a GIF cut in half', method: 'POST', path: I, headers: mp(), body: multipartBody([file(gif.subarray(0, gif.length >> 1), 'q.gif', 'image', 'image/gif')]), status: 415, message: /gif image is truncated/ },
  { what: 'a WebP cut in half', method: 'POST', path: I, headers: mp(), body: multipartBody([file(webp.subarray(0, webp.length >> 1), 'q.webp', 'image', 'image/webp')]), status: 415, message: /webp image is truncated/ },
  { what: 'a JPEG signature and garbage', method: 'POST', path: I, headers: mp(), body: multipartBody([file(Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), crypto.randomBytes(2000), Buffer.from([0xff, 0xd9])]))]), status: 415, message: /jpeg image is corrupt/ },
  { what: 'an SVG upload', method: 'POST', path: I, headers: mp(), body: multipartBody([file(svg, 'x.svg', 'image', 'image/svg+xml')]), status: 415, message: /svg format are not accepted/ },
  { what: 'too many pixels', method: 'POST', path: I, headers: mp(), body: multipartBody([file(hugePng, 'huge.png', 'image', 'image/png')]), status: 413, message: /8000×6000 pixels, more than the limit/ },
  { what: 'over the upload limit', method: 'POST', path: I, headers: mp(), body: multipartBody([file(crypto.randomBytes(5 * 1024 * 1024 + 1))]), status: 413, message: /larger than the upload limit of 5242880 bytes/ },
  { what: 'a good image with k=0', method: 'POST', path: `${I}?k=0`, headers: mp(), body: multipartBody([file(jpeg)]), status: 400, message: /k must be >= 1/ },
  { what: 'a good image with an unknown filter', method: 'POST', path: `${I}?baseColour=Plaid`, headers: mp(), body: multipartBody([file(jpeg)]), status: 400, message: /unknown baseColour value "Plaid"/ },
  { what: 'a good image with malformed percent-encoding', method: 'POST', path: `${I}?gender=%C3`, headers: mp(), body: multipartBody([file(jpeg)]), status: 400, message: PERCENT },
  // routes and methods
  { what: 'DELETE on search', method: 'DELETE', path: `${S}?q=shirt`, status: 404, message: /no route DELETE \/api\/v1\/search/ },
  { what: 'PUT on image search', method: 'PUT', path: I, status: 404, message: /no route PUT/ },
  { what: 'GET on image search', path: I, status: 404, message: /no route GET \/api\/v1\/search\/image/ },
  { what: 'an unknown route', path: '/api/v1/nope', status: 404, message: /no route GET \/api\/v1\/nope/ },
];

t.test(`${cases.length} bad REST inputs: each its 4xx with a message, none a 5xx`, async (t) => {
  t.ok(cases.length >= 100, `${cases.length} cases`);
  t.equal(new Set(cases.map((c) => c.what)).size, cases.length, 'every case is distinct');
  let fiveHundreds = 0;
  for (const c of cases) {
    const method = c.method ?? 'GET';
    const answer = await send(method, c.path, c.headers, c.body);
    const body = json(answer);
    if (answer.status >= 500) fiveHundreds += 1;
    t.equal(answer.status, c.status, `${c.what}: ${method} ${c.path.slice(0, 70)} → ${c.status} (${body.message?.slice(0, 160)})`);
    t.equal(body.statusCode, answer.status, `${c.what}: the body carries the status`);
    t.match(body.message, c.message, `${c.what}: the message says what is wrong`);
  }
  t.equal(fiveHundreds, 0, 'no 5xx');
});

t.test('GraphQL searchByImageKey refuses the keys MinIO would refuse, as REST does', async (t) => {
  for (const [key, message] of [
    ['incoming\\query.jpg', BACKSLASH],
    [`incoming/${long(256)}`, SEGMENT],
    ['a/../b.jpg', /invalid object key/],
  ] as const) {
    const answer = await send('POST', '/graphql', jsonHeaders, JSON.stringify({ query: 'query($key: String!) { searchByImageKey(objectKey: $key) { k } }', variables: { key } }));
    const body = JSON.parse(answer.body.toString()) as { errors?: Array<{ message: string; extensions?: { code?: string; statusCode?: number } }> };
    t.equal(answer.status, 400, `${key.slice(0, 30)}: 400`);
    t.match(body.errors?.[0], { message, extensions: { code: 'BAD_USER_INPUT', statusCode: 400 } }, key.slice(0, 30));
  }
});

t.test('a forged Host header never becomes the origin of image URLs', async (t) => {
  for (const host of ['evil.example', 'evil.example:666', `127.0.0.1:${port}`]) {
    const answer = await send('GET', `${S}?q=shirt&k=3`, { host });
    t.equal(answer.status, 200, host);
    const page = JSON.parse(answer.body.toString()) as { hits: Array<{ product: { imageUrl: string | null } }> };
    t.ok(page.hits.length > 0);
    for (const hit of page.hits) t.match(hit.product.imageUrl, /^\/api\/v1\/images\//, `${host}: a relative URL (${hit.product.imageUrl})`);
    t.notMatch(answer.body.toString(), /evil\.example/, `${host}: the host appears nowhere in the answer`);
  }
  const product = JSON.parse((await send('GET', `${P}/${ids[0]}`, { host: 'evil.example' })).body.toString()) as { imageUrl: string };
  t.match(product.imageUrl, /^\/api\/v1\/images\//, 'a product by id too');
  const configured = await stack.another({ publicUrl: 'https://shop.example/' });
  const res = await configured.inject({ url: `${S}?q=shirt&k=1`, headers: { host: 'evil.example' } });
  t.match(res.json().hits[0].product.imageUrl, /^https:\/\/shop\.example\/api\/v1\/images\//, 'a configured public URL is the origin, not the Host');
});

t.test('stored files that are not raster images are never served inline from the gateway origin', async (t) => {
  for (const name of ['evil.svg', 'page.html']) {
    const answer = await send('GET', `${IMG}/${prefix}/${name}`);
    t.equal(answer.status, 200, name);
    t.equal(answer.headers['content-type'], 'application/octet-stream', `${name}: not served as its stored type`);
    t.match(answer.headers['content-disposition'], /^attachment/, `${name}: as an attachment`);
    t.match(answer.headers['content-security-policy'], /sandbox/, `${name}: sandboxed`);
    t.equal(answer.headers['x-content-type-options'], 'nosniff', `${name}: no sniffing`);
  }
  const photo = await send('GET', `${IMG}/${prefix}/photo.jpg`);
  t.equal(photo.status, 200);
  t.equal(photo.headers['content-type'], 'image/jpeg', 'a JPEG is still an image');
  t.equal(photo.headers['content-disposition'], undefined, 'shown inline');
  t.match(photo.headers['content-security-policy'], /sandbox/, 'sandboxed all the same');
  t.same(photo.body, jpeg);
});

t.test('a client trickling its headers is disconnected within a bounded time', async (t) => {
  const began = Date.now();
  const socket = net.connect(port, '127.0.0.1');
  await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
  socket.write('GET /api/v1/health HTTP/1.1\r\nHost: 127.0.0.1\r\n');
  let answer = '';
  socket.on('data', (c: Buffer) => (answer += c.toString()));
  const closed = new Promise<number>((resolve) => socket.once('close', () => resolve(Date.now() - began)));
  socket.on('error', () => undefined);
  // One header byte every 500 ms, for at most 40 s.
  let sent = 0;
  const timer = setInterval(() => {
    if (socket.destroyed || Date.now() - began > 40_000) return clearInterval(timer);
    socket.write(sent % 20 === 19 ? '\r\n' : sent % 20 === 0 ? 'X-Slow: ' : 'a');
    sent += 1;
  }, 500);
  const ms = await Promise.race([closed, new Promise<number>((resolve) => setTimeout(() => resolve(-1), 45_000))]);
  clearInterval(timer);
  socket.destroy();
  t.ok(ms > 0, `the server closed the connection (after ${ms} ms, ${sent} bytes trickled)`);
  t.ok(ms > 0 && ms <= 15_000, `within 15 s (${ms} ms)`);
  t.match(answer, /^HTTP\/1\.1 408|^$/, 'answered 408 Request Timeout, or just closed');
});

t.test('after all of that, a normal search still answers 200', async (t) => {
  const answer = await send('GET', `${S}?q=${encodeURIComponent('blue shirt')}&k=5&articleType=Shirts`);
  t.equal(answer.status, 200);
  const page = JSON.parse(answer.body.toString()) as { modelVersion: string; hits: Array<{ product: { articleType: string } }> };
  t.equal(page.modelVersion, stack.version);
  t.ok(page.hits.length > 0 && page.hits.every((h) => h.product.articleType === 'Shirts'), 'filtered hits');
  const upload = await send('POST', `${I}?k=3`, mp(), multipartBody([file(jpeg)]));
  t.equal(upload.status, 200, 'an image upload too');
  const health = await send('GET', '/api/v1/health');
  t.equal(health.status, 200, 'healthy');
});
