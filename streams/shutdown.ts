// Graceful shutdown: on SIGTERM or SIGINT, stop every registered part (processors finish and commit
// their batch in hand), then exit.
import { logger } from '../platform/logger.ts';

type Stoppable = { stop: () => Promise<void> };

const parts: Stoppable[] = [];
let installed = false;

export function stopOnSignals(part: Stoppable): void {
  parts.push(part);
  if (installed) return;
  installed = true;
  const shutdown = (signal: NodeJS.Signals): void => {
    logger.info({ signal }, 'shutting down');
    const force = setTimeout(() => process.exit(1), 30_000);
    force.unref();
    Promise.allSettled([...parts].reverse().map((p) => p.stop())).then(() => process.exit(0));
  };
  process.once('SIGTERM', shutdown);
  process.once('SIGINT', shutdown);
}
