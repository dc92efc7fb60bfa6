import type { KnownBlock } from '@slack/types';
import { SCALAR_METRICS, type TMetricUnit } from '../metrics/scalar.js';
import { median } from '../metrics/stats.js';
import { formatMetric, oneLine } from '../reports/format.js';
import type { TTeamMetricsReport } from '../reports/team-metrics.js';
import { escapeMrkdwn } from './help.js';
import type { TReply } from './types.js';

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

/** `/kpi team`: the team's totals, one line per rep, and who needs attention. */
export function buildTeamTable(report: TTeamMetricsReport): TReply {
  const who = report.team.manager ? `${oneLine(report.team.manager.name)}'s team` : 'Everyone';
  const title = `${who} · ${report.period.label}`;
  const total = COLUMNS.map(([id, label]) => `${label} *${cell(report.metrics, id, report)}*`).join(' · ');
  // The bar: half the per-rep revenue target, or, without one, half the team's median rep.
  const perRepTarget =
    report.byRep.length > 0 ? (report.targets['sales.won_total'] ?? 0) / report.byRep.length : 0;
  const typical = median(report.byRep.map((r) => r.metrics['sales.won_total'] ?? 0)) ?? 0;
  const bar = (perRepTarget > 0 ? perRepTarget : typical) * ATTENTION_SHARE;
  const against = perRepTarget > 0 ? 'their revenue target' : "the team's typical revenue";
  const lines = report.byRep.map((r) => {
    const figures = COLUMNS.map(([id, label]) => `${label} ${cell(r.metrics, id, report)}`).join(' · ');
    return `*${escapeMrkdwn(r.name)}* · ${figures}`;
  });
  const behind = report.byRep.filter((r) => bar > 0 && (r.metrics['sales.won_total'] ?? 0) < bar);
  const blocks: KnownBlock[] = [
    { type: 'header', text: { type: 'plain_text', text: title.slice(0, 150) } },
    { type: 'section', text: { type: 'mrkdwn', text: `Team: ${total}` } },
    ...(lines.length
      ? chunk(lines, 10).map((part) => ({
          type: 'section' as const,
          text: { type: 'mrkdwn' as const, text: part.join('\n') },
        }))
      : [{ type: 'section' as const, text: { type: 'mrkdwn' as const, text: 'No reps in this team yet.' } }]),
  ];
  if (behind.length) {
    blocks.push({
      type: 'context',
      elements: [
        {
          type: 'mrkdwn',
          text: `Needs attention (under ${Math.round(ATTENTION_SHARE * 100)}% of ${against}): ${behind.map((r) => escapeMrkdwn(r.name)).join(', ')}. /kpi why @name says why.`,
        },
      ],
    });
  }
  return {
    text: `${escapeMrkdwn(title)}: won ${cell(report.metrics, 'sales.won_total', report)}`,
    blocks,
    visibility: 'ephemeral',
  };
}

function chunk<T>(xs: T[], n: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < xs.length; i += n) out.push(xs.slice(i, i + n));
  return out;
}
