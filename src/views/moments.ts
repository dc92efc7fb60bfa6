import type { KnownBlock } from '@slack/types';
import { formatMetric } from '../reports/format.js';
import { clipMrkdwn, clipPlainText, LIMITS, mrkdwnSections } from './blocks.js';
import { escapeMrkdwn } from './help.js';
import { clipPlain } from './terminal.js';
import type { TMessage } from './types.js';

/**
 * Moments (issue 17) as messages: the channel's celebration of deals won (with any 100% milestones reached at
 * the same time) and a rep's milestone DM. Pure: the data in, a TMessage out (Block Kit, a text fallback and a
 * terminal rendering), every name and title escaped, within Block Kit's limits however many wins a burst holds.
 */

/** A rep's progress to their won-revenue target this period, as of the win. Amounts in major units. */
export type TProgress = { percent: number; target: number; currency: string; periodLabel: string };

/** One deal won. `amount` in major units of `currency` (the deal's own). */
export type TCelebrationItem = {
  repName: string;
  slackUserId: string | null;
  title: string;
  amount: number;
  currency: string;
  progress: TProgress | null;
};

/** One threshold of a target crossed. `actual` and `target` in the metric's unit (money in major units). */
export type TMilestoneItem = {
  repName: string;
  slackUserId: string | null;
  metricTitle: string;
  unit: 'money' | 'count';
  percent: number;
  actual: number;
  target: number;
  currency: string;
  periodLabel: string;
};

/** Lines shown before "…and N more": a burst of any size stays one readable message. */
export const MAX_LINES = 25;
/** A deal title or a name is cut here (titles may be 500 characters, names 200). */
const TITLE_MAX = 150;
const NAME_MAX = 80;
/** The text fallback (notifications) is kept short. */
const TEXT_MAX = 1000;

const cut = (text: string, max: number) => clipPlainText(text, max);
const who = (i: { repName: string; slackUserId: string | null }) =>
  i.slackUserId ? `<@${i.slackUserId}>` : `*${escapeMrkdwn(cut(i.repName, NAME_MAX))}*`;
const money = (amount: number, currency: string) => formatMetric(amount, 'money', currency);
const shownValue = (m: TMilestoneItem, v: number) => formatMetric(v, m.unit, m.currency);
const titleOr = (title: string) => (title.trim() ? title : 'a deal');

function progressWords(p: TProgress): string {
  return `${Math.floor(p.percent)}% of ${money(p.target, p.currency)} for ${p.periodLabel}`;
}

function winLine(i: TCelebrationItem): string {
  const progress = i.progress ? ` · ${progressWords(i.progress)}` : '';
  return `:tada: ${who(i)} won _${escapeMrkdwn(cut(titleOr(i.title), TITLE_MAX))}_ for *${money(i.amount, i.currency)}*${progress}`;
}

function winPlain(i: TCelebrationItem): string {
  const progress = i.progress ? ` · ${progressWords(i.progress)}` : '';
  return `${clipPlain(i.repName, NAME_MAX)} won ${clipPlain(titleOr(i.title), TITLE_MAX)} for ${money(i.amount, i.currency)}${progress}`;
}

function reachedLine(m: TMilestoneItem): string {
  return `:trophy: ${who(m)} reached ${m.percent}% of their ${m.metricTitle.toLowerCase()} target for ${m.periodLabel}: ${shownValue(m, m.actual)} of ${shownValue(m, m.target)}`;
}

function reachedPlain(m: TMilestoneItem): string {
  return `${clipPlain(m.repName, NAME_MAX)} reached ${m.percent}% of their ${m.metricTitle.toLowerCase()} target for ${m.periodLabel}: ${shownValue(m, m.actual)} of ${shownValue(m, m.target)}`;
}

/** The lines shown, the rest counted: at most MAX_LINES, the last saying how many more there are. */
function capped<T>(items: readonly T[], render: (i: T) => string, more: (n: number) => string): string[] {
  if (items.length <= MAX_LINES) return items.map(render);
  return [...items.slice(0, MAX_LINES - 1).map(render), more(items.length - (MAX_LINES - 1))];
}

function headline(wins: number, reached: number): string {
  const parts = [
    wins ? `${wins} ${wins === 1 ? 'deal' : 'deals'} won` : '',
    reached ? `${reached} ${reached === 1 ? 'target' : 'targets'} reached` : '',
  ].filter(Boolean);
  return parts.join(', ');
}

/**
 * The celebrations channel's message for a burst: every deal won (the rep mentioned when they have a Slack id,
 * the deal, the amount, the rep's progress to their won-revenue target), then any 100% milestones, at most
 * MAX_LINES lines with "…and N more" for the rest.
 */
export function buildCelebrationMessage(input: {
  wins: readonly TCelebrationItem[];
  reached: readonly TMilestoneItem[];
}): TMessage {
  const { wins, reached } = input;
  const items: ({ win: TCelebrationItem } | { reached: TMilestoneItem })[] = [
    ...wins.map((win) => ({ win })),
    ...reached.map((m) => ({ reached: m })),
  ];
  const more = (n: number) => `…and ${n} more`;
  const lines = capped(items, (i) => ('win' in i ? winLine(i.win) : reachedLine(i.reached)), more);
  const plainLines = capped(items, (i) => ('win' in i ? winPlain(i.win) : reachedPlain(i.reached)), more);
  const title = wins.length ? 'Deals won' : 'Targets reached';
  const blocks: KnownBlock[] = [
    { type: 'header', text: { type: 'plain_text', text: clipPlainText(`🎉 ${title}`, LIMITS.header) } },
    ...mrkdwnSections(lines, { maxBlocks: LIMITS.blocks - 2, perBlock: 10, more }),
  ];
  const names = items.map((i) => escapeMrkdwn(cut('win' in i ? i.win.repName : i.reached.repName, NAME_MAX)));
  const text = clipMrkdwn(
    `🎉 ${headline(wins.length, reached.length)}: ${[...new Set(names)].join(', ')}`,
    TEXT_MAX,
  );
  return { text, blocks, terminal: [`${title}:`, ...plainLines.map((l) => `  ${l}`)].join('\n') };
}

function milestoneWords(m: TMilestoneItem, mark: (s: string) => string): string {
  const metric = m.metricTitle.toLowerCase();
  const lead =
    m.percent >= 100 ? 'You reached' : m.percent >= 90 ? 'Almost there: you are at' : 'Halfway: you are at';
  return `${lead} ${mark(`${m.percent}%`)} of your ${metric} target for ${m.periodLabel}: ${shownValue(m, m.actual)} of ${shownValue(m, m.target)}.`;
}

/** A rep's direct message for milestones they crossed (50% and 90%; one line each when several wait). */
export function buildMilestoneDm(items: readonly TMilestoneItem[]): TMessage {
  const more = (n: number) => `…and ${n} more`;
  const lines = capped(items, (m) => `:dart: ${milestoneWords(m, (s) => `*${s}*`)}`, more);
  const plainLines = capped(items, (m) => milestoneWords(m, (s) => s), more);
  const blocks: KnownBlock[] = [
    ...mrkdwnSections(lines, { maxBlocks: LIMITS.blocks - 1, perBlock: 10, more }),
    {
      type: 'context',
      elements: [{ type: 'mrkdwn', text: 'Turn these messages off with `/kpi notify milestones off`.' }],
    },
  ];
  const text = clipMrkdwn(
    milestoneWords(items[0] as TMilestoneItem, (s) => s),
    TEXT_MAX,
  );
  return { text, blocks, terminal: plainLines.join('\n') };
}
