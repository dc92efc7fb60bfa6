import type { KnownBlock } from '@slack/types';
import { leaderboardChart, scorecardChart } from '../charts/specs.js';
import { SCALAR_METRICS, type TMetricUnit } from '../metrics/scalar.js';
import { formatMetric, oneLine } from '../reports/format.js';
import type { TLeaderboard } from '../reports/leaderboard.js';
import type { TRepMetricsReport } from '../reports/rep-metrics.js';
import { clipMrkdwn, clipPlainText, LIMITS, mrkdwnSections } from './blocks.js';
import { escapeMrkdwn } from './help.js';
import { personJson, plain, plainWithNames, table, toJson, wrap } from './terminal.js';
import type { TReply, TReplyData } from './types.js';

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

/** `/kpi me`, `/kpi rep`: the scorecard's Block Kit: a header, the ten headline fields, the diagnosis. */
export function scorecardBlocks(report: TRepMetricsReport): KnownBlock[] {
  const fields = HEADLINES.map((id) => ({ type: 'mrkdwn' as const, text: field(report, id) }));
  const bottleneck = bottleneckOf(report);
  return [
    {
      type: 'header',
      text: {
        type: 'plain_text',
        text: clipPlainText(`${oneLine(report.rep.name)} · ${report.period.label}`, LIMITS.header),
      },
    },
    {
      type: 'section',
      fields: fields.slice(0, LIMITS.fields).map((f) => ({ ...f, text: clipMrkdwn(f.text, LIMITS.field) })),
    },
    {
      type: 'context',
      elements: [
        {
          type: 'mrkdwn',
          text: clipMrkdwn(
            `${escapeMrkdwn(report.diagnosis.explanation)}${bottleneck ? ` Funnel bottleneck: ${escapeMrkdwn(bottleneck.stage)}.` : ''}`,
          ),
        },
      ],
    },
  ];
}

/**
 * The user text a diagnosis sentence may hold (the rep's name, funnel stages), isolated in it for a terminal so an
 * override inside one cannot reorder the rest of the sentence.
 */
export function namesIn(report: { rep: { name: string }; metrics?: TRepMetricsReport['metrics'] }): string[] {
  const stages = Object.keys((report.metrics?.['funnel.open_by_stage'] ?? {}) as Record<string, number>);
  const bottleneck = report.metrics?.['funnel.bottleneck'] as { stage?: string } | null | undefined;
  return [report.rep.name, ...stages, ...(bottleneck?.stage ? [bottleneck.stage] : [])];
}

const bottleneckOf = (report: TRepMetricsReport) =>
  report.metrics['funnel.bottleneck'] as { stage: string } | null | undefined;

/**
 * The scorecard for a terminal: the name and period, a table of the ten headline figures (value, share of
 * target, pace, change against the rep's usual), then the diagnosis.
 */
export function scorecardText(report: TRepMetricsReport): string {
  const rows = HEADLINES.map((id) => {
    const pace = report.pace[id];
    const trend = report.trends[id];
    const now = report.metrics[id];
    const change =
      trend?.baseline != null && typeof now === 'number' && trend.baseline !== 0
        ? formatMetric(
            (now - trend.baseline) / trend.baseline,
            'percent_change',
            report.currency,
            report.locale,
          )
        : '';
    return [
      TITLE.get(id) ?? id,
      value(report, id),
      pace
        ? `${Math.round(pace.attainment * 100)}% of ${formatMetric(pace.target, UNIT.get(id) ?? 'count', report.currency, report.locale)}`
        : '',
      pace?.paceRatio == null ? '' : pace.paceRatio >= 1 ? 'on pace' : 'behind',
      change,
    ];
  });
  const bottleneck = bottleneckOf(report);
  return [
    `${plain(report.rep.name)} · ${report.period.label}`,
    ...table(
      [['', 'value', 'target', 'pace', 'vs usual'], ...rows],
      ['left', 'right', 'left', 'left', 'right'],
    ),
    ...wrap(plainWithNames(report.diagnosis.explanation, namesIn(report))).map(plain),
    ...(bottleneck ? [`Funnel bottleneck: ${plain(bottleneck.stage)}.`] : []),
  ].join('\n');
}

/**
 * The scorecard as data: the report as `kpi metrics --json` prints it (money in major units of `currency`,
 * rates as fractions, null for no data, period bounds ISO), under `type: 'scorecard'`.
 */
