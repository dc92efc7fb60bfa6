/** Every failure the app reports on purpose has a code; listeners and routes map codes to replies and statuses. */
export type TErrorCode =
  | 'bad_request'
  | 'unknown_command'
  | 'forbidden'
  | 'not_found'
  | 'unauthorized'
  | 'conflict'
  | 'payload_too_large'
  | 'rate_limited'
  | 'store_unavailable'
  | 'internal';

/** HTTP status for each code (the one table routes use). */
export const HTTP_STATUS: Record<TErrorCode, number> = {
  bad_request: 400,
  unknown_command: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  payload_too_large: 413,
  rate_limited: 429,
  store_unavailable: 503,
  internal: 500,
};

/** An error with a code and a message safe to show a user (never a stack trace). */
export class AppError extends Error {
  constructor(
    readonly code: TErrorCode,
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = 'AppError';
  }
}

/**
 * An AppError whose message is plain text (no Slack formatting; `backticks` mark a literal value): each transport
 * formats it (Slack escapes it, a form and the terminal show it as it is). `field` names the input it concerns.
 */
export class PlainTextError extends AppError {
  constructor(
    code: TErrorCode,
    message: string,
    readonly field?: string,
  ) {
    super(code, message, field ? { field } : {});
    this.name = 'PlainTextError';
  }
}

export function isAppError(e: unknown): e is AppError {
  return e instanceof AppError;
}

const STORE_DOWN_CODES =
  /^(P1001|P1002|P1008|P1017|P2024|ECONNREFUSED|57P0\d|08\d{3}|SQLITE_BUSY|SQLITE_LOCKED)$/;
const STORE_DOWN_KINDS =
  /^(DatabaseNotReachable|DatabaseDoesNotExist|SocketTimeout|ConnectionClosed|TooManyConnections)$/;
const STORE_DOWN_TEXT =
  /database is locked|Connection terminated|connect ECONNREFUSED|Can't reach database server|SQLITE_BUSY|Timed out fetching a new connection/i;

/**
 * True when an error means the database could not be reached or was busy (connection refused or lost, pool or
 * lock time-out), as opposed to a fault in what was asked: callers answer "try again later" (503, or a reply
 * saying nothing was saved) instead of reporting a defect. Looks through `cause` chains (Prisma wraps the
 * driver's error).
 */
export function isStoreUnavailable(error: unknown): boolean {
  let e: unknown = error;
  for (let depth = 0; e && typeof e === 'object' && depth < 5; depth++) {
    const o = e as {
      code?: unknown;
      kind?: unknown;
      message?: unknown;
      cause?: unknown;
      originalCode?: unknown;
    };
    if (STORE_DOWN_CODES.test(String(o.code ?? '')) || STORE_DOWN_CODES.test(String(o.originalCode ?? '')))
      return true;
    if (STORE_DOWN_KINDS.test(String(o.kind ?? ''))) return true;
    if (typeof o.message === 'string' && STORE_DOWN_TEXT.test(o.message)) return true;
    e = o.cause;
  }
  return false;
}
