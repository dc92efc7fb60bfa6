import type { KnownBlock } from '@slack/types';
import { leaderboardChart, scorecardChart } from '../charts/specs.js';
import { SCALAR_METRICS, type TMetricUnit } from '../metrics/scalar.js';
import { formatMetric, oneLine } from '../reports/format.js';
import type { TLeaderboard } from '../reports/leaderboard.js';
import type { TRepMetricsReport } from '../reports/rep-metrics.js';
import { escapeMrkdwn } from './help.js';
import type { TReply } from './types.js';

const UNIT = new Map<string, TMetricUnit>(SCALAR_METRICS.map((m) => [m.id, m.unit]));
const TITLE = new Map<string, string>(SCALAR_METRICS.map((m) => [m.id, m.title]));

/** The headline figure of each of the article's ten metrics, in its order. */
const HEADLINES = [
  'sales.won_total',
  'opportunities.created_to_lost_ratio',
  'opportunities.win_rate',
  'outreach.total',
  'linkedin.followers',
  'social.likes_per_post',
  'conversion.rate',
  'expertise.avg_score',
  'personalization.personalized',
  'churn.first_year_churned',
];

function value(report: TRepMetricsReport, id: string): string {
  const v = report.metrics[id];
  return formatMetric(
    typeof v === 'number' ? v : null,
    UNIT.get(id) ?? 'count',
    report.currency,
    report.locale,
  );
}

/** One field: the figure, then its target and pace, then its change against the rep's own baseline. */
function field(report: TRepMetricsReport, id: string): string {
  const parts = [`*${TITLE.get(id) ?? id}*`, value(report, id)];
  const pace = report.pace[id];
  if (pace) {
    const onPace = pace.paceRatio === null ? '' : pace.paceRatio >= 1 ? ', on pace' : ', behind pace';
    parts[1] += ` · ${Math.round(pace.attainment * 100)}% of ${formatMetric(pace.target, UNIT.get(id) ?? 'count', report.currency, report.locale)}${onPace}`;
  }
  const trend = report.trends[id];
  const now = report.metrics[id];
  if (trend?.baseline != null && typeof now === 'number' && trend.baseline !== 0) {
    const change = (now - trend.baseline) / trend.baseline;
    parts.push(
      `${change >= 0 ? '▲' : '▼'} ${formatMetric(change, 'percent_change', report.currency, report.locale)} vs usual`,
    );
  }
  return parts.join('\n');
}

/** `/kpi me`: the rep's ten headline metrics for a period, with targets, pace, trend and the diagnosis. */
export function buildScorecard(report: TRepMetricsReport): TReply {
  const fields = HEADLINES.map((id) => ({ type: 'mrkdwn' as const, text: field(report, id) }));
  const bottleneck = report.metrics['funnel.bottleneck'] as { stage: string } | null;
  const blocks: KnownBlock[] = [
    {
      type: 'header',
      text: {
        type: 'plain_text',
        text: `${oneLine(report.rep.name)} · ${report.period.label}`.slice(0, 150),
      },
    },
    { type: 'section', fields: fields.slice(0, 10) },
    {
      type: 'context',
      elements: [
        {
          type: 'mrkdwn',
          text: `${escapeMrkdwn(report.diagnosis.explanation)}${bottleneck ? ` Funnel bottleneck: ${escapeMrkdwn(bottleneck.stage)}.` : ''}`.slice(
            0,
            3000,
          ),
        },
      ],
    },
  ];
  const chart = scorecardChart(report);
  return {
    text: `${escapeMrkdwn(report.rep.name)}, ${report.period.label}: won ${value(report, 'sales.won_total')}`,
    blocks,
    visibility: 'ephemeral',
    ...(chart ? { chart } : {}),
  };
}

/** `/kpi leaderboard`: ranks with names, the asker's own row marked. */
export function buildLeaderboard(board: TLeaderboard, askerRepId?: string): TReply {
  const unit = UNIT.get(board.metric) ?? 'count';
  const title = TITLE.get(board.metric) ?? board.metric;
  const chart = leaderboardChart(board, askerRepId);
  const lines = board.rows.map(
    (r) =>
      `${r.rank}. ${r.rep.id === askerRepId ? '*' : ''}${escapeMrkdwn(r.rep.name)}${r.rep.id === askerRepId ? ' (you)*' : ''} ${formatMetric(r.value, unit, board.currency, board.locale)}`,
  );
  return {
    text: `${title} leaderboard, ${board.period.label}`,
    blocks: [
      {
        type: 'header',
        text: { type: 'plain_text', text: `${title} · ${board.period.label}`.slice(0, 150) },
      },
      {
        type: 'section',
        text: { type: 'mrkdwn', text: (lines.join('\n') || 'No reps yet.').slice(0, 3000) },
      },
    ],
    visibility: 'ephemeral',
    ...(chart ? { chart } : {}),
  };
}
