import { SCALAR_METRICS, type TMetricUnit } from '../metrics/scalar.js';
import type { TLeaderboard } from './leaderboard.js';
import type { TRepMetricsReport } from './rep-metrics.js';
import type { TTeamMetricsReport } from './team-metrics.js';

/**
 * User text (a name, a stage, a title) on one line: line breaks and other control characters become spaces, so
 * a name cannot break a line layout (tables, headers) or send control sequences to a terminal.
 */
export function oneLine(text: string): string {
  return text.replace(/\r\n|[\p{Cc}\u2028\u2029]/gu, ' ');
}

/** A metric value for people: money in the workspace currency, rates as percentages, "no data" for null. */
export function formatMetric(
  value: number | null,
  unit: TMetricUnit,
  currency: string,
  locale = 'en-US',
): string {
  if (value === null) return 'no data';
  switch (unit) {
    case 'money':
      return new Intl.NumberFormat(locale, { style: 'currency', currency }).format(value);
    case 'share':
      return `${(value * 100).toFixed(1)}%`;
    case 'per':
      return new Intl.NumberFormat(locale, { maximumFractionDigits: 2 }).format(value);
    case 'times':
      return `${new Intl.NumberFormat(locale, { maximumFractionDigits: 2 }).format(value)} : 1`;
    case 'percent_change':
      return `${value >= 0 ? '+' : ''}${(value * 100).toFixed(1)}%`;
    case 'days':
      return `${value} days`;
    case 'score':
      return `${value.toFixed(1)} / 100`;
    default:
      return new Intl.NumberFormat(locale, { maximumFractionDigits: 2 }).format(value);
  }
}

/** The readable table `kpi metrics` prints without --json. */
export function renderRepMetricsTable(report: TRepMetricsReport): string {
  const rows = SCALAR_METRICS.map((m) => [
    m.id,
    m.title,
    formatMetric((report.metrics[m.id] as number | null | undefined) ?? null, m.unit, report.currency),
  ]);
  const widths = [0, 1].map((c) => Math.max(...rows.map((r) => (r[c] as string).length)));
  const lines = rows.map(
    (r) =>
      `${(r[0] as string).padEnd(widths[0] as number)}  ${(r[1] as string).padEnd(widths[1] as number)}  ${r[2]}`,
  );
  const open = report.metrics['funnel.open_by_stage'] as Record<string, number>;
  const conversion = report.metrics['funnel.stage_conversion'] as Record<string, number | null>;
  const dwell = report.metrics['funnel.median_days_in_stage'] as Record<string, number | null>;
  const funnel = Object.keys(open).map(
    (stage) =>
      `  ${oneLine(stage)}: ${open[stage]} open, ${formatMetric(conversion[stage] ?? null, 'share', report.currency)} move on, median ${
        dwell[stage] == null ? 'no data' : `${(dwell[stage] as number).toFixed(1)} days`
      }`,
  );
  return [
    `${oneLine(report.rep.name)} · ${report.period.label}`,
    ...lines,
    `Funnel${funnel.length ? '' : ': no open deals or stage history'}`,
    ...funnel,
    `Diagnosis: ${oneLine(report.diagnosis.explanation)}`,
  ].join('\n');
}

/** The readable table `kpi leaderboard` prints without --json. */
export function renderLeaderboardTable(board: TLeaderboard): string {
  const metric = SCALAR_METRICS.find((m) => m.id === board.metric);
  const unit = metric?.unit ?? 'count';
  const width = Math.max(4, ...board.rows.map((r) => oneLine(r.rep.name).length));
  const lines = board.rows.map(
    (r) =>
      `${String(r.rank).padStart(3)}. ${oneLine(r.rep.name).padEnd(width)}  ${formatMetric(r.value, unit, board.currency)}`,
  );
  return [`${metric?.title ?? board.metric} · ${board.period.label}`, ...lines].join('\n');
}

/** The readable table `kpi metrics --team` prints without --json: the team's metrics, then each rep's key figures. */
export function renderTeamMetricsTable(report: TTeamMetricsReport): string {
  const who = report.team.manager ? `${oneLine(report.team.manager.name)}'s team` : 'All reps';
  const lines = SCALAR_METRICS.map(
    (m) =>
      `${m.id.padEnd(36)}  ${m.title.padEnd(26)}  ${formatMetric(report.metrics[m.id] ?? null, m.unit, report.currency)}`,
  );
  const width = Math.max(4, ...report.byRep.map((r) => oneLine(r.name).length));
  const reps = report.byRep.map(
    (r) =>
      `  ${oneLine(r.name).padEnd(width)}  won ${formatMetric(r.metrics['sales.won_total'] ?? null, 'money', report.currency)}, win rate ${formatMetric(
        r.metrics['opportunities.win_rate'] ?? null,
        'share',
        report.currency,
      )}, outreach ${formatMetric(r.metrics['outreach.total'] ?? null, 'count', report.currency)}`,
  );
  return [
    `${who} (${report.team.reps.length} reps) · ${report.period.label}`,
    ...lines,
    'By rep:',
    ...reps,
  ].join('\n');
}
