import type { KnownBlock } from '@slack/types';
import { RULES, type TAlert } from '../reports/coaching-rules.js';
import { changeUnitOf, formatChange, formatMetric, plural } from '../reports/format.js';
import { hasResult, type TWeeklyLeaderboard, type TWeeklyRow } from '../reports/weekly-leaderboard.js';
import { clipMrkdwn, clipPlainText, LIMITS, listWithin, mrkdwnSections } from './blocks.js';
import { escapeMrkdwn } from './help.js';
import { plain } from './terminal.js';
import type { TMessage } from './types.js';

export const RANK_OPT_IN_ACTION = 'kpi_rank_optin';
export const RANK_OPT_OUT_ACTION = 'kpi_rank_optout';
export const ALERT_SNOOZE_ACTION = 'kpi_alert_snooze';
export const ALERT_HANDLED_ACTION = 'kpi_alert_handled';

const who = (r: TWeeklyRow['rep']) => (r.slackUserId ? `<@${r.slackUserId}>` : escapeMrkdwn(r.name));
const pct = (x: number) => `${Math.round(x * 100)}%`;

/** A row with a result worth naming in public (the report's rule, hasResult). */
const shown = (b: TWeeklyLeaderboard, r: TWeeklyRow) => hasResult(b.lowerIsBetter, r);

/** The rows the post names: the top N with a result. */
export const publicRows = (b: TWeeklyLeaderboard) => b.rows.filter((r) => shown(b, r)).slice(0, b.top);

/**
 * The stretch a board covers as it names it: "December 2017 to date (1–4 Dec)" while the month runs (up to the
 * slot), or "November 2017" for a finished month.
 */
export const boardPeriod = (b: TWeeklyLeaderboard) => b.span.label;

/**
 * How much the most improved rep improved, in the metric's own terms: a rate in points ("+65.2 pts"), an amount
 * or a count as the difference ("+$25,856"; "-3" lost deals where less is better). `fmt` formats a value.
 */
function improvementText(
  b: TWeeklyLeaderboard,
  improvement: number | null,
  fmt: (v: number | null) => string,
): string {
  if (improvement === null) return fmt(null);
  // The change as it happened: where less is better (lost deals), the improvement was a fall.
  const delta = b.lowerIsBetter ? -improvement : improvement;
  if (changeUnitOf(b.metric.unit) === 'points')
    return formatChange({ change: delta, changeUnit: 'points' }, b.metric.unit);
  return `${delta > 0 ? '+' : '-'}${fmt(Math.abs(delta))}`;
}

/** The move since the last post: "↑2", "↓1", "new"; nothing when the rank held or there was no last post. */
function movementText(r: TWeeklyRow): string {
  if (r.movement === null || r.movement === 0) return '';
  if (r.movement === 'new') return ' (new)';
  return r.movement > 0 ? ` ↑${r.movement}` : ` ↓${-r.movement}`;
}

/** A gap to the rep above, unsigned: points for a rate ("4.5 pts"), else the metric's own figure ("$3,000"). */
function gapText(b: TWeeklyLeaderboard, gap: number, fmt: (v: number | null) => string): string {
  if (changeUnitOf(b.metric.unit) !== 'points') return fmt(gap);
  // formatChange signs a change; a gap behind someone is a distance (and one under 0.05 pts reads "no change").
  const shownGap = formatChange({ change: gap, changeUnit: 'points' }, b.metric.unit);
  return shownGap.startsWith('+') ? shownGap.slice(1) : 'under 0.1 pts';
}

/**
 * Where a named rep stands besides their figure: % of their own target (a sum), else % of the leader (more is
 * better), and how far behind the rep above ("$5,795 behind #1").
 */
