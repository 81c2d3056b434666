// Turns a thrown error into the one line a user reads, and the exit code.
import { processSettings } from '../platform/env-table.ts';
import { StackError } from '../stack/types.ts';

export function reportError(err: unknown): number {
  if (err instanceof StackError) {
    process.stderr.write(`vitrina: ${err.message}\n  fix: ${err.fix}\n`);
    return 1;
  }
  const message = err instanceof Error ? err.message : String(err);
  process.stderr.write(`vitrina: ${message}\n`);
  if (debugging() && err instanceof Error) process.stderr.write(`${err.stack}\n`);
  return 1;
}

/** VITRINA_DEBUG of the process's settings; false when the settings themselves are what failed to parse. */
function debugging(): boolean {
  try {
    return processSettings().VITRINA_DEBUG;
  } catch {
    return false;
  }
}
