// Downloads the files of a model published under a base URL (a Hugging Face repository's
// .../resolve/main/ or any static file server) into a version directory of the cache.
import fs from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';

export interface DownloadOptions {
  /** Files that must exist under the URL. */
  required: string[];
  /** Files fetched when present (a 404 is fine). */
  optional?: string[];
  log?: (line: string) => void;
}

function join(base: string, file: string): string {
  return `${base.endsWith('/') ? base : `${base}/`}${file.split('/').map(encodeURIComponent).join('/')}`;
}

async function fetchTo(url: string, file: string): Promise<boolean> {
  const response = await fetch(url, { redirect: 'follow' });
  if (response.status === 404) return false;
  if (!response.ok || !response.body) throw new Error(`GET ${url}: HTTP ${response.status}`);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.download`;
  await pipeline(Readable.fromWeb(response.body as import('node:stream/web').ReadableStream), fs.createWriteStream(tmp));
  fs.renameSync(tmp, file);
  return true;
}

const MARKER = '.downloaded';

/** Fetches every file that is not in dir yet; a marker file records a finished download. */
export async function downloadModelFiles(baseUrl: string, dir: string, options: DownloadOptions): Promise<void> {
  const marker = path.join(dir, MARKER);
  if (fs.existsSync(marker) && fs.readFileSync(marker, 'utf8').trim() === baseUrl) return;
  for (const file of [...options.required, ...(options.optional ?? [])]) {
    const target = path.join(dir, file);
    if (fs.existsSync(target)) continue;
    options.log?.(`downloading ${join(baseUrl, file)}`);
    const found = await fetchTo(join(baseUrl, file), target);
    if (!found && options.required.includes(file)) throw new Error(`GET ${join(baseUrl, file)}: HTTP 404 (a CLIP ONNX export needs ${options.required.join(', ')})`);
  }
  fs.writeFileSync(marker, `${baseUrl}\n`);
}
