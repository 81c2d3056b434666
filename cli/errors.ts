// Turns a thrown error into the one line a user reads, and the exit code.
import { StackError } from '../stack/types.ts';

export function reportError(err: unknown): number {
  if (err instanceof StackError) {
    process.stderr.write(`vitrina: ${err.message}\n  fix: ${err.fix}\n`);
    return 1;
  }
  const message = err instanceof Error ? err.message : String(err);
  process.stderr.write(`vitrina: ${message}\n`);
  if (process.env.VITRINA_DEBUG && err instanceof Error) process.stderr.write(`${err.stack}\n`);
  return 1;
}
