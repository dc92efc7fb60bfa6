import { previousPeriod, resolvePeriod, type TPeriod } from '../metrics/periods.js';
import { computeScalarMetrics, LOWER_IS_BETTER } from '../metrics/scalar.js';
import { loadFactsByRep, mergeFacts } from '../store/facts.js';
import { teamMembers } from '../store/reps.js';
import type { TDb } from '../store/store.js';
import { resolveTeamTargets } from '../store/targets.js';
import type { Rep, Workspace } from '../store/types.js';
import { isResult, metricNamed } from './leaderboard.js';
import { calendarOf, presentMetrics, presentPeriod } from './present.js';

export type TTeamMetricsReport = {
  team: { manager: { id: string; name: string } | null; reps: { id: string; name: string }[] };
  period: { key: string; label: string; start: string; end: string };
  currency: string;
  /** BCP 47 locale numbers are formatted in (the workspace setting). */
  locale: string;
  /** The metric id the reps are ranked by (won revenue unless asked otherwise). */
  metric: string;
  /**
   * What the trend compares with: the previous period of the same kind, cut at the same offset from its start
   * while this period is under way (1–10 June against 1–10 May), whole once this period has ended.
   */
  comparison: { key: string; start: string; end: string };
  /** The team's metrics: each computed over all its reps' facts together (money in major units). */
  metrics: Record<string, number | null>;
  /**
   * Each rep's metrics for the same period, ranked by `metric`: best first (lowest first where less is better),
   * ties by name; reps without a result for it (isResult) last, in name order, with no rank.
   */
  byRep: {
    id: string;
    name: string;
    /** 1, 2, 3 … among the reps with a result; null without one. */
    rank: number | null;
    metrics: Record<string, number | null>;
    /** The same metrics over the comparison stretch (the trend). */
    before: Record<string, number | null>;
    /** The rep's own targets (repTargets: their own, else their team's in full, else the workspace's). */
    targets: Record<string, number>;
  }[];
  /** The team's targets: the sum of its reps' targets (teamTargets in src/metrics/targets.ts). */
  targets: Record<string, number>;
};

/**
 * A team's metrics: a manager's active reports, or every active rep when `manager` is null (the whole
 * workspace). Team values are computed over the team's facts together (so a team's win rate is its deals won
 * over its deals closed, not an average of rates). Each rep is measured against their own target and the team
 * against the sum of its reps' targets (the one rule: repTargets and teamTargets in src/metrics/targets.ts).
 */
export async function teamMetricsReport(
  db: TDb,
  workspace: Workspace,
  manager: Rep | null,
  /** As people write it (`last month`, `2017-Q2`), or a period already made. */
  periodText: string | TPeriod,
  now: Date,
  /** The metric id to rank the reps by (refused, naming the closest id, when there is no such metric). */
  metricId = 'sales.won_total',
): Promise<TTeamMetricsReport> {
  const metric = metricNamed(metricId);
  const cal = calendarOf(workspace);
  const period = resolvePeriod(periodText, now, cal);
  const previous = previousPeriod(period, cal);
  // The same stretch of the previous period: as far into it as now is into this one; all of it once this ended
  // (a whole June is compared with a whole May, not with May's first 30 days).
  const elapsed = Math.max(0, now.getTime() - period.start.getTime());
  const comparison: TPeriod =
    now.getTime() >= period.end.getTime()
      ? previous
      : { ...previous, end: new Date(Math.min(previous.end.getTime(), previous.start.getTime() + elapsed)) };
  const earlier = previousPeriod(previous, cal);
  const reps = await teamMembers(db, workspace.id, manager?.id ?? null);
  const ids = reps.map((r) => r.id);
  const [facts, { perRep, team: targets }] = await Promise.all([
    loadFactsByRep(db, workspace.id, ids, { start: previous.start, end: period.end }),
    resolveTeamTargets(db, workspace.id, ids, period),
  ]);
  const teamFacts = mergeFacts(ids.map((id) => facts.get(id)).filter((f) => f !== undefined));
  const metrics = presentMetrics(
    computeScalarMetrics({ facts: teamFacts, period, previous, now, targets }),
    workspace.currency,
  );
  const unranked = reps.map((r) => ({
    id: r.id,
    name: r.name,
    rank: null as number | null,
    before: presentMetrics(
      computeScalarMetrics({
        facts: facts.get(r.id) ?? mergeFacts([]),
        period: comparison,
        previous: earlier,
        now: comparison.end,
        targets: perRep.get(r.id) ?? {},
      }),
      workspace.currency,
    ),
    metrics: presentMetrics(
      computeScalarMetrics({
        facts: facts.get(r.id) ?? mergeFacts([]),
        period,
        previous,
        now,
        targets: perRep.get(r.id) ?? {},
      }),
      workspace.currency,
    ),
    targets: presentMetrics(perRep.get(r.id) ?? {}, workspace.currency) as Record<string, number>,
  }));
  const lowerFirst = LOWER_IS_BETTER.has(metric.id);
  const figure = (r: (typeof unranked)[number]) => r.metrics[metric.id];
  const byName = (a: { name: string; id: string }, b: { name: string; id: string }) =>
    a.name.localeCompare(b.name) || a.id.localeCompare(b.id);
  const ranked = unranked
    .filter((r) => isResult(figure(r), lowerFirst))
    .sort((a, b) => {
      const [x, y] = [figure(a) as number, figure(b) as number];
      return (lowerFirst ? x - y : y - x) || byName(a, b);
    })
    .map((r, i) => ({ ...r, rank: i + 1 }));
  const byRep = [...ranked, ...unranked.filter((r) => !isResult(figure(r), lowerFirst)).sort(byName)];
  return {
    team: { manager: manager ? { id: manager.id, name: manager.name } : null, reps },
    period: presentPeriod(period),
    metric: metric.id,
    comparison: {
      key: comparison.key,
      start: comparison.start.toISOString(),
      end: comparison.end.toISOString(),
    },
    currency: workspace.currency,
    locale: workspace.locale,
    metrics,
    byRep,
    targets: presentMetrics(targets, workspace.currency) as Record<string, number>,
  };
}