function standing(b: TWeeklyLeaderboard, r: TWeeklyRow, fmt: (v: number | null) => string): string {
  const share =
    r.attainment !== null
      ? ` · ${pct(r.attainment)} of target`
      : r.ofLeader !== null && r.rank > 1
        ? ` · ${pct(r.ofLeader)} of the leader`
        : '';
  const gap =
    r.gapToNext !== null && r.gapToNext > 0 ? ` · ${gapText(b, r.gapToNext, fmt)} behind #${r.rank - 1}` : '';
  return `${movementText(r)}${share}${gap}`;
}

/** Said instead of arrows on the first post of a month: last week's board ranked another month. */
export const NEW_MONTH_NOTE = 'New month: movement starts next week.';
/** The legend of the arrows, when a named rep has one. */
export const MOVEMENT_LEGEND = "↑↓ places since last week's board; (new): not ranked on it.";

/** What the footer says of movement: the legend when an arrow or "(new)" is shown, the new-month note, or nothing. */
function movementNote(b: TWeeklyLeaderboard, top: TWeeklyRow[]): string {
  if (b.movementBasis === 'new-month') return `${NEW_MONTH_NOTE} `;
  return top.some((r) => movementText(r) !== '') ? `${MOVEMENT_LEGEND} ` : '';
}

/** What "most improved" was measured against: "the same days of last month (1–4 Nov)", or "October 2017". */
const comparedWith = (b: TWeeklyLeaderboard) =>
  b.toDate ? `the same days of last month (${b.comparison.label})` : b.comparison.label;

/** The weekly channel post: the named top N, % of own target, the quality column, most improved, a chart. */
export function buildWeeklyLeaderboard(b: TWeeklyLeaderboard, chart?: KnownBlock): TMessage {
  const fmt = (v: number | null) => formatMetric(v, b.metric.unit, b.currency, b.locale);
  const quality = (v: number | null) => formatMetric(v, b.quality.unit, b.currency, b.locale);
  const top = publicRows(b);
  const title = `Weekly leaderboard · ${b.metric.title} · ${boardPeriod(b)}`;
  const lines = top.map(
    (r) =>
      `*${r.rank}.* ${who(r.rep)}  ${fmt(r.value)}${standing(b, r, fmt)}` +
      ` · ${b.quality.title.toLowerCase()} ${quality(r.quality)}`,
  );
  const improved = b.mostImproved;
  const footer = `${movementNote(b, top)}${b.quality.title} is shown beside each figure so the board rewards good business, not just volume. Not in the top ${b.top}? Get your own rank by direct message each week: only you see it.`;
  const blocks: KnownBlock[] = [
    { type: 'header', text: { type: 'plain_text', text: clipPlainText(title, LIMITS.header) } },
    // The header, most improved, a chart, the note and the button besides.
    ...mrkdwnSections(lines.length ? lines : ['_No results yet this period._'], {
      maxBlocks: LIMITS.blocks - 5,
    }),
  ];
  if (improved)
    blocks.push({
      type: 'context',
      elements: [
        {
          type: 'mrkdwn',
          text: `:chart_with_upwards_trend: Most improved: ${who(improved.rep)}, ${improvementText(b, improved.improvement, fmt)} against ${comparedWith(b)}.`,
        },
      ],
    });
  if (chart) blocks.push(chart);
  blocks.push(
    {
      type: 'context',
      elements: [
        {
          type: 'mrkdwn',
          text: footer,
        },
      ],
    },
    {
      type: 'actions',
      block_id: 'kpi_leaderboard_actions',
      elements: [
        {
          type: 'button',
          action_id: RANK_OPT_IN_ACTION,
          text: { type: 'plain_text', text: 'DM me my rank each week' },
          value: b.metric.id,
        },
      ],
    },
  );
  const text = `${title}: ${top.map((r) => `${r.rank}. ${escapeMrkdwn(r.rep.name)} ${fmt(r.value)}`).join(', ') || 'no results yet'}`;
  // The terminal: the same lines, names as written (Slack shows mentions), no marks.
  const terminal = [
    plain(title).toUpperCase(),
    ...(top.length
      ? top.map(
          (r) =>
            `${r.rank}. ${plain(r.rep.name)}  ${fmt(r.value)}${standing(b, r, fmt)}` +
            ` · ${b.quality.title.toLowerCase()} ${quality(r.quality)}`,
        )
      : ['No results yet this period.']),
    ...(improved
      ? [
          `↗ Most improved: ${plain(improved.rep.name)}, ${improvementText(b, improved.improvement, fmt)} against ${comparedWith(b)}.`,
        ]
      : []),
    ...(chart && chart.type === 'image' ? [`[image: ${plain(chart.alt_text)}]`] : []),
    footer,
    '[DM me my rank each week]',
  ].join('\n');
  return { text, blocks, terminal };
}

