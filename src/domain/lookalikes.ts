/**
 * Stand-ins for the characters Slack's mrkdwn reads as formatting (Slack has no escape for them): look-alikes
 * that Slack shows as written, and the invisible marks that defuse mentions and quotes. One table for the
 * views that write them (escapeMrkdwn) and everything that reads text back (the shell, plain_text, finding a
 * rep by a name copied from a Slack reply).
 */
export const LOOKALIKES: ReadonlyMap<string, string> = new Map([
  ['*', '\u2217'], // ∗ asterisk operator
  ['_', '\u02CD'], // ˍ modifier letter low macron
  ['~', '\u223C'], // ∼ tilde operator
  ['`', '\u02CB'], // ˋ modifier letter grave accent
]);
export const WORD_JOINER = '\u2060';
export const SOFT_HYPHEN = '\u00AD';

const ORIGINALS = new Map([...LOOKALIKES].map(([k, v]) => [v, k]));

/** Text as written: look-alikes back to the originals, the invisible marks removed. */
export function plainOfLookalikes(text: string): string {
  return text.replace(/[\u2217\u02CD\u223C\u02CB\u2060\u00AD]/g, (c) => ORIGINALS.get(c) ?? '');
}
