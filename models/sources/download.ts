// Downloads the files of a model published under a base URL (a Hugging Face repository's
// .../resolve/main/ or any static file server) into a version directory of the cache. Every file
// needs its sha256 in model.json ("sha256": { "<file>": "<hex>" }): a file without one is not
// fetched, and one whose bytes do not match is not kept. Each file is bounded in time (timeoutMs,
// the whole transfer) and size (maxBytes); a partial file never lands under its name.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { processSettings } from '../../platform/env-table.ts';
import { manifestFile } from '../manifest.ts';

export interface DownloadOptions {
  /** Files that must exist under the URL. */
  required: string[];
  /** Files fetched when present (a 404 is fine) and when model.json gives their sha256. */
  optional?: string[];
  /** sha256 (hex) of each file, from model.json; required for every required file. */
  sha256: Record<string, string>;
  /** Per file, the whole transfer — VITRINA_MODEL_DOWNLOAD_TIMEOUT_MS, 10 minutes. */
  timeoutMs?: number;
  /** Per file — VITRINA_MODEL_DOWNLOAD_MAX_BYTES, 4 GiB. */
  maxBytes?: number;
  log?: (line: string) => void;
}

function join(base: string, file: string): string {
  return `${base.endsWith('/') ? base : `${base}/`}${file.split('/').map(encodeURIComponent).join('/')}`;
}

interface Limits {
  timeoutMs: number;
  maxBytes: number;
}

async function fetchTo(url: string, file: string, expected: string, limits: Limits): Promise<boolean> {
  const signal = AbortSignal.timeout(limits.timeoutMs);
  const tmp = `${file}.${process.pid}.${crypto.randomBytes(4).toString('hex')}.download`;
  try {
    const response = await fetch(url, { redirect: 'follow', signal });
    if (response.status === 404) return false;
    if (!response.ok || !response.body) throw new Error(`GET ${url}: HTTP ${response.status}`);
    const declared = Number(response.headers.get('content-length') ?? NaN);
    if (declared > limits.maxBytes) throw new Error(`GET ${url}: ${declared} bytes, more than ${limits.maxBytes} bytes`);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    const hash = crypto.createHash('sha256');
    let bytes = 0;
    const counted = new Transform({
      transform(chunk: Buffer, _encoding, done) {
        bytes += chunk.length;
        if (bytes > limits.maxBytes) return done(new Error(`GET ${url}: more than ${limits.maxBytes} bytes`));
        hash.update(chunk);
        done(null, chunk);
      },
    });
    await pipeline(Readable.fromWeb(response.body as import('node:stream/web').ReadableStream), counted, fs.createWriteStream(tmp), { signal });
    const digest = hash.digest('hex');
    if (digest !== expected) throw new Error(`GET ${url}: the file does not match its sha256 in model.json (got ${digest})`);
    fs.renameSync(tmp, file);
    return true;
  } catch (err) {
    if (signal.aborted) throw new Error(`GET ${url}: timed out after ${limits.timeoutMs} ms`);
    throw err;
  } finally {
    fs.rmSync(tmp, { force: true });
  }
}

const MARKER = '.downloaded';

/** Fetches every file that is not in dir yet; a marker file records a finished download. */
export async function downloadModelFiles(baseUrl: string, dir: string, options: DownloadOptions): Promise<void> {
  const marker = path.join(dir, MARKER);
  if (fs.existsSync(marker) && fs.readFileSync(marker, 'utf8').trim() === baseUrl) return;
  const settings = processSettings();
  const limits = { timeoutMs: options.timeoutMs ?? settings.VITRINA_MODEL_DOWNLOAD_TIMEOUT_MS, maxBytes: options.maxBytes ?? settings.VITRINA_MODEL_DOWNLOAD_MAX_BYTES };
  const targets = [...options.required, ...(options.optional ?? [])].map((file) => ({ file, target: manifestFile(dir, file) }));
  const unverified = options.required.filter((file) => !options.sha256[file]);
  if (unverified.length > 0) throw new Error(`model.json gives no sha256 for ${unverified.join(', ')}: files fetched from ${baseUrl} must name their sha256 ("sha256": { "<file>": "<hex>" })`);
  for (const { file, target } of targets) {
    const expected = options.sha256[file];
    if (fs.existsSync(target) || !expected) continue;
    options.log?.(`downloading ${join(baseUrl, file)}`);
    const found = await fetchTo(join(baseUrl, file), target, expected, limits);
    if (!found && options.required.includes(file)) throw new Error(`GET ${join(baseUrl, file)}: HTTP 404 (a CLIP ONNX export needs ${options.required.join(', ')})`);
  }
  fs.writeFileSync(marker, `${baseUrl}\n`);
}