/** The direct message of someone who opted in: their own rank, privately. */
export function buildRankDm(b: TWeeklyLeaderboard, row: TWeeklyRow): TMessage {
  const fmt = (v: number | null) => formatMetric(v, b.metric.unit, b.currency, b.locale);
  const ranked = b.rows.filter((r) => shown(b, r)).length;
  const place = shown(b, row) ? `#${row.rank} of ${ranked}` : `no ${b.metric.title.toLowerCase()} yet`;
  const text =
    `Your rank this week by ${b.metric.title}, ${boardPeriod(b)}: ${place}` +
    `${row.value !== null ? ` with ${fmt(row.value)}` : ''}` +
    `${row.attainment !== null ? ` (${pct(row.attainment)} of your target)` : ''}.` +
    `${row.improvement !== null && row.improvement > 0 ? ` That is ${fmt(row.improvement)} better than ${comparedWith(b)}.` : ''}`;
  return {
    text,
    terminal: `${plain(text)}\n[Stop these messages]`,
    blocks: [
      { type: 'section', text: { type: 'mrkdwn', text: escapeMrkdwn(text) } },
      {
        type: 'actions',
        block_id: 'kpi_rank_actions',
        elements: [
          {
            type: 'button',
            action_id: RANK_OPT_OUT_ACTION,
            text: { type: 'plain_text', text: 'Stop these messages' },
            value: 'stop',
          },
        ],
      },
    ],
  };
}

/** A coaching alert for a rep's manager: what changed, the numbers, the likely reason, a next step; buttons. */
export function buildCoachingAlert(alert: TAlert, alertId: string): TMessage {
  const title = `Coaching alert · ${RULES[alert.rule].title}`;
  const blocks: KnownBlock[] = [
    { type: 'header', text: { type: 'plain_text', text: clipPlainText(title, LIMITS.header) } },
    {
      type: 'section',
      text: {
        type: 'mrkdwn',
        text: clipMrkdwn(`*${escapeMrkdwn(alert.headline)}*\n${escapeMrkdwn(alert.facts)}`),
      },
    },
    {
      type: 'section',
      text: {
        type: 'mrkdwn',
        text: clipMrkdwn(
          `*Likely reason:* ${escapeMrkdwn(alert.reason)}\n*Next step:* ${escapeMrkdwn(alert.nextStep)}`,
        ),
      },
    },
  ];
  const links = alert.links.filter((l) => /^https?:\/\/[^\s<>|]+$/.test(l.url));
  if (links.length)
    blocks.push({
      type: 'context',
      elements: [
        {
          type: 'mrkdwn',
          text: clipMrkdwn(
            `Recorded calls: ${links.map((l) => `<${l.url}|${escapeMrkdwn(l.label).replace(/\|/g, '/')}>`).join(' · ')}`,
          ),
        },
      ],
    });
  blocks.push({
    type: 'actions',
    block_id: 'kpi_alert_actions',
    elements: [
      {
        type: 'button',
        action_id: ALERT_SNOOZE_ACTION,
        text: { type: 'plain_text', text: 'Snooze 1 week' },
        value: alertId,
      },
      {
        type: 'button',
        action_id: ALERT_HANDLED_ACTION,
        style: 'primary',
        text: { type: 'plain_text', text: 'Mark handled' },
        value: alertId,
      },
    ],
  });
  const terminal = [
    plain(title).toUpperCase(),
    plain(alert.headline),
    plain(alert.facts),
    `Likely reason: ${plain(alert.reason)}`,
    `Next step: ${plain(alert.nextStep)}`,
    ...(links.length
      ? [`Recorded calls: ${links.map((l) => `${plain(l.label)} (${l.url})`).join(' · ')}`]
      : []),
    '[Snooze 1 week] [Mark handled]',
  ].join('\n');
  return { text: escapeMrkdwn(`${title}: ${alert.headline}. ${alert.facts}`), blocks, terminal };
}

