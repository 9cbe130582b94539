import { pino, type Logger } from 'pino';

/** The process logger: JSON lines on stdout; level from LOG_LEVEL (default info). */
export const logger: Logger = pino({
  level: process.env.LOG_LEVEL ?? 'info',
  base: { app: 'podpool' },
  timestamp: pino.stdTimeFunctions.isoTime,
});

export type { Logger };

/** How much of one untrusted value (a name, a label, a path, a header) a log line or error message repeats. */
export const MAX_INPUT_EXCERPT_CHARS = 200;
/** How long a whole message that embeds input (an error's, a log line's reason) may grow. */
export const MAX_MESSAGE_CHARS = 1_000;
const MAX_LOGGED_STACK_CHARS = 4_000;

/** `text` cut to `maxChars`, saying how much was left out, so a 1 MB input costs a log line no more than a short one. */
export function excerpt(text: string, maxChars = MAX_INPUT_EXCERPT_CHARS): string {
  if (text.length <= maxChars) return text;
  return `${text.slice(0, maxChars)}... (${text.length - maxChars} more characters)`;
}

/**
 * An error as a log field (pino's `err` shape), its message and stack bounded: messages of
 * errors raised on bad input (a URI decoder's, a parser's) may repeat that input whole.
 */
export function loggedError(error: unknown): { type: string; message: string; stack?: string } {
  if (!(error instanceof Error)) return { type: typeof error, message: excerpt(String(error), MAX_MESSAGE_CHARS) };
  const logged: { type: string; message: string; stack?: string } = {
    type: error.name,
    message: excerpt(error.message, MAX_MESSAGE_CHARS),
  };
  if (error.stack !== undefined) logged.stack = excerpt(error.stack, MAX_LOGGED_STACK_CHARS);
  return logged;
}
