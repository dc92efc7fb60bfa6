// Type-only: the CLI loads this module, and loading Bolt itself costs ~100 MB and a second.
import type { Logger as BoltLogger, LogLevel } from '@slack/bolt';
import { type DestinationStream, type Logger, pino } from 'pino';

export type TLogger = Logger;

/** Paths whose values are never written to the log (tokens, secrets, auth headers). */
export const REDACTED_PATHS = [
  'token',
  'botToken',
  'userToken',
  'appToken',
  'signingSecret',
  'clientSecret',
  'password',
  'authorization',
  '*.token',
  '*.botToken',
  '*.userToken',
  '*.appToken',
  '*.signingSecret',
  '*.clientSecret',
  '*.password',
  '*.authorization',
  'headers.authorization',
  'req.headers.authorization',
  'req.headers.cookie',
];

/** How much of an error's message and stack reaches the log. */
const MAX_ERROR_TEXT = 2_000;

/**
 * An error as it may be logged: its class, code, message and stack (Slack tokens masked, long texts cut), and
 * its cause the same way, and nothing else. Errors often carry what they were about as properties (Bolt's
 * receiver errors carry the whole request, headers included; HTTP client errors their request options): none
 * of that is written.
 */
export function errorForLog(error: unknown, depth = 0): Record<string, unknown> {
  if (!(error instanceof Error)) {
    // Something thrown that is not an Error: its kind and property names, never its values.
    if (error && typeof error === 'object')
      return {
        ...(typeof (error as { stack?: unknown }).stack === 'string'
          ? { stack: maskSecrets((error as { stack: string }).stack).slice(0, MAX_ERROR_TEXT) }
          : {}),
        type: error.constructor?.name ?? 'object',
        message:
          typeof (error as { message?: unknown }).message === 'string'
            ? maskSecrets((error as { message: string }).message).slice(0, MAX_ERROR_TEXT)
            : `a thrown ${error.constructor?.name ?? 'object'} with ${Object.keys(error).slice(0, 10).join(', ') || 'no properties'}`,
      };
    return { message: maskSecrets(String(error)).slice(0, MAX_ERROR_TEXT) };
  }
  const out: Record<string, unknown> = {
    type: error.name,
    message: maskSecrets(error.message).slice(0, MAX_ERROR_TEXT),
  };
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' || typeof code === 'number') out.code = code;
  if (error.stack) out.stack = maskSecrets(error.stack).slice(0, MAX_ERROR_TEXT);
  if (error.cause !== undefined && depth < 3) out.cause = errorForLog(error.cause, depth + 1);
  return out;
}

/** Structured JSON logs (pino) to stderr by default, so stdout stays free for the shell and CLI output. */
export function createLogger(level: string, destination: DestinationStream = pino.destination(2)): TLogger {
  return pino(
    {
      level,
      base: { app: 'kpi-bot' },
      redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
      // Every error logged as `err` or `error` goes through the same filter.
      serializers: { err: (e: unknown) => errorForLog(e), error: (e: unknown) => errorForLog(e) },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    destination,
  );
}

const SECRET_PATTERN = /\b(xox[abposr]-[A-Za-z0-9-]+|xapp-[A-Za-z0-9-]+)/g;

/** Masks Slack tokens that appear inside free text (Bolt and the WebClient log plain strings). */
export function maskSecrets(text: string): string {
  return text.replace(SECRET_PATTERN, (t) => `${t.slice(0, 5)}[redacted]`);
}

/** Bolt's levels (the string values of its LogLevel enum) to pino's. */
const TO_PINO: Record<string, string> = { debug: 'debug', info: 'info', warn: 'warn', error: 'error' };

/** Gives Bolt (and its WebClient) the same pino logger, masking tokens in its messages. */
export function toBoltLogger(logger: TLogger, name = 'bolt'): BoltLogger {
  let child = logger.child({ component: name });
  const write =
    (level: 'debug' | 'info' | 'warn' | 'error') =>
    (...msgs: unknown[]) => {
      const text = msgs
        .map((m) =>
          m instanceof Error ? (m.stack ?? m.message) : typeof m === 'string' ? m : JSON.stringify(m),
        )
        .join(' ');
      child[level](maskSecrets(text));
    };
  return {
    debug: write('debug'),
    info: write('info'),
    warn: write('warn'),
    error: write('error'),
    setLevel: (level: LogLevel) => {
      child.level = TO_PINO[level] ?? 'info';
    },
    getLevel: () => (Object.entries(TO_PINO).find(([, v]) => v === child.level)?.[0] ?? 'info') as LogLevel,
    setName: (n: string) => {
      child = logger.child({ component: n });
    },
  };
}
