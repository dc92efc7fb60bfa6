import type { KnownBlock } from '@slack/types';
import { LOWER_IS_BETTER, SCALAR_METRICS, type TMetricUnit } from '../metrics/scalar.js';
import { median } from '../metrics/stats.js';
import { isAdditive } from '../metrics/targets.js';
import { changeBetween, formatChange, formatMetric, oneLine } from '../reports/format.js';
import type { TTeamMetricsReport } from '../reports/team-metrics.js';
import { clipPlainText, LIMITS, listWithin, mrkdwnSections } from './blocks.js';
import { escapeMrkdwn } from './help.js';
import { versusTarget } from './scorecard.js';
import { displayWidth, personJson, plain, table, toJson, WIDTH, wrap } from './terminal.js';
import type { TReply, TReplyData } from './types.js';

const UNIT = new Map<string, TMetricUnit>(SCALAR_METRICS.map((m) => [m.id, m.unit]));
const TITLE = new Map<string, string>(SCALAR_METRICS.map((m) => [m.id, m.title]));

/** The columns of the team table besides the ranked metric: revenue, its quality and the activity behind it. */
const COLUMNS: [string, string][] = [
  ['sales.won_total', 'won'],
  ['opportunities.win_rate', 'win rate'],
  ['opportunities.created_to_lost_ratio', 'created:lost'],
  ['outreach.total', 'outreach'],
  ['personalization.personalized', 'personalized'],
];

/** Below this share of a rep's own revenue target (or of the team's median rep, without one) a rep needs attention. */
const ATTENTION_SHARE = 0.5;

/** The longest line of the Slack team table (a rep's name line aside): Slack's phone app shows about 40–60. */
export const PHONE_LINE = 60;

type TRepRow = TTeamMetricsReport['byRep'][number];

const unitOf = (id: string): TMetricUnit => UNIT.get(id) ?? 'count';
const labelOf = (id: string) => COLUMNS.find(([c]) => c === id)?.[1] ?? (TITLE.get(id) ?? id).toLowerCase();

function cell(metrics: Record<string, number | null>, id: string, report: TTeamMetricsReport): string {
  return formatMetric(metrics[id] ?? null, unitOf(id), report.currency, report.locale);
}

/**
 * The columns shown besides the ranked metric: those with a figure other than 0 for some rep of the team (a
 * column that is 0 or no data for everyone says nothing).
 */
function shownColumns(report: TTeamMetricsReport): [string, string][] {
  return COLUMNS.filter(
    ([id]) => id !== report.metric && report.byRep.some((r) => (r.metrics[id] ?? 0) !== 0),
  );
}

/**
 * A rep's figure for the ranked metric as a share of their own target (a fraction), for a sum (isAdditive); null
 * without a target, and for a level (a rate, days, followers), which is read as a gap in its unit, never a share.
 */
function attainmentOf(
  r: { metrics: Record<string, number | null> },
  targets: Record<string, number>,
  id: string,
) {
  const value = r.metrics[id];
  const target = targets[id];
  return isAdditive(id) && typeof value === 'number' && typeof target === 'number' && target > 0
    ? value / target
    : null;
}

/** "83% of $6,000" for a sum; "vs 30.0% target, -10 pts" for a level (versusTarget); '' without a target. */
function ofTarget(
  r: { metrics: Record<string, number | null> },
  targets: Record<string, number>,
  report: TTeamMetricsReport,
): string {
  const id = report.metric;
  const [actual, target] = [r.metrics[id], targets[id]];
  if (typeof actual !== 'number' || typeof target !== 'number' || !(target > 0)) return '';
  const kind = isAdditive(id) ? ('sum' as const) : ('level' as const);
  return versusTarget(
    { actual, target, kind, attainment: attainmentOf(r, targets, id) },
    unitOf(id),
    report.currency,
    report.locale,
  );
}

/** A rep's change on the ranked metric against the comparison stretch (points for a rate, % for an amount). */
const trendOf = (r: TRepRow, report: TTeamMetricsReport) =>
  changeBetween(r.metrics[report.metric], r.before[report.metric], unitOf(report.metric));

/** "▲ +25%", "▼ -4 pts", or '' when there is nothing to compare with or no change. */
function arrow(r: TRepRow, report: TTeamMetricsReport): string {
  const change = trendOf(r, report);
  if (!change) return '';
  const text = formatChange(change, unitOf(report.metric));
  return text === 'no change' ? '' : `${change.change > 0 ? '▲' : '▼'} ${text}`;
}

/** What the trend compares with, in words. */
function comparedWith(report: TTeamMetricsReport): string {
  const whole = report.comparison.end === report.period.start;
  return whole ? 'the previous period' : 'the same days of the previous period';
}

