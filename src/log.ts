import { pino, type Logger } from 'pino';

/** The process logger: JSON lines on stdout; level from LOG_LEVEL (default info). */
export const logger: Logger = pino({
  level: process.env.LOG_LEVEL ?? 'info',
  base: { app: 'podpool' },
  timestamp: pino.stdTimeFunctions.isoTime,
});

export type { Logger };
