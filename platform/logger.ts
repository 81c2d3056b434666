// One pino logger for every process; level from VITRINA_LOG_LEVEL (default info).
import { pino, type Logger } from 'pino';

export type { Logger };

export const logger: Logger = pino({
  name: 'vitrina',
  level: process.env.VITRINA_LOG_LEVEL ?? 'info',
  base: { pid: process.pid },
});
