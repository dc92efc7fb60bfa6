import type { KnownBlock } from '@slack/types';
import { minorDigits } from '../domain/money.js';
import { formatMetric, plural } from '../reports/format.js';
import { rulesOf, type TStalledDeal, type TStalledRule } from '../reports/stalled-deals.js';
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
  generic: 'JSON API',
  csv: 'CSV import',
  slack: 'Slack',
};

/** Where a deal came from, for people: "HubSpot", "CSV import"; an unknown source as written. */
export function sourceName(source: string): string {
  return SOURCE_NAMES[source] ?? source;
}

const days = (n: number) => plural(n, 'day');

/** A rep's DM names this many deals, most stalled first; the rest are counted. */
export const STALLED_DM_SHOWN = 10;

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
 * What a deal is called (plain text, not escaped): its title; an empty title names "product · account" (what
 * the CRM knows of it), else its id in the CRM. Cut at TITLE_MAX characters, never inside a grapheme.
 */
export function stalledDealTitle(
  d: Pick<TStalledDeal, 'title' | 'product' | 'account' | 'externalId'>,
  max = TITLE_MAX,
): string {
  const named = [d.product, d.account]
    .map((v) => (v ?? '').trim())
    .filter(Boolean)
    .join(' · ');
  const id = d.externalId.trim();
  const title = d.title.trim() || named || (id ? `Deal ${clipPlainText(id, ID_MAX)}` : '(untitled deal)');
  return clipPlainText(title, max);
}

/** The fact each rule rests on (plain text, no user text): null when there is nothing to say about it. */
function factOf(d: TStalledDeal, rule: TStalledRule, caught: boolean, stalledDays: number): string | null {
  if (rule === 'age') {
    if (d.ageDays === undefined) return null; // a list built before the deal's age was known
    if (d.ageDays === null) return 'open date unknown';
    const usual =
      caught && d.usualCloseDays != null ? `; the team closes 90% within ${days(d.usualCloseDays)}` : '';
    return `open ${days(d.ageDays)}${usual}`;
  }
  if (rule === 'stage') {
    // Counted from the open date for want of history: that is the deal's age (said above), not its stage time.
    if (d.stageSince === 'opened') return null;
    const usual = d.usualDays !== null ? ` (team's usual: up to ${days(d.usualDays)})` : '';
    return d.stageSince === 'recorded'
      ? `at least ${days(d.daysInStage)} in stage${usual}`
      : `${days(d.daysInStage)} in stage${usual}`;
  }
  if (d.activityTracked === false) return null; // its source logs no activity on deals: absence means nothing
  const activity =
    d.daysSinceActivity === null ? 'no activity logged' : `last activity ${days(d.daysSinceActivity)} ago`;
  return caught ? `${activity} (${days(stalledDays)} or more counts as stalled)` : activity;
}

/**
 * The facts of a stalled deal after its title, stage and amount (plain text, no user text): the rules that
 * caught it first (stage, activity, age), then the deal's age, its days in stage and its activity.
 */
export function stalledDealFacts(d: TStalledDeal, stalledDays: number): string[] {
  const caught = rulesOf(d);
  const order: TStalledRule[] = [
    ...(['stage', 'activity', 'age'] as const).filter((r) => caught.includes(r)),
    ...(['age', 'stage', 'activity'] as const).filter((r) => !caught.includes(r)),
  ];
  return order.flatMap((r) => factOf(d, r, caught.includes(r), stalledDays) ?? []);
}

const safeLink = (d: TStalledDeal) => (d.link && /^https:\/\/[^\s<>|]+$/.test(d.link) ? d.link : null);

/**
 * A stalled deal's words, the one place they are made (the DM, its terminal view and the manager's digest all
 * use them): what it is called, its stage, its amount, the facts, and how to find it (its source and CRM id,
 * when there is no link). Plain text, not escaped.
 */
