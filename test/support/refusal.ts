import type { PlainTextError } from '../../src/errors.js';
import { isServiceError } from '../../src/services/errors.js';

/** The refusal a service's promise ends in (a ServiceError or the store's PlainTextError); anything else fails. */
export async function refusal(work: Promise<unknown>): Promise<PlainTextError> {
  const error = await work.then(
    () => null,
    (e: unknown) => e,
  );
  if (!isServiceError(error)) throw new Error(`expected a ServiceError, got ${String(error)}`);
  return error;
}
