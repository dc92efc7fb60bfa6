import type { Rep, Workspace } from '../generated/sqlite/client.js';
import { NO_FACTS } from '../metrics/facts.js';
import { parsePeriod, previousPeriod, type TCalendar } from '../metrics/periods.js';
import { computeScalarMetrics, SCALAR_METRICS } from '../metrics/scalar.js';
import { loadFactsByRep } from '../store/facts.js';
import type { TDb } from '../store/store.js';
import { resolveTargetsForReps } from '../store/targets.js';

export function calendarOf(workspace: Workspace): TCalendar {
  return {
    timezone: workspace.timezone,
    fiscalYearStartMonth: workspace.fiscalYearStartMonth,
    weekStartsOn: workspace.weekStartsOn,
  };
}

/** Digits after the decimal point of a currency's minor unit (2 for USD, 0 for JPY). */
export function minorDigits(currency: string): number {
  try {
    return (
      new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions().maximumFractionDigits ??
      2
    );
  } catch {
    return 2;
  }
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

export type TRepMetricsReport = {
  rep: { id: string; name: string; email: string | null; slackUserId: string | null };
  period: { key: string; label: string; start: string; end: string };
  previousPeriod: { key: string; start: string; end: string };
  currency: string;
  /** Metric id -> value: money in major units, rates as fractions, null for no data. */
  metrics: Record<string, number | null>;
  targets: Record<string, number>;
};

/**
 * One rep's metrics for a period as the CLI's `--json` prints them (the output contract of docs/metrics.md):
 * facts for the period and the one before are loaded once, metrics computed purely, money turned into major
 * units of the workspace currency.
 */
export async function repMetricsReport(
  db: TDb,
  workspace: Workspace,
  rep: Rep,
  periodText: string,
  now: Date,
): Promise<TRepMetricsReport> {
  const cal = calendarOf(workspace);
  const period = parsePeriod(periodText, now, cal);
  const previous = previousPeriod(period, cal);
  const [byRep, targetsByRep] = await Promise.all([
    loadFactsByRep(db, workspace.id, [rep.id], { start: previous.start, end: period.end }),
    resolveTargetsForReps(db, workspace.id, [rep], period),
  ]);
  const facts = byRep.get(rep.id) ?? NO_FACTS;
  const targets = targetsByRep.get(rep.id) ?? {};
  const raw = computeScalarMetrics({ facts, period, previous, now, targets });
  const metrics = presentMetrics(raw, workspace.currency);
  const shownTargets = presentMetrics(targets, workspace.currency) as Record<string, number>;
  return {
    rep: { id: rep.id, name: rep.name, email: rep.email, slackUserId: rep.slackUserId },
    period: {
      key: period.key,
      label: period.label,
      start: period.start.toISOString(),
      end: period.end.toISOString(),
    },
    previousPeriod: {
      key: previous.key,
      start: previous.start.toISOString(),
      end: previous.end.toISOString(),
    },
    currency: workspace.currency,
    metrics,
    targets: shownTargets,
  };
}
