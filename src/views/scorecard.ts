import type { KnownBlock } from '@slack/types';
import { leaderboardChart, scorecardChart } from '../charts/specs.js';
import { LOWER_IS_BETTER, SCALAR_METRICS, type TMetricUnit } from '../metrics/scalar.js';
import { changeBetween, changeUnitOf, formatChange, formatMetric, oneLine } from '../reports/format.js';
import type { TLeaderboard } from '../reports/leaderboard.js';
import type { TRepMetricsReport } from '../reports/rep-metrics.js';
import { clipMrkdwn, clipPlainText, LIMITS, mrkdwnSections } from './blocks.js';
import { escapeMrkdwn } from './help.js';
import { withLazyViews } from './lazy.js';
import { displayWidth, personJson, plain, plainWithNames, table, toJson, wrap } from './terminal.js';
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

const unitOf = (id: string): TMetricUnit => UNIT.get(id) ?? 'count';

/** A distance from a target in the metric's unit: points for a share or a score ("5 pts"), else the figure ("12 days", "$300"). */
export function targetGap(amount: number, unit: TMetricUnit, currency: string, locale: string): string {
  const a = Math.abs(amount);
  if (changeUnitOf(unit) === 'points') {
    const digits = (unit === 'score' ? a : a * 100).toFixed(1).replace(/\.0$/, '');
    return `${digits} ${digits === '1' ? 'pt' : 'pts'}`;
  }
  // A ratio's gap is a plain number ("0.5"), not a ratio ("0.5 : 1").
  return formatMetric(a, unit === 'times' ? 'per' : unit, currency, locale);
}

/**
 * Where a metric stands against its target, in words. For a finished period what happened, with the figure
 * ("target met", "missed by $2,500", "missed by 5 pts"). For the current period: a sum's linear pace ("on pace",
 * "behind pace"; empty before any of the period has passed); a level (a rate, days, followers: no pace) as it
 * stands now ("at or above target", "below target by 5 pts"; "at or below target", "above target by 3 days" where
 * less is better). Empty without a target.
 */
export function paceWords(report: TRepMetricsReport, id: string): string {
  const pace = report.pace[id];
  if (!pace) return '';
  const gap = () => targetGap(pace.gap, unitOf(id), report.currency, report.locale);
  if (report.periodEnded) return pace.atTarget ? 'target met' : `missed by ${gap()}`;
  if (pace.kind === 'level') {
    const side = pace.lowerIsBetter ? ['below', 'above'] : ['above', 'below'];
    return pace.atTarget ? `at or ${side[0]} target` : `${side[1]} target by ${gap()}`;
  }
  if (pace.paceRatio === null) return '';
  const onPace = pace.lowerIsBetter ? pace.paceRatio <= 1 : pace.paceRatio >= 1;
  return onPace ? 'on pace' : 'behind pace';
}

/**
 * The figure against its target: a sum's share of it ("83% of $6,000"); a level's target and the signed
 * difference in its unit ("vs 30.0% target, -10 pts"; "vs 30 days target, +5 days"), never a share of a rate.
 */
export function versusTarget(
  progress: { actual: number; target: number; kind: 'sum' | 'level'; attainment: number | null },
  unit: TMetricUnit,
  currency: string,
  locale: string,
): string {
  const target = formatMetric(progress.target, unit, currency, locale);
  if (progress.kind === 'sum')
    return progress.attainment === null
      ? `target ${target}`
      : `${Math.round(progress.attainment * 100)}% of ${target}`;
  const diff = progress.actual - progress.target;
  const shown = targetGap(diff, unit, currency, locale);
  const signed = /^0(\.0)?( |$)/.test(shown) || diff === 0 ? 'on target' : `${diff > 0 ? '+' : '-'}${shown}`;
  return `vs ${target} target, ${signed}`;
}

const versus = (report: TRepMetricsReport, id: string) => {
  const pace = report.pace[id];
  return pace ? versusTarget(pace, unitOf(id), report.currency, report.locale) : '';
};

/**
 * The change against the rep's usual (their baseline): in points for a rate, as a percentage for an amount or a
 * count (changeBetween); null without a baseline (or, for an amount, a usual of 0).
 */
export function changeVsUsual(report: TRepMetricsReport, id: string) {
  const now = report.metrics[id];
  return changeBetween(typeof now === 'number' ? now : null, report.trends[id]?.baseline, unitOf(id));
}