/** The overflow menu on each item of a coaching digest; its option values are "snooze:<alert id>", "handled:<alert id>". */
export const ALERT_ITEM_ACTION = 'kpi_alert_item';
/** The block id of a digest item: the listener finds the item it changes by it. */
export const ALERT_ITEM_BLOCK = 'kpi_alert:';

/** One alert of a digest: a coaching rule's alert, or a rep's stalled deals of the week (rule 'stalled_deals'). */
export type TDigestItem = {
  alertId: string;
  rep: { id: string; name: string };
  rule: string;
  /** The rule's title ("Sales declining", "Stalled deals"). */
  title: string;
  headline: string;
  facts: string;
  reason: string;
  nextStep: string;
  links: { url: string; label: string }[];
  /**
   * In the admins' message only: the rep's manager's name (who has no Slack id), or null for a rep with no
   * manager. Absent in a manager's own digest (every rep there is theirs).
   */
  manager?: string | null;
};

/**
 * A digest to build: its items already in the order to show them (grouped by rep, most serious first). `admins`:
 * the message to the workspace's admins about reps whose manager has no Slack id (`managersWithoutSlack`, their
 * names) or no manager at all (`repsWithoutManager`, the reps' names).
 */
export type TDigest =
  | { kind: 'manager'; items: TDigestItem[] }
  | { kind: 'admins'; items: TDigestItem[]; managersWithoutSlack: string[]; repsWithoutManager: string[] };

/** Each item's section text is kept this short, so a long alert does not crowd out the others. */
const ITEM_CHARS = 1500;
/** The overflow option's value is at most 150 characters (an alert id is far shorter). */
const OPTION_VALUE_MAX = 150;

const repCount = (items: TDigestItem[]) => new Set(items.map((i) => i.rep.id)).size;
const safeLinks = (links: TDigestItem['links']) => links.filter((l) => /^https?:\/\/[^\s<>|]+$/.test(l.url));

/** Whose team a rep of the admins' message is in: "Celia Rouche's team", "no manager"; '' in a manager's digest. */
function teamOf(item: TDigestItem): string {
  if (item.manager === undefined) return '';
  return item.manager === null ? 'no manager' : `${item.manager}'s team`;
}

/** The next step's 1:1 agenda (the coaching rules end a step with it), and what comes before it. */
const AGENDA = /^(.*?)(1:1 agenda: .+)$/s;

/**
 * A next step as a digest shows it: in full the first time; an identical one later in the same digest points back
 * to the first ("Same as for Lee Park above."), and so does an identical 1:1 agenda after a step of its own
 * ("… 1:1 agenda: as for Lee Park above."), so one message does not repeat the same text for every rep. In the
 * admins' message only within a team (each team's part can be forwarded on its own). `name` renders the earlier item's rep name (escaped for Slack, as written for a terminal).
 */
export function digestNextSteps(items: readonly TDigestItem[], name: (s: string) => string): string[] {
  const steps = new Map<string, TDigestItem>();
  const agendas = new Map<string, TDigestItem>();
  const ref = (earlier: TDigestItem, now: TDigestItem) =>
    earlier.rep.id === now.rep.id ? 'above' : `for ${name(earlier.rep.name)} above`;
  return items.map((item) => {
    const step = item.nextStep;
    const team = teamOf(item);
    const same = step ? steps.get(`${team}\u0000${step}`) : undefined;
    if (same) return `Same as ${ref(same, item)}.`;
    if (step) steps.set(`${team}\u0000${step}`, item);
    const m = AGENDA.exec(step);
    if (!m) return name(step);
    const [, before = '', agenda = ''] = m;
    const sameAgenda = agendas.get(`${team}\u0000${agenda}`);
    if (!sameAgenda) {
      agendas.set(`${team}\u0000${agenda}`, item);
      return name(step);
    }
    return `${name(before)}1:1 agenda: as ${ref(sameAgenda, item)}.`;
  });
}

