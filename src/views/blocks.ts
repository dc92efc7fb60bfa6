import type { ContextBlock, SectionBlock } from '@slack/types';

/**
 * Slack's Block Kit limits the views keep to (Slack refuses a whole message that breaks one): a section's text
 * and a context element's text at most 3,000 characters, a field 2,000 and at most 10 fields a section, a header
 * 150, a context at most 10 elements, a message at most 50 blocks (the App Home tab 100).
 */
export const LIMITS = {
  text: 3000,
  field: 2000,
  fields: 10,
  header: 150,
  contextElements: 10,
  blocks: 50,
  homeBlocks: 100,
} as const;

const segmenter = new Intl.Segmenter('en', { granularity: 'grapheme' });

/** The longest start of `text` within `max` UTF-16 units that ends at a grapheme boundary. */
function graphemesWithin(text: string, max: number): string {
  let out = '';
  for (const { segment } of segmenter.segment(text)) {
    if (out.length + segment.length > max) break;
    out += segment;
  }
  return out;
}

/** Plain text (a header, a plain_text object) within `max` characters: cut at a grapheme, with an ellipsis. */
export function clipPlainText(text: string, max: number): string {
  if (text.length <= max) return text;
  return `${graphemesWithin(text, max - 1)}…`;
}

/**
 * mrkdwn within `max` characters, cut at a safe point with an ellipsis: never inside an entity (`&amp;`), a
 * link or mention (`<…>`), a code span or a grapheme; the emphasis marks (`*`, `~`) the cut leaves open are
 * closed after the ellipsis. (User text reaches mrkdwn through escapeMrkdwn, which turns its own `*`, `~` and
 * backticks into look-alikes, so every mark left is the view's.)
 */
export function clipMrkdwn(text: string, max: number = LIMITS.text): string {
  if (text.length <= max) return text;
  // Room for the ellipsis and a closing `*` and `~`.
  let kept = graphemesWithin(text, max - 3);
  const amp = kept.lastIndexOf('&');
  if (amp >= 0 && !kept.slice(amp).includes(';')) kept = kept.slice(0, amp);
  const lt = kept.lastIndexOf('<');
  if (lt >= 0 && !kept.slice(lt).includes('>')) kept = kept.slice(0, lt);
  if ((kept.match(/`/g) ?? []).length % 2 === 1) kept = kept.slice(0, kept.lastIndexOf('`'));
  kept = kept.replace(/\s+$/, '');
  const unclosed = (mark: string) => (kept.split(mark).length - 1) % 2 === 1;
  // Closing marks need a character before them; a mark just opened at the end is dropped instead.
  for (const mark of ['*', '~']) if (kept.endsWith(mark) && unclosed(mark)) kept = kept.slice(0, -1);
  return `${kept}…${unclosed('~') ? '~' : ''}${unclosed('*') ? '*' : ''}`;
}

/**
 * Lines of mrkdwn as sections, each within Slack's 3,000 characters (and `perBlock` lines), split between lines,
 * never inside one; a line too long alone is shortened (clipMrkdwn). At most `maxBlocks` sections: when the lines
 * need more, the last section ends with `more(n)`, the n lines not shown.
 */
export function mrkdwnSections(
  lines: readonly string[],
  opts: { maxBlocks: number; perBlock?: number; more?: (n: number) => string },
): SectionBlock[] {
  const max = LIMITS.text;
  const perBlock = opts.perBlock ?? Number.POSITIVE_INFINITY;
  const more = opts.more ?? ((n: number) => `…and ${n} more`);
  const groups: string[][] = [];
  let size = 0;
  for (const line of lines.map((l) => clipMrkdwn(l, max))) {
    const last = groups[groups.length - 1];
    if (last && last.length < perBlock && size + 1 + line.length <= max) {
      last.push(line);
      size += 1 + line.length;
    } else {
      groups.push([line]);
      size = line.length;
    }
  }
  if (groups.length > Math.max(1, opts.maxBlocks)) {
    const shown = groups.slice(0, Math.max(1, opts.maxBlocks));
    const last = shown[shown.length - 1] as string[];
    let count = shown.reduce((n, g) => n + g.length, 0);
    const fits = () => [...last, more(lines.length - count)].join('\n').length <= max;
    while (last.length > 0 && !fits()) {
      last.pop();
      count--;
    }
    last.push(more(lines.length - count));
    groups.splice(0, groups.length, ...shown);
  }
  return groups.map((g) => ({ type: 'section', text: { type: 'mrkdwn', text: g.join('\n') } }));
}

/**
 * A list of (escaped) names in a sentence within `max` characters: `lead`, as many items as fit joined by ", ",
 * `… and N more` for the rest, then `tail`.
 */
export function listWithin(
  lead: string,
  items: readonly string[],
  tail: string,
  max: number = LIMITS.text,
): string {
  const all = `${lead}${items.join(', ')}${tail}`;
  if (all.length <= max) return all;
  for (let n = items.length - 1; n >= 0; n--) {
    const rest = ` and ${items.length - n} more`;
    const text = `${lead}${items.slice(0, n).join(', ')}${n ? '' : '…'}${rest}${tail}`;
    if (text.length <= max) return text;
  }
  return clipMrkdwn(all, max);
}

/** A context block of mrkdwn texts, each within 3,000 characters, at most 10 elements. */
export function mrkdwnContext(texts: readonly string[]): ContextBlock {
  return {
    type: 'context',
    elements: texts.slice(0, LIMITS.contextElements).map((t) => ({ type: 'mrkdwn', text: clipMrkdwn(t) })),
  };
}
