import type { KnownBlock } from '@slack/types';
import { minorDigits } from '../domain/money.js';
import { formatMetric } from '../reports/format.js';
import type { TStalledDeal } from '../reports/stalled-deals.js';
import { clipPlainText, LIMITS, listWithin, mrkdwnContext, mrkdwnSections } from './blocks.js';
import { codeSpan, escapeMrkdwn } from './help.js';
import { clipPlain, plain } from './terminal.js';
import type { TMessage } from './types.js';

/** Deal titles and stages are shown up to this many characters (a title of 10,000 would drown the list). */
const TITLE_MAX = 150;
const STAGE_MAX = 80;
const ID_MAX = 100;

const SOURCE_NAMES: Record<string, string> = {
  hubspot: 'HubSpot',
  pipedrive: 'Pipedrive',
  salesforce: 'Salesforce',
  generic: 'the JSON API',
  csv: 'a CSV import',
  slack: 'Slack',
};

/** Where a deal came from, for people: "HubSpot", "a CSV import"; an unknown source as written. */
export function sourceName(source: string): string {
  return SOURCE_NAMES[source] ?? source;
}

const days = (n: number) => `${n} day${n === 1 ? '' : 's'}`;

/** A deal's amount in its own currency ("$12,000", "¥500,000"); null for no amount. */
export function stalledAmount(
  d: Pick<TStalledDeal, 'amountMinor' | 'currency'>,
  locale = 'en-US',
): string | null {
  if (d.amountMinor <= 0n) return null;
  const major = Number(d.amountMinor) / 10 ** minorDigits(d.currency);
  try {
    return formatMetric(major, 'money', d.currency, locale);
  } catch {
    return `${major} ${d.currency}`;
  }
}

/**
 * The facts of a stalled deal after its title and stage, the rule that caught it first (plain text, no names).
 * A deal whose source logs no activity against deals shows no activity fact (its absence means nothing).
 */
function factsOf(d: TStalledDeal, stalledDays: number): string[] {
  const inStage = `${days(d.daysInStage)} in stage${d.usualDays !== null ? ` (team's usual: up to ${days(d.usualDays)})` : ''}`;
  const activity =
    d.daysSinceActivity === null ? 'no activity logged' : `last activity ${days(d.daysSinceActivity)} ago`;
  const idleNote = d.reason === 'stage' ? '' : ` (${days(stalledDays)} or more counts as stalled)`;
  if (d.activityTracked === false) return [inStage];
  return d.reason === 'activity' ? [`${activity}${idleNote}`, inStage] : [inStage, `${activity}${idleNote}`];
}

const titleOf = (d: TStalledDeal) => clipPlainText(d.title.trim() || '(untitled deal)', TITLE_MAX);

/**
 * One stalled deal as a mrkdwn line (two, joined by a line break): the title bold, linked to the deal in its CRM
 * when a link is known; the stage and amount; days in stage against the team's usual; days since activity; the
 * source and id when there is no link. User text (title, stage, id) escaped.
 */
export function stalledDealLine(d: TStalledDeal, opts: { stalledDays: number; locale?: string }): string {
  const title = escapeMrkdwn(titleOf(d));
  const link = d.link && /^https:\/\/[^\s<>|]+$/.test(d.link) ? d.link : null;
  const head = link ? `*<${link}|${title.replace(/\|/g, '/')}>*` : `*${title}*`;
  const amount = stalledAmount(d, opts.locale);
  const stage = d.stage ? escapeMrkdwn(clipPlainText(d.stage, STAGE_MAX)) : 'no stage';
  const find = link ? '' : ` · ${sourceName(d.source)} id ${codeSpan(clipPlainText(d.externalId, ID_MAX))}`;
  return `${head} · ${stage}${amount ? ` · ${amount}` : ''}\n${factsOf(d, opts.stalledDays).join(' · ')}${find}`;
}

/** The same line for a terminal: names as written, the link or the source and id in full. */
export function stalledDealTerminalLine(
  d: TStalledDeal,
  opts: { stalledDays: number; locale?: string },
): string {
  const amount = stalledAmount(d, opts.locale);
  const stage = d.stage ? clipPlain(d.stage, STAGE_MAX) : 'no stage';
  const link = d.link && /^https:\/\/[^\s<>|]+$/.test(d.link) ? d.link : null;
  const find = link ?? `${sourceName(d.source)} id ${clipPlain(d.externalId, ID_MAX)}`;
  return `${plain(titleOf(d))} · ${stage}${amount ? ` · ${amount}` : ''}\n   ${factsOf(d, opts.stalledDays).join(' · ')} · ${plain(find)}`;
}

const INTRO = (stalledDays: number) =>
  `Open deals of yours that have sat in their stage longer than the team usually takes (90% of deals move on sooner), or, where your CRM logs activity on deals, have had none logged for ${days(stalledDays)}. Most stalled first.`;
const FOOTER = 'You get this list every week while you have stalled deals. `/kpi notify` turns it off.';

/**
 * A rep's weekly direct message: their stalled deals, most stalled first, within Block Kit's limits (a long list
 * ends with "…and N more stalled deals"), a text fallback and a terminal view.
 */
export function buildStalledDealsDm(
  deals: readonly TStalledDeal[],
  opts: { stalledDays: number; locale?: string },
): TMessage {
  const n = deals.length;
  const title = `Stalled deals · ${n} ${n === 1 ? 'deal needs' : 'deals need'} a nudge`;
  const lines = deals.map((d) => stalledDealLine(d, opts));
  const blocks: KnownBlock[] = [
    { type: 'header', text: { type: 'plain_text', text: clipPlainText(title, LIMITS.header) } },
    { type: 'section', text: { type: 'mrkdwn', text: INTRO(opts.stalledDays) } },
    // The header, the intro and the footer besides; five deals a section keeps each well within 3,000.
    ...mrkdwnSections(lines, {
      maxBlocks: LIMITS.blocks - 3,
      perBlock: 5,
      more: (k) => `…and ${k} more stalled deal${k === 1 ? '' : 's'}`,
    }),
    mrkdwnContext([FOOTER]),
  ];
  const text = listWithin(
    `${title}: `,
    deals.map(
      (d) =>
        `${escapeMrkdwn(titleOf(d))} (${days(d.daysInStage)} in ${escapeMrkdwn(clipPlainText(d.stage || 'no stage', STAGE_MAX))})`,
    ),
    '',
    1000,
  );
  const terminal = [
    title.toUpperCase(),
    INTRO(opts.stalledDays),
    ...deals.map((d, i) => `${i + 1}. ${stalledDealTerminalLine(d, opts)}`),
    FOOTER.replace(/`/g, ''),
  ].join('\n');
  return { text, blocks, terminal };
}
