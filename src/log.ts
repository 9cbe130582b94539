import { pino, type Logger } from 'pino';
import { PinoPretty } from 'pino-pretty';

export type LogFormat = 'json' | 'pretty';

/**
 * LOG_FORMAT=json or pretty; unset, short coloured lines on a terminal (npm start, the CLI by
 * hand) and JSON lines everywhere else (a container, a pipe, a log shipper).
 */
export function logFormat(env: Record<string, string | undefined> = process.env, isTerminal = process.stdout.isTTY === true): LogFormat {
  if (env.LOG_FORMAT === 'json' || env.LOG_FORMAT === 'pretty') return env.LOG_FORMAT;
  return isTerminal ? 'pretty' : 'json';
}

const options = { level: process.env.LOG_LEVEL ?? 'info', base: { app: 'podpool' }, timestamp: pino.stdTimeFunctions.isoTime };

/** The process logger; level from LOG_LEVEL (default info), format from logFormat(). */
export const logger: Logger =
  logFormat() === 'pretty'
    ? // Synchronous, in this thread: a CLI that exits at once still prints its last lines.
      pino(options, PinoPretty({ sync: true, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname,app' }))
    : pino(options);

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
