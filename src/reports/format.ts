import { BoundedMap } from '../bounded-map.js';
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

/** A count with its noun: "1 alert", "3 alerts" (`many` for an irregular plural). */
export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

/** From this amount up (in major units, either sign) money is shown in whole units: the cents are noise there. */
export const WHOLE_MONEY_FROM = 1000;

/** Number formats made once per locale and style (building an Intl.NumberFormat costs far more than using one). */
const formats = new BoundedMap<string, Intl.NumberFormat>(256);

/** `style`: `whole:<currency>`, `cents:<currency>`, `count` or `decimal`. */
function numberFormat(locale: string, style: string): Intl.NumberFormat {
  const key = `${locale}|${style}`;
  let f = formats.get(key);
  if (!f) {
    const [kind, currency] = style.split(':');
    f = new Intl.NumberFormat(
      locale,
      kind === 'whole'
        ? { style: 'currency', currency, minimumFractionDigits: 0, maximumFractionDigits: 0 }
        : kind === 'cents'
          ? { style: 'currency', currency }
          : { maximumFractionDigits: kind === 'count' ? 0 : 2 },
    );
    formats.set(key, f);
  }
  return f;
}

/**
 * A metric value for people: money in the workspace currency (whole units from WHOLE_MONEY_FROM up and for
 * whole amounts, cents otherwise, so a list never shows "$900.00" beside "$6,000"; to the cent with `exact`), counts as whole numbers (a median of counts, 17.5, is rounded: 18), rates as percentages, "no data"
 * for null. JSON and CSV carry the exact numbers instead.
 */
export function formatMetric(
  value: number | null,
  unit: TMetricUnit,
  currency: string,
  locale = 'en-US',
  /** Money to the cent whatever the amount: a figure someone typed, confirmed back to them. */
  opts: { exact?: boolean } = {},
): string {
  if (value === null) return 'no data';
  switch (unit) {
    case 'money':
      return numberFormat(
        locale,
        (Math.abs(value) >= WHOLE_MONEY_FROM || Number.isInteger(value)) && !opts.exact
          ? `whole:${currency}`
          : `cents:${currency}`,
      ).format(value);
    case 'count':
      return numberFormat(locale, 'count').format(value);
    case 'share':
      return `${(value * 100).toFixed(1)}%`;
    case 'per':
      return numberFormat(locale, 'decimal').format(value);
    case 'times':
      return `${numberFormat(locale, 'decimal').format(value)} : 1`;
    case 'percent_change':
      return `${value >= 0 ? '+' : ''}${(value * 100).toFixed(1)}%`;
    case 'days':
      return `${value} days`;
    case 'score':
      return `${value.toFixed(1)} / 100`;
    default:
      return numberFormat(locale, 'decimal').format(value);
  }
}

/**
 * How a change of a metric is measured: a rate (a share, a percent change, a 0–100 score) changes in points, the
 * difference of the two values (50% → 78% is +28 points); an amount or a count changes by a percentage of where
 * it was ($1,000 → $1,250 is +25%).
 */
export type TChangeUnit = 'points' | 'percent';

export function changeUnitOf(unit: TMetricUnit): TChangeUnit {
  return unit === 'share' || unit === 'percent_change' || unit === 'score' ? 'points' : 'percent';
}

/**
 * The change from `before` to `now` in the metric's change unit: for points, now − before in the metric's own
 * unit (a share as a fraction: 0.28 is 28 points); for a percentage, (now − before) / |before| as a fraction.
 * Null when either is missing, or for a percentage when `before` is 0 (no base to compare with).
 */
export function changeBetween(
  now: number | null | undefined,
  before: number | null | undefined,
  unit: TMetricUnit,
): { change: number; changeUnit: TChangeUnit } | null {
  if (now == null || before == null || !Number.isFinite(now) || !Number.isFinite(before)) return null;
  const changeUnit = changeUnitOf(unit);
  if (changeUnit === 'points') return { change: now - before, changeUnit };
  if (before === 0) return null;
  return { change: (now - before) / Math.abs(before), changeUnit };
}

/** One decimal, none when it is .0: 28 → "28", 2.46 → "2.5". */
const oneDecimal = (n: number) => {
  const s = Math.abs(n).toFixed(1);
  return s.endsWith('.0') ? s.slice(0, -2) : s;
};

/**
 * A change for people: "+28 pts" (points; a share's fraction × 100), "-12.5%" (a percentage); a change that
 * rounds to 0 reads "no change". `unit` is the metric's own unit (a score's points are score points).
 */
export function formatChange(c: { change: number; changeUnit: TChangeUnit }, unit: TMetricUnit): string {
  const shown = c.changeUnit === 'points' && unit === 'score' ? c.change : c.change * 100;
  const digits = oneDecimal(shown);
  if (digits === '0') return 'no change';
  const sign = shown > 0 ? '+' : '-';
  return c.changeUnit === 'points'
    ? `${sign}${digits} ${digits === '1' ? 'pt' : 'pts'}`
    : `${sign}${digits}%`;
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
  const title = metric?.title ?? board.metric;
  const note =
    board.ranked === 0 && board.unranked > 0
      ? `Nobody has data for ${title} in ${board.period.label}, so nobody is ranked.`
      : board.unranked > 0
        ? `${board.unranked} ${board.unranked === 1 ? 'rep has' : 'reps have'} no result and ${board.unranked === 1 ? 'is' : 'are'} not ranked.`
        : '';
  return [`${title} · ${board.period.label}`, ...lines, ...(note ? [note] : [])].join('\n');
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