export function scorecardJson(report: TRepMetricsReport): TReplyData {
  return {
    type: 'scorecard',
    rep: personJson(report.rep),
    period: toJson(report.period),
    currency: report.currency,
    metrics: toJson(report.metrics),
    targets: toJson(report.targets),
    pace: toJson(report.pace),
    trends: toJson(report.trends),
    diagnosis: toJson(report.diagnosis),
    history: toJson(report.history),
  };
}

/** `/kpi me`: the rep's ten headline metrics for a period, with targets, pace, trend and the diagnosis. */
export function buildScorecard(report: TRepMetricsReport): TReply {
  const chart = scorecardChart(report);
  return {
    text: `${escapeMrkdwn(report.rep.name)}, ${report.period.label}: won ${value(report, 'sales.won_total')}`,
    blocks: scorecardBlocks(report),
    terminal: scorecardText(report),
    data: scorecardJson(report),
    visibility: 'ephemeral',
    ...(chart ? { chart } : {}),
  };
}

const YOU = ' (you)';

/** `/kpi leaderboard`: the Block Kit: ranks with names, the asker's own row marked. */
export function leaderboardBlocks(board: TLeaderboard, askerRepId?: string): KnownBlock[] {
  const unit = UNIT.get(board.metric) ?? 'count';
  const title = TITLE.get(board.metric) ?? board.metric;
  const lines = board.rows.map(
    (r) =>
      `${r.rank}. ${r.rep.id === askerRepId ? '*' : ''}${escapeMrkdwn(r.rep.name)}${r.rep.id === askerRepId ? ' (you)*' : ''} ${formatMetric(r.value, unit, board.currency, board.locale)}`,
  );
  return [
    {
      type: 'header',
      text: { type: 'plain_text', text: clipPlainText(`${title} · ${board.period.label}`, LIMITS.header) },
    },
    // Rows in sections of at most 3,000 characters, split between rows (never inside a name, an entity or the
    // asker's bold mark), within the message's 50 blocks.
    ...mrkdwnSections(lines.length ? lines : ['No reps yet.'], {
      maxBlocks: LIMITS.blocks - 1,
      more: (n) => `…and ${n} more (\`kpi leaderboard\` or \`/kpi export\` for all)`,
    }),
  ];
}

/** A longer name goes on a line of its own above its value, so a row fits 80 columns. */
const NAME_CELLS = 50;

/** The leaderboard for a terminal: rank, name (the asker's marked "(you)") and value, aligned. */
export function leaderboardText(board: TLeaderboard, askerRepId?: string): string {
  const unit = UNIT.get(board.metric) ?? 'count';
  const title = TITLE.get(board.metric) ?? board.metric;
  const rows = board.rows.map((r) => [
    `${r.rank}.`,
    plain(r.rep.name) + (r.rep.id === askerRepId ? YOU : ''),
    formatMetric(r.value, unit, board.currency, board.locale),
  ]);
  return [
    `${title} · ${board.period.label}`,
    ...(rows.length
      ? table(rows, ['right', 'left', 'right'], { column: 1, max: NAME_CELLS })
      : ['No reps yet.']),
  ].join('\n');
}

/**
 * The leaderboard as data: as `kpi leaderboard --json` prints it (the metric's id, value in major units for
 * money), each row marked `you` for the asker, under `type: 'leaderboard'`.
 */
export function leaderboardJson(board: TLeaderboard, askerRepId?: string): TReplyData {
  return {
    type: 'leaderboard',
    metric: board.metric,
    title: TITLE.get(board.metric) ?? board.metric,
    unit: UNIT.get(board.metric) ?? 'count',
    period: toJson(board.period),
    currency: board.currency,
    rows: board.rows.map((r) => ({
      rank: r.rank,
      rep: personJson(r.rep),
      value: toJson(r.value),
      you: r.rep.id === askerRepId,
    })),
  };
}

/** `/kpi leaderboard`: ranks with names, the asker's own row marked. */
export function buildLeaderboard(board: TLeaderboard, askerRepId?: string): TReply {
  const title = TITLE.get(board.metric) ?? board.metric;
  const chart = leaderboardChart(board, askerRepId);
  return {
    text: `${title} leaderboard, ${board.period.label}`,
    blocks: leaderboardBlocks(board, askerRepId),
    terminal: leaderboardText(board, askerRepId),
    data: leaderboardJson(board, askerRepId),
    visibility: 'ephemeral',
    ...(chart ? { chart } : {}),
  };
}
