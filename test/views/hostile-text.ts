import { expect } from 'vitest';

/** Hostile text for the terminal views: controls, separators, bidirectional overrides. */
const ESC = '\u001b';

export { ESC };

/** A name with an OSC 8 hyperlink, an erase-line sequence and a carriage return (stored via a CSV import). */
export const EVE = `Eve${ESC}]8;;http://evil.example/${ESC}\\Eve${ESC}]8;;${ESC}\\ ${ESC}[2K\rZed`;

/** A name with a right-to-left override it leaves open. */
export const BIDI = 'Bidi\u202Eesrever';

/** A C0 or C1 control but the line feed, DEL, or the Unicode line or paragraph separator. */
export function isControl(c: string): boolean {
  const n = c.codePointAt(0) ?? 0;
  return (n < 0x20 && n !== 0x0a) || (n >= 0x7f && n <= 0x9f) || n === 0x2028 || n === 0x2029;
}

/** The overrides and isolates a line leaves open (UAX #9 pairing). */
export function openBidi(line: string): number {
  const open: string[] = [];
  for (const c of line) {
    if (/[\u202A\u202B\u202D\u202E]/.test(c)) open.push('e');
    else if (/[\u2066-\u2068]/.test(c)) open.push('i');
    else if (c === '\u202C') {
      if (open[open.length - 1] === 'e') open.pop();
    } else if (c === '\u2069' && open.includes('i')) while (open.pop() !== 'i') {}
  }
  return open.length;
}

/** A terminal text with no control but its line breaks, and no line leaving an override or isolate open. */
export function expectSafe(terminal: string) {
  expect([...terminal].filter(isControl).map((c) => c.codePointAt(0))).toEqual([]);
  for (const line of terminal.split('\n')) expect(openBidi(line), JSON.stringify(line)).toBe(0);
}