/** One field: the figure, then its target and pace (or, for a past period, met or missed), then its change against the rep's own baseline. */
function field(report: TRepMetricsReport, id: string): string {
  const parts = [`*${TITLE.get(id) ?? id}*`, value(report, id)];
  const pace = report.pace[id];
  if (pace) {
    const words = paceWords(report, id);
    parts[1] += ` · ${versus(report, id)}${words ? `, ${words}` : ''}`;
  }
  const change = changeVsUsual(report, id);
  if (change) {
    const text = formatChange(change, unitOf(id));
    parts.push(text === 'no change' ? 'same as usual' : `${change.change > 0 ? '▲' : '▼'} ${text} vs usual`);
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
    const change = changeVsUsual(report, id);
    const words = paceWords(report, id);
    return [
      TITLE.get(id) ?? id,
      value(report, id),
      pace ? versus(report, id) : '',
      words === 'behind pace' ? 'behind' : words,
      change ? formatChange(change, unitOf(id)) : '',
    ];
  });
  const bottleneck = bottleneckOf(report);
  return [
    `${plain(report.rep.name)} · ${report.period.label}`,
    ...table(
      [['', 'value', 'target', report.periodEnded ? 'result' : 'pace', 'vs usual'], ...rows],
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
    // Each trend metric's change against the rep's usual: points for a rate (0.28 is 28 points), a fraction for
    // an amount or a count (0.25 is +25%); null without a usual to compare with.
    changes: toJson(
      Object.fromEntries(Object.keys(report.trends).map((id) => [id, changeVsUsual(report, id)])),
    ),
    periodEnded: report.periodEnded,
    diagnosis: toJson(report.diagnosis),
    history: toJson(report.history),
  };
}

/** `/kpi me`: the rep's ten headline metrics for a period, with targets, pace, trend and the diagnosis. */
export function buildScorecard(report: TRepMetricsReport): TReply {
  const chart = scorecardChart(report);
  return withLazyViews(
    {
      text: `${escapeMrkdwn(report.rep.name)}, ${report.period.label}: won ${value(report, 'sales.won_total')}`,
      blocks: scorecardBlocks(report),
      visibility: 'ephemeral',
      ...(chart ? { chart } : {}),
    },
    { terminal: () => scorecardText(report), data: () => scorecardJson(report) },
  );
}

const YOU = ' (you)';

/**
 * What a board says beside its ranks: nobody ranked (no rep has a result for the metric in the period), and how
 * many reps have no result and are left out. Empty when every rep is ranked.
 */
function unrankedNote(board: TLeaderboard): string {
  const title = TITLE.get(board.metric) ?? board.metric;
  const none = LOWER_IS_BETTER.has(board.metric) ? 'no data' : 'no data, or 0';
  if (board.ranked === 0 && board.unranked > 0)
    return `Nobody has data for ${title} in ${board.period.label} (${none} for all ${board.unranked} ${board.unranked === 1 ? 'rep' : 'reps'}), so nobody is ranked.`;
  if (board.unranked === 0) return '';
  return `${board.unranked} ${board.unranked === 1 ? 'rep has' : 'reps have'} no result (${none}) and ${board.unranked === 1 ? 'is' : 'are'} not ranked.`;
}

/** The rows a board shows: the top N, then the asker's own row when they rank below it (never for a channel). */
const shownRows = (board: TLeaderboard, askerRepId?: string) =>
  askerRepId && board.own?.rep.id === askerRepId ? [...board.rows, board.own] : board.rows;

/**
 * `/kpi leaderboard`: the Block Kit: ranks with names, the asker's own row marked (and added under the top N
 * when they rank below it), then who is not ranked. Without `askerRepId` (a board shared in a channel) nobody is
 * marked.
 */
