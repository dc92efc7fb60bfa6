import { SCALAR_METRICS, type TMetricUnit } from '../metrics/scalar.js';
import { formatMetric } from '../reports/format.js';
import type { TLeaderboard } from '../reports/leaderboard.js';
import type { TRepMetricsReport } from '../reports/rep-metrics.js';
import type { TWeeklyLeaderboard, TWeeklyRow } from '../reports/weekly-leaderboard.js';
import type { TChartSpec } from './spec.js';

const UNIT = new Map<string, TMetricUnit>(SCALAR_METRICS.map((m) => [m.id, m.unit]));
const TITLE = new Map<string, string>(SCALAR_METRICS.map((m) => [m.id, m.title]));

/** Slack refuses upload alt text over 1,000 characters (image blocks allow 2,000). */
const ALT_MAX = 1000;
/** Bars a ranking chart shows; more stop being readable at this size. */
export const RANKING_BARS = 10;

const fileSafe = (s: string) =>
  s
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '')
    .slice(0, 60) || 'chart';

/** The scorecard's chart: won revenue against target for this period and the six before it. */
export function scorecardChart(report: TRepMetricsReport): TChartSpec | undefined {
  const h = report.history;
  if (h.length === 0 || h.every((p) => !p.won && !p.target)) return undefined;
  const money = (v: number | null) => formatMetric(v, 'money', report.currency, report.locale);
  const alt = `Won revenue against target for ${report.rep.name}: ${h
    .map((p) => `${p.label} ${money(p.won ?? 0)}${p.target ? ` (target ${money(p.target)})` : ''}`)
    .join('; ')}.`;
  return {
    kind: 'won_vs_target',
    name: `kpi-${fileSafe(report.rep.name)}-won-${fileSafe(report.period.key)}`,
    title: `${report.rep.name} · won vs target`,
    subtitle: `${h[0]?.label} to ${h[h.length - 1]?.label}; ${
      h.some((p) => p.target) ? 'green bars met their target' : 'no won-revenue target set'
    }`,
    alt: alt.slice(0, ALT_MAX),
    currency: report.currency,
    locale: report.locale,
    labels: h.map((p) => p.label),
    won: h.map((p) => p.won ?? 0),
    target: h.map((p) => p.target),
  };
}

/** The leaderboard's chart: the top reps' bars, the asker's highlighted. */
export function leaderboardChart(board: TLeaderboard, askerRepId?: string): TChartSpec | undefined {
  const rows = board.rows.filter((r) => r.value !== null).slice(0, RANKING_BARS);
  if (rows.length === 0) return undefined;
  const unit = UNIT.get(board.metric) ?? 'count';
  const title = TITLE.get(board.metric) ?? board.metric;
  const highlight = rows.findIndex((r) => r.rep.id === askerRepId);
  const alt = `${title}, ${board.period.label}: ${rows
    .map((r) => `${r.rank}. ${r.rep.name} ${formatMetric(r.value, unit, board.currency, board.locale)}`)
    .join('; ')}.`;
  return {
    kind: 'ranking',
    name: `kpi-leaderboard-${fileSafe(board.metric)}-${fileSafe(board.period.key)}`,
    title: `${title} · ${board.period.label}`,
    subtitle: `Top ${rows.length}${highlight >= 0 ? '; you in green' : ''}`,
    alt: alt.slice(0, ALT_MAX),
    currency: board.currency,
    locale: board.locale,
    unit,
    labels: rows.map((r) => `${r.rank}. ${r.rep.name}`),
    values: rows.map((r) => r.value),
    ...(highlight >= 0 ? { highlight } : {}),
  };
}

/**
 * The weekly post's chart: the bars of the reps the post names, titled with the stretch the post covers
 * ("Won revenue · December 2017 to date (1–4 Dec)"), so chart and post never disagree about the dates.
 */
export function weeklyLeaderboardChart(
  board: TWeeklyLeaderboard,
  rows: TWeeklyRow[],
): TChartSpec | undefined {
  const bars = rows.filter((r) => r.value !== null).slice(0, RANKING_BARS);
  if (bars.length === 0) return undefined;
  const unit = board.metric.unit;
  const money = (v: number | null) => formatMetric(v, unit, board.currency, board.locale);
  const alt = `${board.metric.title}, ${board.span.label}: ${bars
    .map((r) => `${r.rank}. ${r.rep.name} ${money(r.value)}`)
    .join('; ')}.`;
  return {
    kind: 'ranking',
    name: `kpi-weekly-${fileSafe(board.metric.id)}-${fileSafe(board.span.end)}`,
    title: `${board.metric.title} · ${board.span.label}`,
    subtitle: `Top ${bars.length}`,
    alt: alt.slice(0, ALT_MAX),
    currency: board.currency,
    locale: board.locale,
    unit,
    labels: bars.map((r) => `${r.rank}. ${r.rep.name}`),
    values: bars.map((r) => r.value),
  };
}

/** The funnel's chart: open deals per stage with the share that went further; the bottleneck in red. */
export function funnelChart(report: TRepMetricsReport): TChartSpec | undefined {
  const open = (report.metrics['funnel.open_by_stage'] ?? {}) as Record<string, number>;
  const conversion = (report.metrics['funnel.stage_conversion'] ?? {}) as Record<string, number | null>;
  const bottleneck = report.metrics['funnel.bottleneck'] as { stage: string } | null;
  const stages = Object.keys(open);
  if (stages.length === 0) return undefined;
  const b = bottleneck ? stages.indexOf(bottleneck.stage) : -1;
  const alt = `Funnel of ${report.rep.name}, ${report.period.label}: ${stages
    .map((s) => {
      const c = conversion[s];
      return `${s} ${open[s] ?? 0} open${c == null ? '' : `, ${Math.round(c * 100)}% went further`}`;
    })
    .join('; ')}.${bottleneck ? ` Bottleneck: ${bottleneck.stage}.` : ''}`;
  return {
    kind: 'funnel',
    name: `kpi-${fileSafe(report.rep.name)}-funnel-${fileSafe(report.period.key)}`,
    title: `Funnel · ${report.rep.name} · ${report.period.label}`,
    subtitle: bottleneck ? `Bottleneck in red: ${bottleneck.stage}` : 'No bottleneck against the team',
    alt: alt.slice(0, ALT_MAX),
    currency: report.currency,
    locale: report.locale,
    stages,
    open: stages.map((s) => open[s] ?? 0),
    conversion: stages.map((s) => conversion[s] ?? null),
    ...(b >= 0 ? { bottleneck: b } : {}),
    periodEnded: report.periodEnded,
  };
}
