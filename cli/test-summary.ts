// Counts the results of a tap run from the raw TAP files tap saves under .tap/test-results: one
// test per top-level subtest (or top-level assertion) of each file; a file that crashed before it
// reported anything counts as one failure.
import fs from 'node:fs';
import path from 'node:path';
import { Parser, type Result } from 'tap-parser';

export interface Summary {
  passed: number;
  failed: number;
  skipped: number;
  failures: string[];
}

function listTapFiles(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return listTapFiles(full);
    return entry.name.endsWith('.tap') ? [full] : [];
  });
}

export function summarizeTap(text: string, file: string): Summary {
  const summary: Summary = { passed: 0, failed: 0, skipped: 0, failures: [] };
  const parser = new Parser();
  let finalOk = true;
  parser.on('assert', (result: Result) => {
    if (result.skip || result.todo) summary.skipped += 1;
    else if (result.ok) summary.passed += 1;
    else {
      summary.failed += 1;
      summary.failures.push(`${file}: ${result.name}`);
    }
  });
  parser.on('complete', (final: { ok: boolean }) => {
    finalOk = final.ok;
  });
  parser.end(text);
  if (!finalOk && summary.failed === 0) {
    summary.failed += 1;
    summary.failures.push(`${file}: did not complete (crashed, timed out or bailed out)`);
  }
  return summary;
}

export function summarizeResults(dir: string): Summary {
  const total: Summary = { passed: 0, failed: 0, skipped: 0, failures: [] };
  for (const file of listTapFiles(dir)) {
    const one = summarizeTap(fs.readFileSync(file, 'utf8'), path.relative(dir, file).replace(/\.tap$/, ''));
    total.passed += one.passed;
    total.failed += one.failed;
    total.skipped += one.skipped;
    total.failures.push(...one.failures);
  }
  return total;
}
