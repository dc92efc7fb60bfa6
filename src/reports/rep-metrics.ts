import { minorDigits } from '../domain/money.js';
import { previousPeriod, resolvePeriod, type TPeriod } from '../metrics/periods.js';
import { type TTargetProgress, targetProgress } from '../metrics/targets.js';
import type { TDb } from '../store/store.js';
import { resolveTargetHistory, resolveTargetsForReps } from '../store/targets.js';
import type { Rep, Workspace } from '../store/types.js';
import { calendarOf, presentMetrics, presentPeriod } from './present.js';
import { repInsights, type TRepInsights } from './rep-insights.js';

export type TRepMetricsReport = {
  rep: { id: string; name: string; email: string | null; slackUserId: string | null };
  period: { key: string; label: string; start: string; end: string };
  previousPeriod: { key: string; start: string; end: string };
  /**
   * Whether the period had ended when the report was made: a finished period's targets were met or missed; in a
   * current one a sum's target is on pace or behind, a level's is met as it stands or not (targetProgress).
   */
  periodEnded: boolean;
  currency: string;
  /** BCP 47 locale numbers are formatted in (the workspace setting). */
  locale: string;
  /**
   * Metric id -> value: money in major units, rates as fractions, null for no data; the per-stage funnel
   * metrics are objects keyed by stage, and funnel.bottleneck is an object or null.
   */
  metrics: Record<string, unknown>;
  /** Per trend metric: the rep's baseline (median of the last 6 periods) and the team median this period. */
  trends: Record<string, { baseline: number | null; teamMedian: number | null }>;
  diagnosis: TRepInsights['diagnosis'];
  targets: Record<string, number>;
  /**
   * For each metric with a target: whether it is met as of now and the gap (major units); for a sum also its
   * attainment, linear pace and projected end-of-period value (targetProgress; a level has none).
   */
  pace: Record<string, TTargetProgress>;
  /**
   * Won revenue and its target (major units) for the six periods before this one and this one, oldest first:
   * the scorecard's chart.
   */
  history: { key: string; label: string; won: number | null; target: number | null }[];
};

/**
 * One rep's metrics for a period as the CLI's `--json` prints them (the output contract of docs/metrics.md):
 * the rep's facts for the period and the six before it are loaded once (repInsights), metrics computed purely,
 * money turned into major units of the workspace currency.
 */
export async function repMetricsReport(
  db: TDb,
  workspace: Workspace,
  rep: Rep,
  /** As people write it (`last month`, `2017-Q2`), or a period already made. */
  periodText: string | TPeriod,
  now: Date,
): Promise<TRepMetricsReport> {
  const cal = calendarOf(workspace);
  const period = resolvePeriod(periodText, now, cal);
  const previous = previousPeriod(period, cal);
  const targets = (await resolveTargetsForReps(db, workspace.id, [rep], period)).get(rep.id) ?? {};
  const insights = await repInsights(db, workspace, rep, period, now, targets);
  const { funnel, current: raw } = insights;
  const metrics: Record<string, unknown> = {
    ...presentMetrics(raw, workspace.currency),
    'funnel.open_by_stage': funnel.openByStage,
    'funnel.stage_conversion': funnel.stageConversion,
    'funnel.median_days_in_stage': funnel.medianDaysInStage,
    'funnel.bottleneck': funnel.bottleneck,
    'funnel.open_stage_unknown': funnel.openStageUnknown,
  };
  const trends: TRepMetricsReport['trends'] = {};
  for (const [id, t] of Object.entries(insights.trends)) {
    const shown = {
      baseline: presentMetrics({ [id]: t.baseline }, workspace.currency)[id] ?? null,
      teamMedian: presentMetrics({ [id]: t.teamMedian }, workspace.currency)[id] ?? null,
    };
    trends[id] = shown;
  }
  const shownTargets = presentMetrics(targets, workspace.currency) as Record<string, number>;
  const shownValues = presentMetrics(raw, workspace.currency);
  const pace: Record<string, TTargetProgress> = {};
  for (const [id, target] of Object.entries(shownTargets)) {
    const actual = shownValues[id];
    if (typeof actual === 'number' && target > 0) pace[id] = targetProgress(id, actual, target, period, now);
  }
  const pastTargets = await resolveTargetHistory(
    db,
    workspace.id,
    rep,
    insights.history.map((h) => h.period),
  );
  const won = (minor: number | null | undefined, scale = 10 ** minorDigits(workspace.currency)) =>
    minor == null ? null : minor / scale;
  const history: TRepMetricsReport['history'] = [
    ...insights.history.map((h, i) => ({
      key: h.period.key,
      label: h.period.label,
      won: won(h.wonTotal),
      target: won(pastTargets[i]?.['sales.won_total']),
    })),
    {
      key: period.key,
      label: period.label,
      won: won(raw['sales.won_total']),
      target: won(targets['sales.won_total']),
    },
  ];
  return {
    rep: { id: rep.id, name: rep.name, email: rep.email, slackUserId: rep.slackUserId },
    period: presentPeriod(period),
    previousPeriod: {
      key: previous.key,
      start: previous.start.toISOString(),
      end: previous.end.toISOString(),
    },
    periodEnded: period.end.getTime() <= now.getTime(),
    currency: workspace.currency,
    locale: workspace.locale,
    metrics,
    targets: shownTargets,
    pace,
    trends,
    // Money in major units, as everywhere else in a report (the diagnosis computes in minor units).
    diagnosis: {
      ...insights.diagnosis,
      current: { ...insights.diagnosis.current, wonTotal: won(insights.diagnosis.current.wonTotal) ?? 0 },
      baseline: {
        ...insights.diagnosis.baseline,
        wonTotal: won(insights.diagnosis.baseline.wonTotal) ?? 0,
        avgDealSize: won(insights.diagnosis.baseline.avgDealSize),
      },
    },
    history,
  };
}
