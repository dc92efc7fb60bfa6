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

export function isAppError(e: unknown): e is AppError {
  return e instanceof AppError;
}
