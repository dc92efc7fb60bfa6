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

/** One deal won. `amount` in major units of `currency` (the deal's own). `repKey` groups a rep's lines. */
export type TCelebrationItem = {
  repKey?: string;
  repName: string;
  slackUserId: string | null;
  title: string;
  amount: number;
  currency: string;
  progress: TProgress | null;
};

/** One threshold of a target crossed. `actual` and `target` in the metric's unit (money in major units). */
export type TMilestoneItem = {
  repKey?: string;
  /** The metric's id, e.g. sales.won_total (a 100% won-revenue milestone stands in for the rep's progress line). */
  metricId?: string;
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
/** The real share of the target, whole percent rounded down (85% shows 85% when 50% was the threshold). */
export const realPercent = (m: Pick<TMilestoneItem, 'actual' | 'target'>) =>
  m.target > 0 ? Math.floor((m.actual * 100) / m.target) : 0;

function progressWords(p: TProgress): string {
  return `${Math.floor(p.percent)}% of ${money(p.target, p.currency)} for ${p.periodLabel}`;
}

function winLine(i: TCelebrationItem, progress: TProgress | null): string {
  const more = progress ? ` · ${progressWords(progress)}` : '';
  return `:tada: ${who(i)} won _${escapeMrkdwn(cut(titleOr(i.title), TITLE_MAX))}_ for *${money(i.amount, i.currency)}*${more}`;
}

function winPlain(i: TCelebrationItem, progress: TProgress | null): string {
  const more = progress ? ` · ${progressWords(progress)}` : '';
  return `${clipPlain(i.repName, NAME_MAX)} won ${clipPlain(titleOr(i.title), TITLE_MAX)} for ${money(i.amount, i.currency)}${more}`;
}

const progressLine = (i: TCelebrationItem, p: TProgress) =>
  `:chart_with_upwards_trend: ${who(i)} is at ${progressWords(p)}`;
const progressPlain = (i: TCelebrationItem, p: TProgress) =>
  `${clipPlain(i.repName, NAME_MAX)} is at ${progressWords(p)}`;

function reachedWords(m: TMilestoneItem): string {
  return `reached ${m.percent}% of their ${m.metricTitle.toLowerCase()} target for ${m.periodLabel}: ${shownValue(m, m.actual)} of ${shownValue(m, m.target)} (${realPercent(m)}%)`;
}

const reachedLine = (m: TMilestoneItem) => `:trophy: ${who(m)} ${reachedWords(m)}`;
const reachedPlain = (m: TMilestoneItem) => `${clipPlain(m.repName, NAME_MAX)} ${reachedWords(m)}`;

/** A line of a message and how many moments it stands for (a progress line: none). */
type TLine = { mrkdwn: string; plain: string; moments: number };

/**
 * The lines shown: all when they fit in MAX_LINES, else the first MAX_LINES - 1 and "…and N more", N the moments
 * not shown (those of the lines cut, plus `unlisted`: moments sent with the message that have no line).
 */
function capped(lines: readonly TLine[], unlisted: number, more: (n: number) => string) {
  const fits = lines.length <= MAX_LINES && unlisted === 0;
  const shown = fits ? lines : lines.slice(0, MAX_LINES - 1);
  const rest = lines.slice(shown.length).reduce((n, l) => n + l.moments, 0) + unlisted;
  const tail = rest > 0 ? [more(rest)] : lines.slice(shown.length, MAX_LINES).map((l) => l.mrkdwn);
  const tailPlain = rest > 0 ? [more(rest)] : lines.slice(shown.length, MAX_LINES).map((l) => l.plain);
  return {
    mrkdwn: [...shown.map((l) => l.mrkdwn), ...tail],
    plain: [...shown.map((l) => l.plain), ...tailPlain],
  };
}

function headline(wins: number, reached: number): string {
  const parts = [
    wins ? `${wins.toLocaleString('en-US')} ${wins === 1 ? 'deal' : 'deals'} won` : '',
    reached ? `${reached.toLocaleString('en-US')} ${reached === 1 ? 'target' : 'targets'} reached` : '',
  ].filter(Boolean);
  return parts.join(', ');
}

const keyOf = (i: { repKey?: string; repName: string; slackUserId: string | null }) =>
  i.repKey ?? `${i.repName}\u0000${i.slackUserId ?? ''}`;

/**
 * A burst's lines grouped by rep, in the order the items come (the caller sorts): the rep's wins, then their
 * progress once; a 100% won-revenue milestone of the rep stands in for the progress line (it says the same,
 * truthfully). A rep's single win carries the progress on its own line.
 */
function groupedLines(wins: readonly TCelebrationItem[], reached: readonly TMilestoneItem[]): TLine[] {
  const groups = new Map<string, { wins: TCelebrationItem[]; reached: TMilestoneItem[] }>();
  const groupOf = (key: string) => {
    let g = groups.get(key);
    if (!g) {
      g = { wins: [], reached: [] };
      groups.set(key, g);
    }
    return g;
  };
  for (const w of wins) groupOf(keyOf(w)).wins.push(w);
  for (const m of reached) groupOf(keyOf(m)).reached.push(m);
  const lines: TLine[] = [];
  for (const g of groups.values()) {
    // The latest win's progress is the rep's newest standing.
    const latest = [...g.wins].reverse().find((w) => w.progress);
    const wonMilestone = g.reached.some((m) => (m.metricId ?? 'sales.won_total') === 'sales.won_total');
    const progress = latest?.progress && !wonMilestone ? latest.progress : null;
    const inline = g.wins.length === 1 ? progress : null;
    for (const w of g.wins)
      lines.push({ mrkdwn: winLine(w, inline), plain: winPlain(w, inline), moments: 1 });
    if (progress && !inline && latest)
      lines.push({
        mrkdwn: progressLine(latest, progress),
        plain: progressPlain(latest, progress),
        moments: 0,
      });
    for (const m of g.reached) lines.push({ mrkdwn: reachedLine(m), plain: reachedPlain(m), moments: 1 });
  }
  return lines;
}

/**
 * The celebrations channel's message for a burst, grouped by rep (groupedLines): every deal won (the rep
 * mentioned when they have a Slack id, the deal, the amount), the rep's progress to their won-revenue target
 * once, any 100% milestones in the rep's group; at most MAX_LINES lines with "…and N more" for the rest.
 * `unlisted`: moments sent with this message but not given here (a large burst's rows beyond those read),
 * counted in the headline and in "…and N more".
 */
export function buildCelebrationMessage(input: {
  wins: readonly TCelebrationItem[];
  reached: readonly TMilestoneItem[];
  unlisted?: { wins: number; reached: number };
}): TMessage {
  const { wins, reached } = input;
  const unlisted = input.unlisted ?? { wins: 0, reached: 0 };
  const more = (n: number) => `…and ${n.toLocaleString('en-US')} more`;
  const { mrkdwn: lines, plain: plainLines } = capped(
    groupedLines(wins, reached),
    unlisted.wins + unlisted.reached,
    more,
  );
  const title = wins.length + unlisted.wins ? 'Deals won' : 'Targets reached';
  const blocks: KnownBlock[] = [
    { type: 'header', text: { type: 'plain_text', text: clipPlainText(`🎉 ${title}`, LIMITS.header) } },
    ...mrkdwnSections(lines, { maxBlocks: LIMITS.blocks - 2, perBlock: 10, more }),
  ];
  const names = [...wins, ...reached].map((i) => escapeMrkdwn(cut(i.repName, NAME_MAX)));
  const text = clipMrkdwn(
    `🎉 ${headline(wins.length + unlisted.wins, reached.length + unlisted.reached)}: ${[...new Set(names)].join(', ')}`,
    TEXT_MAX,
  );
  return { text, blocks, terminal: [`${title}:`, ...plainLines.map((l) => `  ${l}`)].join('\n') };
}

function milestoneWords(m: TMilestoneItem, mark: (s: string) => string): string {
  const metric = m.metricTitle.toLowerCase();
  const verb = m.percent >= 100 ? 'You reached' : 'You passed';
  return `${verb} ${mark(`${m.percent}%`)} of your ${metric} target for ${m.periodLabel}: ${shownValue(m, m.actual)} of ${shownValue(m, m.target)} (${realPercent(m)}%).`;
}

/** A rep's direct message for milestones they crossed (50% and 90%; one line each when several wait). */
export function buildMilestoneDm(items: readonly TMilestoneItem[]): TMessage {
  const more = (n: number) => `…and ${n} more`;
  const { mrkdwn: lines, plain: plainLines } = capped(
    items.map((m) => ({
      mrkdwn: `:dart: ${milestoneWords(m, (s) => `*${s}*`)}`,
      plain: milestoneWords(m, (s) => s),
      moments: 1,
    })),
    0,
    more,
  );
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