/** Parts joined by " · " into lines of at most `max` characters (a part longer than a line stays whole). */
export function packLines(parts: readonly string[], max = PHONE_LINE): string[] {
  const lines: string[] = [];
  let line = '';
  for (const part of parts.filter(Boolean)) {
    const next = line ? `${line} · ${part}` : part;
    if (line && next.length > max) {
      lines.push(line);
      line = part;
    } else line = next;
  }
  if (line) lines.push(line);
  return lines;
}

/**
 * Who needs attention: reps whose won revenue is under ATTENTION_SHARE of their own revenue target (the target
 * their scorecard uses), or, for a rep without one, of the team's median rep. Nobody is named against a bar of 0.
 */
function attentionOf(report: TTeamMetricsReport) {
  const typical = median(report.byRep.map((r) => r.metrics['sales.won_total'] ?? 0)) ?? 0;
  const judged = report.byRep.map((r) => {
    const target = r.targets['sales.won_total'] ?? 0;
    const basis = target > 0 ? ('target' as const) : ('typical' as const);
    return { rep: r, basis, bar: (target > 0 ? target : typical) * ATTENTION_SHARE };
  });
  const behind = judged.filter((j) => j.bar > 0 && (j.rep.metrics['sales.won_total'] ?? 0) < j.bar);
  const bases = new Set(behind.map((j) => j.basis));
  const pct = `${Math.round(ATTENTION_SHARE * 100)}%`;
  const against =
    bases.size > 1
      ? `under ${pct} of their revenue target, or of the team's typical revenue for reps without a target`
      : bases.has('target')
        ? `under ${pct} of their revenue target`
        : `under ${pct} of the team's typical revenue`;
  return { behind, against };
}

/** The team's title, the manager's name passed through `name` (as written on one line, or isolated for a terminal). */
const titleOf = (report: TTeamMetricsReport, name: (s: string) => string = oneLine) =>
  `${report.team.manager ? `${name(report.team.manager.name)}'s team` : 'Everyone'} · ${report.period.label}`;

/**
 * `/kpi team`: the Block Kit: the team's totals, then each rep ranked by the chosen metric (their figure, % of
 * their own target, the trend arrow, then the other columns that are not 0 for the whole team), and who needs
 * attention. Every line but a rep's name fits a phone (PHONE_LINE characters).
 */
export function teamBlocks(report: TTeamMetricsReport): KnownBlock[] {
  const columns = shownColumns(report);
  const { against, behind } = attentionOf(report);
  const ranked = labelOf(report.metric);
  const totals = packLines([
    `${ranked} *${cell(report.metrics, report.metric, report)}*`,
    ofTarget(report, report.targets, report),
    ...columns.map(([id, label]) => `${label} ${cell(report.metrics, id, report)}`),
  ]);
  const repBlocks = report.byRep.map((r) =>
    [
      `${r.rank === null ? '' : `${r.rank}. `}*${escapeMrkdwn(r.name)}*${r.rank === null ? ' (not ranked: no result)' : ''}`,
      ...packLines([
        `${ranked} ${cell(r.metrics, report.metric, report)}`,
        ofTarget(r, r.targets, report),
        arrow(r, report),
      ]),
      ...packLines(columns.map(([id, label]) => `${label} ${cell(r.metrics, id, report)}`)),
    ].join('\n'),
  );
  const blocks: KnownBlock[] = [
    { type: 'header', text: { type: 'plain_text', text: clipPlainText(titleOf(report), LIMITS.header) } },
    { type: 'section', text: { type: 'mrkdwn', text: [`*Team*`, ...totals].join('\n') } },
    {
      type: 'context',
      elements: [
        {
          type: 'mrkdwn',
          // Two short lines, as the table's: the second within PHONE_LINE whatever the metric.
          text: `Ranked by ${TITLE.get(report.metric) ?? report.metric}.\n▲ ▼ against ${comparedWith(report)}.`,
        },
      ],
    },
    // Ten reps a section, fewer when their names are long: each section within Slack's 3,000 characters, and
    // the whole message within its 50 blocks (the header, the totals, the key and the attention note besides).
    ...(repBlocks.length
      ? mrkdwnSections(repBlocks, {
          perBlock: 10,
          maxBlocks: LIMITS.blocks - 4,
          more: (n) => `…and ${n} more ${n === 1 ? 'rep' : 'reps'} (the whole team: \`/kpi export\`)`,
        })
      : [{ type: 'section' as const, text: { type: 'mrkdwn' as const, text: 'No reps in this team yet.' } }]),
  ];
  if (behind.length) {
    blocks.push({
      type: 'context',
      elements: [
        {
          type: 'mrkdwn',
          text: listWithin(
            `Needs attention (${against}): `,
            behind.map((j) => escapeMrkdwn(j.rep.name)),
            '. /kpi why @name says why.',
          ),
        },
      ],
    });
  }
  return blocks;
}

/** A longer name goes on a line of its own above its figures, so a row fits 80 columns with typical figures. */
const NAME_CELLS = 16;