export function leaderboardBlocks(board: TLeaderboard, askerRepId?: string): KnownBlock[] {
  const unit = unitOf(board.metric);
  const title = TITLE.get(board.metric) ?? board.metric;
  const line = (r: TLeaderboard['rows'][number]) => {
    const you = askerRepId !== undefined && r.rep.id === askerRepId;
    return `${r.rank}. ${you ? '*' : ''}${escapeMrkdwn(r.rep.name)}${you ? `${YOU}*` : ''} ${formatMetric(r.value, unit, board.currency, board.locale)}`;
  };
  const rows = shownRows(board, askerRepId);
  const lines = rows.map((r, i) => (i === board.rows.length ? `…\n${line(r)}` : line(r)));
  const note = unrankedNote(board);
  return [
    {
      type: 'header',
      text: { type: 'plain_text', text: clipPlainText(`${title} · ${board.period.label}`, LIMITS.header) },
    },
    // Rows in sections of at most 3,000 characters, split between rows (never inside a name, an entity or the
    // asker's bold mark), within the message's 50 blocks.
    ...(lines.length
      ? mrkdwnSections(lines, {
          maxBlocks: LIMITS.blocks - 2,
          more: (n) => `…and ${n} more (\`kpi leaderboard\` or \`/kpi export\` for all)`,
        })
      : [
          {
            type: 'section' as const,
            text: { type: 'mrkdwn' as const, text: note || 'No reps yet.' },
          },
        ]),
    ...(lines.length && note
      ? [{ type: 'context' as const, elements: [{ type: 'mrkdwn' as const, text: note }] }]
      : []),
  ];
}

/** A longer name goes on a line of its own above its value, so a row fits 80 columns. */
const NAME_CELLS = 50;

/** The leaderboard for a terminal: rank, name (the asker's marked "(you)") and value, aligned; who is not ranked. */
export function leaderboardText(board: TLeaderboard, askerRepId?: string): string {
  const unit = unitOf(board.metric);
  const title = TITLE.get(board.metric) ?? board.metric;
  const shown = shownRows(board, askerRepId);
  const rows = shown.map((r) => [
    `${r.rank}.`,
    plain(r.rep.name) + (askerRepId !== undefined && r.rep.id === askerRepId ? YOU : ''),
    formatMetric(r.value, unit, board.currency, board.locale),
  ]);
  const lines = rows.length ? table(rows, ['right', 'left', 'right'], { column: 1, max: NAME_CELLS }) : [];
  // The asker's own row, below the top N, is set apart by a line of its own.
  if (shown.length > board.rows.length) {
    const at = lines.length - (displayWidth(plain(board.own?.rep.name ?? '') + YOU) > NAME_CELLS ? 2 : 1);
    lines.splice(at, 0, '…');
  }
  const note = unrankedNote(board);
  return [
    `${title} · ${board.period.label}`,
    ...lines,
    ...(note ? wrap(note) : rows.length ? [] : ['No reps yet.']),
  ].join('\n');
}

/**
 * The leaderboard as data: as `kpi leaderboard --json` prints it (the metric's id, value in major units for
 * money), each row marked `you` for the asker, the asker's own row as `own` when they rank below the top N, and
 * how many reps are ranked and how many are not, under `type: 'leaderboard'`.
 */
export function leaderboardJson(board: TLeaderboard, askerRepId?: string): TReplyData {
  const row = (r: TLeaderboard['rows'][number]) => ({
    rank: r.rank,
    rep: personJson(r.rep),
    value: toJson(r.value),
    you: askerRepId !== undefined && r.rep.id === askerRepId,
  });
  const own = askerRepId && board.own?.rep.id === askerRepId ? row(board.own) : null;
  return {
    type: 'leaderboard',
    metric: board.metric,
    title: TITLE.get(board.metric) ?? board.metric,
    unit: unitOf(board.metric),
    period: toJson(board.period),
    currency: board.currency,
    rows: board.rows.map(row),
    own,
    ranked: board.ranked,
    unranked: board.unranked,
  };
}

/**
 * `/kpi leaderboard`: ranks with names, the asker's own row marked; shared in a channel (`channel`), the same
 * board with nobody marked and no own-rank line.
 */
export function buildLeaderboard(board: TLeaderboard, askerRepId?: string): TReply {
  const title = TITLE.get(board.metric) ?? board.metric;
  const text = `${title} leaderboard, ${board.period.label}`;
  const chart = leaderboardChart(board, askerRepId);
  const channelChart = leaderboardChart(board);
  return {
    text,
    blocks: leaderboardBlocks(board, askerRepId),
    terminal: leaderboardText(board, askerRepId),
    data: leaderboardJson(board, askerRepId),
    visibility: 'ephemeral',
    ...(chart ? { chart } : {}),
    channel: { text, blocks: leaderboardBlocks(board), ...(channelChart ? { chart: channelChart } : {}) },
  };
}