export function stalledDealParts(
  d: TStalledDeal,
  opts: { stalledDays: number; locale?: string },
): {
  title: string;
  stage: string;
  amount: string | null;
  facts: string[];
  find: string | null;
  link: string | null;
} {
  const link = safeLink(d);
  return {
    title: stalledDealTitle(d),
    stage: d.stage ? clipPlainText(d.stage, STAGE_MAX) : 'no stage',
    amount: stalledAmount(d, opts.locale),
    facts: stalledDealFacts(d, d.stalledDays ?? opts.stalledDays),
    find: link ? null : `${sourceName(d.source)} id ${clipPlainText(d.externalId, ID_MAX)}`,
    link,
  };
}

/**
 * One stalled deal as a mrkdwn line (two, joined by a line break): the title bold, linked to the deal in its CRM
 * when a link is known; the stage and amount; the facts (stalledDealFacts); the source and id when there is no
 * link. User text (title, stage, id) escaped.
 */
export function stalledDealLine(d: TStalledDeal, opts: { stalledDays: number; locale?: string }): string {
  const p = stalledDealParts(d, opts);
  const title = escapeMrkdwn(p.title);
  const head = p.link ? `*<${p.link}|${title.replace(/\|/g, '/')}>*` : `*${title}*`;
  const find = p.find ? ` · ${sourceName(d.source)} id ${codeSpan(clipPlainText(d.externalId, ID_MAX))}` : '';
  return `${head} · ${escapeMrkdwn(p.stage)}${p.amount ? ` · ${p.amount}` : ''}\n${p.facts.join(' · ')}${find}`;
}

/**
 * The same words as plain text (not escaped: the digest escapes its items; the terminal strips controls): the
 * title, stage and amount, then `sep`, then the facts and the link or the source and id.
 */
export function stalledDealText(
  d: TStalledDeal,
  opts: { stalledDays: number; locale?: string; sep?: string; withLink?: boolean },
): string {
  const p = stalledDealParts(d, opts);
  const find = p.find ?? (opts.withLink && p.link ? p.link : null);
  return `${p.title} · ${p.stage}${p.amount ? ` · ${p.amount}` : ''}${opts.sep ?? ': '}${[...p.facts, ...(find ? [find] : [])].join(' · ')}`;
}

/** The same line for a terminal: names as written, the link or the source and id in full. */
export function stalledDealTerminalLine(
  d: TStalledDeal,
  opts: { stalledDays: number; locale?: string },
): string {
  const p = stalledDealParts(d, opts);
  const find = p.link ?? `${sourceName(d.source)} id ${clipPlain(d.externalId, ID_MAX)}`;
  return `${plain(p.title)} · ${plain(p.stage)}${p.amount ? ` · ${p.amount}` : ''}\n   ${[...p.facts, plain(find)].join(' · ')}`;
}

/** The oldest open date among these deals, as days (null when none has a known open date). */
export function oldestOpenDays(deals: readonly TStalledDeal[]): number | null {
  const ages = deals.flatMap((d) => (typeof d.ageDays === 'number' ? [d.ageDays] : []));
  return ages.length ? Math.max(...ages) : null;
}

/** "…and 67 more stalled deals (oldest open 185 days)" for the deals not shown; null when all are. */
export function moreStalledLine(rest: readonly TStalledDeal[]): string | null {
  if (rest.length === 0) return null;
  const oldest = oldestOpenDays(rest);
  return `…and ${rest.length} more stalled deal${rest.length === 1 ? '' : 's'}${oldest !== null ? ` (oldest open ${days(oldest)})` : ''}`;
}

/**
 * The open value of these deals where it is known: the amounts summed per currency, each in its own currency
 * ("$40,000 + ¥500,000"), deals without an amount left out; null when none has one.
 */
