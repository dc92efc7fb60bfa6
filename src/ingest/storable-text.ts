import type { z } from 'zod';

/**
 * The one rule for text KPI Bot stores: it must be valid Unicode without NUL characters. PostgreSQL cannot hold
 * U+0000 in a text column (error 22021), and a lone UTF-16 surrogate ("\uD800" in JSON) is not a character at
 * all: the drivers would silently store U+FFFD instead. Such text is refused where it arrives (webhooks, CSV
 * cells, `/kpi` commands), naming the field, rather than cleaned silently.
 */

// biome-ignore lint/suspicious/noControlCharactersInRegex: NUL is one of the two things this rule looks for.
const UNSTORABLE = /\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

const hex = (code: number) => `U+${code.toString(16).toUpperCase().padStart(4, '0')}`;

/** Why a text cannot be stored as it is (a NUL or a lone surrogate, and where), or null when it can. */
export function unstorableText(text: string): string | null {
  const m = UNSTORABLE.exec(text);
  if (!m) return null;
  const code = m[0].charCodeAt(0);
  const at = `at character ${m.index + 1}`;
  return code === 0
    ? `contains a NUL character (U+0000) ${at}, which cannot be stored; remove it`
    : `contains a lone surrogate (${hex(code)}) ${at}, which is not valid Unicode text`;
}

export type TTextProblem = { path: (string | number)[]; reason: string };

/** The first string (or object key) inside a value that cannot be stored, with its path. */
export function findUnstorableText(value: unknown, path: (string | number)[] = []): TTextProblem | null {
  if (typeof value === 'string') {
    const reason = unstorableText(value);
    return reason ? { path, reason } : null;
  }
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const found = findUnstorableText(value[i], [...path, i]);
      if (found) return found;
    }
    return null;
  }
  if (value && typeof value === 'object') {
    for (const [key, v] of Object.entries(value)) {
      const keyReason = unstorableText(key);
      if (keyReason) return { path: [...path, key], reason: `the field name ${keyReason}` };
      const found = findUnstorableText(v, [...path, key]);
      if (found) return found;
    }
  }
  return null;
}

/** A zod refinement: every string inside the value must be storable (the issue names the field). */
export function refineStorableText(value: unknown, ctx: z.RefinementCtx): void {
  const found = findUnstorableText(value);
  if (found) ctx.addIssue({ code: 'custom', message: found.reason, path: found.path });
}

/** The first `max` UTF-16 units of a text, without cutting a surrogate pair in two. */
export function clipText(text: string, max: number): string {
  if (text.length <= max) return text;
  const code = text.charCodeAt(max - 1);
  return text.slice(0, code >= 0xd800 && code <= 0xdbff ? max - 1 : max);
}