/** The section of one digest item, with its snooze / handled menu; `nextStep` as digestNextSteps gives it. */
function itemSection(item: TDigestItem, nextStep: string): KnownBlock {
  const links = safeLinks(item.links);
  const team = teamOf(item);
  const text = [
    `*${escapeMrkdwn(item.rep.name)}*${team ? ` · ${escapeMrkdwn(team)}` : ''} · ${escapeMrkdwn(item.title)}`,
    `*${escapeMrkdwn(item.headline)}*`,
    escapeMrkdwn(item.facts),
    `_Likely reason:_ ${escapeMrkdwn(item.reason)}`,
    `_Next step:_ ${nextStep}`,
    ...(links.length
      ? [`Links: ${links.map((l) => `<${l.url}|${escapeMrkdwn(l.label).replace(/\|/g, '/')}>`).join(' · ')}`]
      : []),
  ].join('\n');
  const option = (label: string, kind: string) => ({
    text: { type: 'plain_text' as const, text: label },
    value: `${kind}:${item.alertId}`.slice(0, OPTION_VALUE_MAX),
  });
  return {
    type: 'section',
    block_id: `${ALERT_ITEM_BLOCK}${item.alertId}`.slice(0, 255),
    text: { type: 'mrkdwn', text: clipMrkdwn(text, ITEM_CHARS) },
    accessory: {
      type: 'overflow',
      action_id: ALERT_ITEM_ACTION,
      options: [option('Snooze 1 week', 'snooze'), option('Mark handled', 'handled')],
    },
  };
}

/** What the admins' message says first: who lacks a Slack id, and what to do about it. */
function missingText(d: Extract<TDigest, { kind: 'admins' }>, mark: (s: string) => string): string {
  const parts: string[] = [];
  if (d.managersWithoutSlack.length)
    parts.push(listWithin('These managers have no Slack id: ', d.managersWithoutSlack.map(mark), '.', 1200));
  if (d.repsWithoutManager.length)
    parts.push(listWithin('These reps have no manager: ', d.repsWithoutManager.map(mark), '.', 1200));
  parts.push(
    'Until that changes their coaching alerts come to KPI Bot admins. To send them to the manager: give the manager a Slack id (the `slack_user_id` column of a reps import, `kpi import reps`), or set the reps’ manager (the `manager` column).',
  );
  return parts.join('\n');
}

/** The local day of a digest: "Mon 12 Jun 2017" in the workspace's zone. */
export function digestDay(at: Date, timezone: string): string {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone: timezone,
    weekday: 'short',
    day: 'numeric',
    month: 'short',
    year: 'numeric',
  }).formatToParts(at);
  const part = (type: Intl.DateTimeFormatPartTypes) => parts.find((p) => p.type === type)?.value ?? '';
  return `${part('weekday')} ${part('day')} ${part('month')} ${part('year')}`;
}

/**
 * One message with many coaching alerts (issue 17): a manager's digest (every new alert about their reps, grouped
 * by rep, most serious first), or the admins' message about reps whose manager has no Slack id. Each item is a
 * section with a "Snooze 1 week" / "Mark handled" menu; within Slack's 50 blocks, the items that do not fit are
 * summarized ("…and 12 more alerts about 9 reps", with their names and rules). The terminal lists every item.
 */
