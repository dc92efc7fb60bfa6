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
 * become spaces, so a name can neither break a layout nor drive the terminal; a bidirectional embedding,
 * override or isolate the text opens and leaves open is closed at its end, so it cannot reorder what follows on
 * the line. Use it on each name or value where it is inserted (not on a whole sentence holding one).
 */
export function plain(text: string): string {
  const line = oneLine(text);
  return line + bidiClosers(line);
}

/** What closes the embeddings, overrides and isolates a text leaves open, innermost first (UAX #9's pairing). */
function bidiClosers(text: string): string {
  const open: ('e' | 'i')[] = [];
  for (const c of text) {
    if (/[\u202A\u202B\u202D\u202E]/.test(c)) open.push('e');
    else if (/[\u2066-\u2068]/.test(c)) open.push('i');
    // A PDF closes the innermost embedding, not past an isolate; a PDI closes its isolate and what opened inside.
    else if (c === '\u202C') {
      if (open[open.length - 1] === 'e') open.pop();
    } else if (c === '\u2069' && open.includes('i')) {
      while (open.pop() !== 'i') {
        // drop the embeddings opened inside the isolate
      }
    }
  }
  return open
    .reverse()
    .map((k) => (k === 'e' ? '\u202C' : '\u2069'))
    .join('');
}

/**
 * A whole terminal view made safe, line by line: no control character (C0, C1, DEL) but the view's own line
 * breaks, no U+2028/U+2029, and no bidirectional override or isolate left open at the end of a line. The last
 * pass before a terminal view is printed (the views also isolate each name where they insert it).
 */
export function terminalSafe(text: string): string {
  return text
    .split(/\r\n|\n/)
    .map((l) => plain(l))
    .join('\n');
}

/**
 * A sentence for a terminal holding names (or other user text) the caller knows: each occurrence of a name is
 * isolated (plain(), closed at the name's end), so an override inside it cannot reorder the rest of the sentence.
 */
export function plainWithNames(text: string, names: readonly string[]): string {
  const known = [...new Set(names.filter((n) => n.length > 0))].sort((a, b) => b.length - a.length);
  const parts: { text: string; name: boolean }[] = [{ text, name: false }];
  for (const n of known) {
    for (let i = 0; i < parts.length; i++) {
      const p = parts[i] as { text: string; name: boolean };
      if (p.name || !p.text.includes(n)) continue;
      const pieces = p.text.split(n);
      const spliced = pieces.flatMap((t, j) =>
        j === 0
          ? [{ text: t, name: false }]
          : [
              { text: n, name: true },
              { text: t, name: false },
            ],
      );
      parts.splice(i, 1, ...spliced);
      i += spliced.length - 1;
    }
  }
  return parts.map((p) => plain(p.text)).join('');
}

/** User text clipped to `width` cells for a terminal: plain(), then any override the cut left open closed. */
export function clipPlain(text: string, width: number): string {
  return plain(clip(plain(text), width));
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

/**
 * A service's message for a terminal: its `backticks` (marks of a literal value) dropped, the value kept through
 * plain() (a typed value can hold controls or an override); its own line breaks kept.
 */
export function plainOfMessage(message: string): string {
  return message
    .split(/\r\n|\n/)
    .map((line) =>
      line
        .split(/(`[^`]*`)/)
        .map((part, i) => plain(i % 2 === 1 ? part.slice(1, -1) : part))
        .join(''),
    )
    .join('\n');
}

/**
 * A person in a JSON view: `id` and `name` only. Their email and Slack user id are their own details
 * (SECURITY.md), which a JSON view never shows, whoever asks.
 */
export function personJson(person: { id: string; name: string } | null | undefined): TJson {
  return person ? { id: person.id, name: person.name } : null;
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
