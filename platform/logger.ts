// One pino logger for every process; level from VITRINA_LOG_LEVEL (default info).
import { pino, type Logger } from 'pino';
import { processSettings } from './env-table.ts';

export type { Logger };

export const logger: Logger = pino({
  name: 'vitrina',
  level: processSettings().VITRINA_LOG_LEVEL,
  base: { pid: process.pid },
});