export function buildCoachingDigest(d: TDigest, when: { at: Date; timezone: string }): TMessage {
  const n = d.items.length;
  const reps = repCount(d.items);
  const day = digestDay(when.at, when.timezone);
  const title =
    d.kind === 'manager'
      ? `Coaching digest · ${day} · ${plural(n, 'alert')} about ${plural(reps, 'rep')}`
      : `Coaching alerts with no manager on Slack · ${day} · ${plural(n, 'alert')} about ${plural(reps, 'rep')}`;
  const slackSteps = digestNextSteps(d.items, escapeMrkdwn);
  const terminalSteps = digestNextSteps(d.items, plain);
  const footer = `Snooze 1 week keeps that kind of alert about the rep quiet for a week; Mark handled records who dealt with it.${
    d.kind === 'manager' ? ' `/kpi notify` sets the day and time of your digest.' : ''
  }`;
  const blocks: KnownBlock[] = [
    { type: 'header', text: { type: 'plain_text', text: clipPlainText(title, LIMITS.header) } },
  ];
  if (d.kind === 'admins')
    blocks.push({
      type: 'section',
      text: { type: 'mrkdwn', text: clipMrkdwn(missingText(d, (s) => `*${escapeMrkdwn(s)}*`)) },
    });
  // The footer and, when needed, the summary of the rest besides.
  const room = LIMITS.blocks - blocks.length - 2;
  const shown = d.items.length <= room + 1 ? d.items : d.items.slice(0, room);
  for (const [k, item] of shown.entries()) blocks.push(itemSection(item, slackSteps[k] ?? ''));
  const rest = d.items.slice(shown.length);
  if (rest.length) {
    const byRep = new Map<string, { name: string; titles: string[] }>();
    for (const i of rest) {
      const entry = byRep.get(i.rep.id) ?? { name: i.rep.name, titles: [] };
      entry.titles.push(i.title);
      byRep.set(i.rep.id, entry);
    }
    const names = [...byRep.values()].map(
      (r) => `*${escapeMrkdwn(r.name)}* (${r.titles.map(escapeMrkdwn).join(', ')})`,
    );
    blocks.push({
      type: 'section',
      text: {
        type: 'mrkdwn',
        text: listWithin(
          `…and ${plural(rest.length, 'more alert')} about ${plural(byRep.size, 'rep')}: `,
          names,
          '. `/kpi why @name` shows each rep’s numbers and the likely reason.',
        ),
      },
    });
  }
  blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: footer }] });
  const summary = [...new Map(d.items.map((i) => [i.rep.id, i.rep.name])).entries()].map(
    ([id, name]) =>
      `${escapeMrkdwn(name)} (${d.items
        .filter((i) => i.rep.id === id)
        .map((i) => escapeMrkdwn(i.title))
        .join(', ')})`,
  );
  const text = listWithin(`${escapeMrkdwn(title)}: `, summary, '', 2000);
  const terminal = [
    plain(title).toUpperCase(),
    ...(d.kind === 'admins' ? [missingText(d, plain).replace(/`/g, '')] : []),
    ...d.items.flatMap((i, k) => [
      ...(k === 0 || d.items[k - 1]?.rep.id !== i.rep.id
        ? [`${plain(i.rep.name)}${teamOf(i) ? ` · ${plain(teamOf(i))}` : ''}`]
        : []),
      `  ${plain(i.title)}: ${plain(i.headline)}`,
      `    ${plain(i.facts)}`,
      `    Likely reason: ${plain(i.reason)}`,
      `    Next step: ${terminalSteps[k] ?? ''}`,
      ...(safeLinks(i.links).length
        ? [
            `    Links: ${safeLinks(i.links)
              .map((l) => `${plain(l.label)} (${l.url})`)
              .join(' · ')}`,
          ]
        : []),
      '    [Snooze 1 week] [Mark handled]',
    ]),
    footer.replace(/`/g, ''),
  ].join('\n');
  return { text, blocks, terminal };
}

/** The text an item is recorded with in the alert log (what its manager read). */
export function digestItemText(item: TDigestItem): string {
  return `${item.title}: ${item.headline}. ${item.facts}`;
}
