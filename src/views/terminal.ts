import { oneLine } from '../reports/format.js';
import type { TJson } from './types.js';

/**
 * Helpers of the terminal views: plain text for a terminal (no mrkdwn, no emoji codes), names as written, columns
 * aligned by what a terminal shows (a wide character or an emoji takes two cells, a combining mark none), and
 * lines kept within WIDTH where a layout allows.
 */

/** The width the terminal views aim for. */
export const WIDTH = 80;

const segmenter = new Intl.Segmenter('en', { granularity: 'grapheme' });

/** East Asian wide and full-width ranges (Unicode's EastAsianWidth W and F, the common blocks). */
const WIDE =
  /[\u1100-\u115F\u2E80-\u303E\u3041-\u33FF\u3400-\u4DBF\u4E00-\u9FFF\uA000-\uA4CF\uAC00-\uD7A3\uF900-\uFAFF\uFE30-\uFE4F\uFF00-\uFF60\uFFE0-\uFFE6\u{20000}-\u{3FFFD}]/u;

/** The cells a text takes in a terminal: per grapheme, 2 for an emoji or a wide character, 0 for an invisible one. */
export function displayWidth(text: string): number {
  let width = 0;
  for (const { segment } of segmenter.segment(text)) {
    if (/^[\p{Mn}\p{Me}\p{Cf}]+$/u.test(segment)) continue;
    width += /\p{Extended_Pictographic}/u.test(segment) || WIDE.test(segment) ? 2 : 1;
  }
  return width;
}

/**
 * User text on one terminal line, as written: line breaks and control characters (escape sequences included)
 * become spaces, so a name can neither break a layout nor drive the terminal; a bidirectional embedding or
 * isolate the text opens and leaves open is closed at its end, so it cannot reorder what follows on the line.
 */
export function plain(text: string): string {
  const line = oneLine(text);
  let embeddings = 0;
  let isolates = 0;
  for (const c of line) {
    if (/[\u202A\u202B\u202D\u202E]/.test(c)) embeddings++;
    else if (c === '\u202C') embeddings = Math.max(0, embeddings - 1);
    else if (/[\u2066-\u2068]/.test(c)) isolates++;
    else if (c === '\u2069') isolates = Math.max(0, isolates - 1);
  }
  return line + '\u202C'.repeat(embeddings) + '\u2069'.repeat(isolates);
}

/** A text cut to `width` cells with an ellipsis, at a grapheme boundary (an emoji is never split). */
export function clip(text: string, width: number): string {
  if (displayWidth(text) <= width) return text;
  let out = '';
  let used = 0;
  for (const { segment } of segmenter.segment(text)) {
    const w = displayWidth(segment);
    if (used + w > width - 1) break;
    out += segment;
    used += w;
  }
  return `${out}…`;
}

const pad = (text: string, width: number, align: 'left' | 'right') => {
  const gap = ' '.repeat(Math.max(0, width - displayWidth(text)));
  return align === 'left' ? text + gap : gap + text;
};

/**
 * Rows as aligned columns, two spaces apart; `align` per column (left by default; numbers right). Trailing
 * spaces are trimmed. Cells are expected on one line (plain()). With `long`, a cell of that column wider than
 * `max` cells is not cut: it goes on a line of its own at the column's place, the rest of its row on the next.
 */
export function table(
  rows: readonly (readonly string[])[],
  align: readonly ('left' | 'right')[] = [],
  long?: { column: number; max: number },
): string[] {
  const isLong = (r: readonly string[]) =>
    long !== undefined && displayWidth(r[long.column] ?? '') > long.max;
  const fitted = rows.map((r) => (isLong(r) && long ? r.map((c, i) => (i === long.column ? '' : c)) : r));
  const columns = Math.max(0, ...rows.map((r) => r.length));
  const widths = Array.from({ length: columns }, (_, c) =>
    Math.max(0, ...fitted.map((r) => displayWidth(r[c] ?? ''))),
  );
  const offset = long ? widths.slice(0, long.column).reduce((sum, w) => sum + w + 2, 0) : 0;
  return rows.flatMap((r, i) => {
    const line = (fitted[i] ?? r)
      .map((cell, c) => pad(cell, widths[c] ?? 0, align[c] ?? 'left'))
      .join('  ')
      .trimEnd();
    return isLong(r) && long ? [`${' '.repeat(offset)}${r[long.column]}`, line] : [line];
  });
}

/**
 * Words wrapped to `width` cells, each line after the first indented by `indent`; a word longer than a line
 * stays whole on its own line (a URL must stay copyable).
 */
export function wrap(text: string, width = WIDTH, indent = ''): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/ +/).filter(Boolean)) {
    const lead = lines.length ? indent : '';
    const next = line ? `${line} ${word}` : word;
    if (line && displayWidth(lead + next) > width) {
      lines.push(lead + line);
      line = word;
    } else line = next;
  }
  if (line || lines.length === 0) lines.push((lines.length ? indent : '') + line);
  return lines;
}

/** A service's message for a terminal: its `backticks` (marks of a literal value) dropped, the value kept. */
export function plainOfMessage(message: string): string {
  return message.replace(/`([^`\n]*)`/g, '$1');
}

/**
 * A value made JSON-safe: undefined dropped from objects (null in arrays), non-finite numbers null, dates as ISO
 * strings; object keys keep their order.
 */
export function toJson(value: unknown): TJson {
  if (value === null || value === undefined) return null;
  if (typeof value === 'number') return Number.isFinite(value) ? value : null;
  if (typeof value === 'string' || typeof value === 'boolean') return value;
  if (value instanceof Date) return value.toISOString();
  if (Array.isArray(value)) return value.map(toJson);
  if (typeof value === 'object') {
    const out: Record<string, TJson> = {};
    for (const [k, v] of Object.entries(value)) if (v !== undefined) out[k] = toJson(v);
    return out;
  }
  return null;
}