export function stalledOpenValue(deals: readonly TStalledDeal[], locale = 'en-US'): string | null {
  const sums = new Map<string, bigint>();
  for (const d of deals)
    if (d.amountMinor > 0n) sums.set(d.currency, (sums.get(d.currency) ?? 0n) + d.amountMinor);
  const parts = [...sums.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .flatMap(([currency, amountMinor]) => stalledAmount({ amountMinor, currency }, locale) ?? []);
  return parts.length ? parts.join(' + ') : null;
}

/** "31 stalled · oldest open 185 days · $X open value where known" (parts left out when unknown). */
export function stalledSummaryLine(deals: readonly TStalledDeal[], locale = 'en-US'): string {
  const oldest = oldestOpenDays(deals);
  const value = stalledOpenValue(deals, locale);
  return [
    `${deals.length} stalled`,
    ...(oldest !== null ? [`oldest open ${days(oldest)}`] : []),
    ...(value ? [`${value} open value where known`] : []),
  ].join(' · ');
}

/**
 * Which rules caught how many of these deals: "27 open longer than the team takes to close (90% within 104
 * days), 4 with no activity for 14+ days", most first; a deal meeting several counts under each (and it is said).
 */
export function stalledRuleCounts(deals: readonly TStalledDeal[], stalledDays: number): string {
  const count = (r: TStalledRule) => deals.filter((d) => rulesOf(d).includes(r)).length;
  const close = deals.find((d) => d.usualCloseDays != null)?.usualCloseDays;
  const idle = deals.find((d) => d.stalledDays !== undefined)?.stalledDays ?? stalledDays;
  const words: Record<TStalledRule, string> = {
    age: `open longer than the team takes to close${close != null ? ` (90% within ${days(close)})` : ''}`,
    activity: `with no activity for ${idle}+ days`,
    stage: "longer in their stage than the team's usual",
  };
  const parts = (['age', 'activity', 'stage'] as const)
    .map((r, i) => ({ r, i, n: count(r) }))
    .filter((x) => x.n > 0)
    .sort((a, b) => b.n - a.n || a.i - b.i);
  const several = deals.some((d) => rulesOf(d).length > 1);
  return `${parts.map((x) => `${x.n} ${words[x.r]}`).join(', ')}${several ? ' (some deals meet more than one)' : ''}.`;
}

const INTRO = (stalledDays: number) =>
  `Open deals of yours that have sat in their stage longer than the team usually takes (90% of deals move on sooner), have been open longer than the team usually takes to close one, or, where your CRM logs activity on deals, have had none logged for ${days(stalledDays)}. Most stalled first.`;
const FOOTER =
  'You get this list every week while you have stalled deals. `/kpi notify stalled off` turns it off.';

/**
 * A rep's weekly direct message: their STALLED_DM_SHOWN most stalled deals, then "…and 67 more stalled deals
 * (oldest open 185 days)", within Block Kit's limits, a text fallback and a terminal view.
 */
export function buildStalledDealsDm(
  deals: readonly TStalledDeal[],
  opts: { stalledDays: number; locale?: string },
): TMessage {
  const n = deals.length;
  const title = `Stalled deals · ${n} ${n === 1 ? 'deal needs' : 'deals need'} a nudge`;
  const shown = deals.slice(0, STALLED_DM_SHOWN);
  const more = moreStalledLine(deals.slice(shown.length));
  const lines = shown.map((d) => stalledDealLine(d, opts));
  const blocks: KnownBlock[] = [
    { type: 'header', text: { type: 'plain_text', text: clipPlainText(title, LIMITS.header) } },
    { type: 'section', text: { type: 'mrkdwn', text: INTRO(opts.stalledDays) } },
    // Five deals a section keeps each well within 3,000 characters.
    ...mrkdwnSections(lines, {
      maxBlocks: LIMITS.blocks - 4,
      perBlock: 5,
      more: (k) => `…and ${k} more stalled deal${k === 1 ? '' : 's'}`,
    }),
    ...(more ? [{ type: 'section' as const, text: { type: 'mrkdwn' as const, text: more } }] : []),
    mrkdwnContext([FOOTER]),
  ];
  const short = (d: TStalledDeal) => {
    const p = stalledDealParts(d, opts);
    return `${escapeMrkdwn(p.title)} (${escapeMrkdwn(p.facts[0] ?? p.stage)})`;
  };
  const text = listWithin(`${title}: `, shown.map(short), more ? `; ${more}` : '', 1000);
  const terminal = [
    title.toUpperCase(),
    INTRO(opts.stalledDays),
    ...shown.map((d, i) => `${i + 1}. ${stalledDealTerminalLine(d, opts)}`),
    ...(more ? [more] : []),
    FOOTER.replace(/`/g, ''),
  ].join('\n');
  return { text, blocks, terminal };
}
