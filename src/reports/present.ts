import { minorDigits } from '../domain/money.js';
import type { TCalendar, TPeriod } from '../metrics/periods.js';
import { SCALAR_METRICS } from '../metrics/scalar.js';
import type { Workspace } from '../store/types.js';

export function calendarOf(workspace: Workspace): TCalendar {
  return {
    timezone: workspace.timezone,
    fiscalYearStartMonth: workspace.fiscalYearStartMonth,
    weekStartsOn: workspace.weekStartsOn,
  };
}

const MONEY_METRICS = new Set(SCALAR_METRICS.filter((m) => m.unit === 'money').map((m) => m.id));

/** Metric values as shown and printed: money in major units of the currency, everything else as computed. */
export function presentMetrics(
  raw: Record<string, number | null | undefined>,
  currency: string,
): Record<string, number | null> {
  const scale = 10 ** minorDigits(currency);
  const out: Record<string, number | null> = {};
  for (const [id, v] of Object.entries(raw)) {
    out[id] = v === undefined || v === null ? null : MONEY_METRICS.has(id) ? v / scale : v;
  }
  return out;
}

/** A period as reports print it: key, label and ISO bounds. */
export function presentPeriod(p: TPeriod): { key: string; label: string; start: string; end: string } {
  return { key: p.key, label: p.label, start: p.start.toISOString(), end: p.end.toISOString() };
}