/**
 * The team for a terminal: the ranking (rank, name, the chosen metric, % of target, the trend) with the team's
 * total first, then the other columns that are not 0 for the whole team, and who needs attention.
 */
export function teamText(report: TTeamMetricsReport): string {
  const columns = shownColumns(report);
  const { against, behind } = attentionOf(report);
  const trend = (r: TRepRow) => {
    const change = trendOf(r, report);
    return change ? formatChange(change, unitOf(report.metric)) : '';
  };
  // The target column only when someone has a target for the metric.
  const targeted = report.byRep.some((r) => ofTarget(r, r.targets, report) !== '');
  const target = (r: { metrics: Record<string, number | null> }, targets: Record<string, number>) =>
    targeted ? [ofTarget(r, targets, report)] : [];
  const ranking = [
    [
      '',
      '',
      labelOf(report.metric),
      ...(targeted ? [isAdditive(report.metric) ? 'of target' : 'target'] : []),
      'trend',
    ],
    ['', 'Team', cell(report.metrics, report.metric, report), ...target(report, report.targets), ''],
    ...report.byRep.map((r) => [
      r.rank === null ? '-' : `${r.rank}.`,
      plain(r.name),
      cell(r.metrics, report.metric, report),
      ...target(r, r.targets),
      trend(r),
    ]),
  ];
  const others = [
    ['', ...columns.map(([, label]) => label)],
    ['Team', ...columns.map(([id]) => cell(report.metrics, id, report))],
    ...report.byRep.map((r) => [plain(r.name), ...columns.map(([id]) => cell(r.metrics, id, report))]),
  ];
  const rankAlign = ['right', 'left', 'right', ...(targeted ? ['left' as const] : []), 'right'] as const;
  const long = { column: 1, max: NAME_CELLS };
  // One table when its rows fit WIDTH; else the ranking, then the other columns under it.
  const together = table(
    ranking.map((row, i) => [...row, ...(others[i]?.slice(1) ?? [])]),
    [...rankAlign, ...columns.map(() => 'right' as const)],
    long,
  );
  const fits = together.every(
    (line) => displayWidth(line) <= WIDTH || report.byRep.some((r) => line.trim() === plain(r.name)),
  );
  const ranked = `ranked by ${(TITLE.get(report.metric) ?? report.metric).toLowerCase()}`;
  return [
    `${titleOf(report, plain)} · ${ranked}`,
    // Always said (as in Slack's view): a scorecard's trend is against the rep's usual, this one is not.
    `Trend: against ${comparedWith(report)}.`,
    ...(fits || !report.byRep.length
      ? together
      : [
          ...table(ranking, rankAlign, long),
          ...(columns.length
            ? table(others, ['left', ...columns.map(() => 'right' as const)], { column: 0, max: NAME_CELLS })
            : []),
        ]),
    ...(report.byRep.length ? [] : ['No reps in this team yet.']),
    ...(behind.length
      ? wrap(
          `Needs attention (${against}): ${behind.map((j) => plain(j.rep.name)).join(', ')}. /kpi why @name says why.`,
        )
      : []),
  ].join('\n');
}

/**
 * The team as data: the ranked metric, the team's metrics and targets, each rep in rank order with their rank
 * (null without a result), metrics, own targets, attainment of the ranked metric and its change against the
 * comparison stretch (money in major units of `currency`, rates as fractions, null for no data), and who needs
 * attention, each with the bar they are under and its basis (their target, or the team's typical rep).
 */
export function teamJson(report: TTeamMetricsReport): TReplyData {
  const { behind } = attentionOf(report);
  return {
    type: 'team',
    manager: personJson(report.team.manager),
    period: toJson(report.period),
    metric: report.metric,
    lowerIsBetter: LOWER_IS_BETTER.has(report.metric),
    comparison: toJson(report.comparison),
    currency: report.currency,
    metrics: toJson(report.metrics),
    targets: toJson(report.targets),
    reps: report.byRep.map((r) => ({
      id: r.id,
      name: r.name,
      rank: r.rank,
      metrics: toJson(r.metrics),
      targets: toJson(r.targets),
      attainment: toJson(attainmentOf(r, r.targets, report.metric)),
      change: toJson(trendOf(r, report)),
    })),
    needsAttention: {
      share: ATTENTION_SHARE,
      reps: behind.map((j) => ({ id: j.rep.id, name: j.rep.name, bar: j.bar, basis: j.basis })),
    },
  };
}

/** `/kpi team`: the team's totals, each rep ranked by the chosen metric, and who needs attention. */
export function buildTeamTable(report: TTeamMetricsReport): TReply {
  return {
    text: `${escapeMrkdwn(titleOf(report))}: ${labelOf(report.metric)} ${cell(report.metrics, report.metric, report)}`,
    blocks: teamBlocks(report),
    terminal: teamText(report),
    data: teamJson(report),
    visibility: 'ephemeral',
  };
}
