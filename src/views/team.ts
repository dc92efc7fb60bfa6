import type { KnownBlock } from '@slack/types';
import { SCALAR_METRICS, type TMetricUnit } from '../metrics/scalar.js';
import { median } from '../metrics/stats.js';
import { formatMetric, oneLine } from '../reports/format.js';
import type { TTeamMetricsReport } from '../reports/team-metrics.js';
import { clipPlainText, LIMITS, listWithin, mrkdwnSections } from './blocks.js';
import { escapeMrkdwn } from './help.js';
import { personJson, plain, table, toJson, wrap } from './terminal.js';
import type { TReply, TReplyData } from './types.js';

const UNIT = new Map<string, TMetricUnit>(SCALAR_METRICS.map((m) => [m.id, m.unit]));

/** The columns of the team table: revenue, its quality and the activity behind it. */
const COLUMNS: [string, string][] = [
  ['sales.won_total', 'won'],
  ['opportunities.win_rate', 'win rate'],
  ['opportunities.created_to_lost_ratio', 'created:lost'],
  ['outreach.total', 'outreach'],
  ['personalization.personalized', 'personalized'],
];

/** Below this share of the per-rep revenue target (or of the team's median rep) a rep needs attention. */
const ATTENTION_SHARE = 0.5;

function cell(metrics: Record<string, number | null>, id: string, report: TTeamMetricsReport): string {
  return formatMetric(metrics[id] ?? null, UNIT.get(id) ?? 'count', report.currency, report.locale);
}

/** Who needs attention: reps under ATTENTION_SHARE of the per-rep revenue target, or of the team's median rep. */
function attentionOf(report: TTeamMetricsReport) {
  const perRepTarget =
    report.byRep.length > 0 ? (report.targets['sales.won_total'] ?? 0) / report.byRep.length : 0;
  const typical = median(report.byRep.map((r) => r.metrics['sales.won_total'] ?? 0)) ?? 0;
  const bar = (perRepTarget > 0 ? perRepTarget : typical) * ATTENTION_SHARE;
  const against = perRepTarget > 0 ? 'their revenue target' : "the team's typical revenue";
  const behind = report.byRep.filter((r) => bar > 0 && (r.metrics['sales.won_total'] ?? 0) < bar);
  return { bar, basis: perRepTarget > 0 ? ('target' as const) : ('typical' as const), against, behind };
}

/** The team's title, the manager's name passed through `name` (as written on one line, or isolated for a terminal). */
const titleOf = (report: TTeamMetricsReport, name: (s: string) => string = oneLine) =>
  `${report.team.manager ? `${name(report.team.manager.name)}'s team` : 'Everyone'} · ${report.period.label}`;

/** `/kpi team`: the Block Kit: the team's totals, one line per rep, and who needs attention. */
export function teamBlocks(report: TTeamMetricsReport): KnownBlock[] {
  const total = COLUMNS.map(([id, label]) => `${label} *${cell(report.metrics, id, report)}*`).join(' · ');
  const { against, behind } = attentionOf(report);
  const lines = report.byRep.map((r) => {
    const figures = COLUMNS.map(([id, label]) => `${label} ${cell(r.metrics, id, report)}`).join(' · ');
    return `*${escapeMrkdwn(r.name)}* · ${figures}`;
  });
  const blocks: KnownBlock[] = [
    { type: 'header', text: { type: 'plain_text', text: clipPlainText(titleOf(report), LIMITS.header) } },
    { type: 'section', text: { type: 'mrkdwn', text: `Team: ${total}` } },
    // Ten reps a section, fewer when their names are long: each section within Slack's 3,000 characters, and
    // the whole message within its 50 blocks (the header, the totals and the attention note besides).
    ...(lines.length
      ? mrkdwnSections(lines, {
          perBlock: 10,
          maxBlocks: LIMITS.blocks - 3,
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
            `Needs attention (under ${Math.round(ATTENTION_SHARE * 100)}% of ${against}): `,
            behind.map((r) => escapeMrkdwn(r.name)),
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

/** The team for a terminal: a table (the team's totals first, then each rep) and who needs attention. */
export function teamText(report: TTeamMetricsReport): string {
  const { against, behind } = attentionOf(report);
  const figures = (metrics: Record<string, number | null>) =>
    COLUMNS.map(([id]) => cell(metrics, id, report));
  const rows = [
    ['', ...COLUMNS.map(([, label]) => label)],
    ['Team', ...figures(report.metrics)],
    ...report.byRep.map((r) => [plain(r.name), ...figures(r.metrics)]),
  ];
  return [
    titleOf(report, plain),
    ...table(rows, ['left', ...COLUMNS.map(() => 'right' as const)], { column: 0, max: NAME_CELLS }),
    ...(report.byRep.length ? [] : ['No reps in this team yet.']),
    ...(behind.length
      ? wrap(
          `Needs attention (under ${Math.round(ATTENTION_SHARE * 100)}% of ${against}): ${behind.map((r) => plain(r.name)).join(', ')}. /kpi why @name says why.`,
        )
      : []),
  ].join('\n');
}

/**
 * The team as data: the team's metrics and targets, each rep's metrics (money in major units of `currency`,
 * rates as fractions, null for no data), and who needs attention with the bar they are under.
 */
export function teamJson(report: TTeamMetricsReport): TReplyData {
  const { bar, basis, behind } = attentionOf(report);
  return {
    type: 'team',
    manager: personJson(report.team.manager),
    period: toJson(report.period),
    currency: report.currency,
    metrics: toJson(report.metrics),
    targets: toJson(report.targets),
    reps: report.byRep.map((r) => ({ id: r.id, name: r.name, metrics: toJson(r.metrics) })),
    needsAttention: {
      share: ATTENTION_SHARE,
      basis,
      bar: bar > 0 ? bar : null,
      reps: behind.map((r) => ({ id: r.id, name: r.name })),
    },
  };
}

/** `/kpi team`: the team's totals, one line per rep, and who needs attention. */
export function buildTeamTable(report: TTeamMetricsReport): TReply {
  return {
    text: `${escapeMrkdwn(titleOf(report))}: won ${cell(report.metrics, 'sales.won_total', report)}`,
    blocks: teamBlocks(report),
    terminal: teamText(report),
    data: teamJson(report),
    visibility: 'ephemeral',
  };
}
