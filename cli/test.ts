// `vitrina test`: type-checks, brings up the local stack (unless --unit), runs every tap test file
// against it and prints the closing line "N passed, N failed" that CI reads.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import { down, stackEnv, status, up } from '../stack/manager.ts';
import { useTestStack } from '../stack/test-stack.ts';
import { summarizeResults } from './test-summary.ts';

const root = fileURLToPath(new URL('..', import.meta.url));
const bin = (name: string): string => path.join(root, 'node_modules', '.bin', name);

interface TestOptions {
  unit?: boolean;
  typecheck: boolean;
  keepStack?: boolean;
}

export function registerTest(program: Command): void {
  program
    .command('test [files...]')
    .description('type-check, start the local stack and run the whole test suite (or the given files)')
    .option('--unit', 'only the tests that need no server (test/unit)')
    .option('--no-typecheck', 'skip the TypeScript type check')
    .option('--keep-stack', 'leave a stack this command started running afterwards')
    .action(async (files: string[], opts: TestOptions) => {
      process.exitCode = await runTests(files, opts);
    });
}

async function runTests(files: string[], opts: TestOptions): Promise<number> {
  const began = Date.now();
  if (opts.typecheck) {
    process.stdout.write('type-checking (tsc --noEmit)\n');
    const tsc = spawnSync(bin('tsc'), ['--noEmit', '-p', path.join(root, 'tsconfig.json')], { stdio: 'inherit', cwd: root });
    if (tsc.status !== 0) {
      process.stdout.write('type check failed\n0 passed, 1 failed\n');
      return 1;
    }
  }
  // The tests ask for the tiny test models by name ("tiny", "tiny-<n>"); nothing else generates them.
  process.env.VITRINA_TINY_MODELS ??= '1';
  let startedStack = false;
  if (!opts.unit) {
    useTestStack();
    const before = await status();
    startedStack = before.some((s) => !s.running);
    await up({ log: (line) => process.stdout.write(`${line}\n`) });
    Object.assign(process.env, stackEnv());
  }
  const resultsDir = path.join(root, '.tap', 'test-results');
  fs.rmSync(resultsDir, { recursive: true, force: true });
  // Test files only: given a folder, tap would also run its helpers (test/unit/known-image.ts) and
  // count each as a failed file with no tests.
  const unitFiles = (): string[] => fs.readdirSync(path.join(root, 'test', 'unit')).filter((f) => f.endsWith('.test.ts')).map((f) => path.join('test', 'unit', f));
  const targets = files.length > 0 ? files : opts.unit ? unitFiles() : [];
  const tap = spawnSync(bin('tap'), targets, { stdio: 'inherit', cwd: root, env: process.env });
  const summary = summarizeResults(resultsDir);
  if (startedStack && !opts.keepStack) await down();
  for (const failure of summary.failures) process.stdout.write(`FAILED: ${failure}\n`);
  process.stdout.write(`test run took ${((Date.now() - began) / 1000).toFixed(0)} s\n`);
  const failed = summary.failed + (tap.status !== 0 && summary.failed === 0 ? 1 : 0);
  process.stdout.write(`${summary.passed} passed, ${failed} failed${summary.skipped > 0 ? `, ${summary.skipped} skipped` : ''}\n`);
  return failed > 0 ? 1 : 0;
}
