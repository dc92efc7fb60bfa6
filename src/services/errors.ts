import type { z } from 'zod';
import { PlainTextError, type TErrorCode } from '../errors.js';

/**
 * A refusal by a service: a code, a plain-text message for a person (no Slack formatting: each transport
 * formats it; `backticks` mark a literal value, see code()), and the input field it concerns, so a form shows it
 * on that field and a command adds its usage. The store's plain-text refusals (PlainTextError) read the same.
 */
export class ServiceError extends PlainTextError {
  constructor(code: TErrorCode, message: string, field?: string) {
    super(code, message, field);
    this.name = 'ServiceError';
  }
}

/** A refusal in plain text: a service's, or the store's (PlainTextError). */
export function isServiceError(e: unknown): e is PlainTextError {
  return e instanceof PlainTextError;
}

/**
 * A literal value inside a service's message (a cron schedule, a command): marked with backticks, which Slack
 * shows as code and the terminal drops. A backtick inside the value would end the mark early: it becomes '.
 */
export function code(value: string): string {
  return `\`${value.replace(/`/g, "'").replace(/\s+/g, ' ')}\``;
}

/** Refuses `bad_request` on a field. */
export function refuse(field: string | undefined, message: string): never {
  throw new ServiceError('bad_request', message, field);
}

/**
 * Validates a service's input with its zod schema: the typed value, or a ServiceError naming the first field
 * at fault with the schema's own message for it (schemas carry messages written for people).
 */
export function inputOf<T extends z.ZodType>(schema: T, raw: unknown): z.output<T> {
  const parsed = schema.safeParse(raw);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const field = issue?.path.length ? String(issue.path[0]) : undefined;
  throw new ServiceError('bad_request', issue?.message ?? 'That input is not valid.', field);
}
