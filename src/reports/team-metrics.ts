import { previousPeriod, resolvePeriod, type TPeriod } from '../metrics/periods.js';
import { computeScalarMetrics } from '../metrics/scalar.js';
import { DEFAULT_TARGETS, scaleTarget } from '../metrics/targets.js';
import { loadFactsByRep, mergeFacts } from '../store/facts.js';
import { teamMembers } from '../store/reps.js';
import type { TDb } from '../store/store.js';
import { loadTeamTargetRows } from '../store/targets.js';
import type { Rep, Workspace } from '../store/types.js';
import { calendarOf, presentMetrics, presentPeriod } from './present.js';

export type TTeamMetricsReport = {
  team: { manager: { id: string; name: string } | null; reps: { id: string; name: string }[] };
  period: { key: string; label: string; start: string; end: string };
  currency: string;
  /** BCP 47 locale numbers are formatted in (the workspace setting). */
  locale: string;
  /** The team's metrics: each computed over all its reps' facts together (money in major units). */
  metrics: Record<string, number | null>;
  /** Each rep's metrics for the same period, in name order. */
  byRep: { id: string; name: string; metrics: Record<string, number | null> }[];
  targets: Record<string, number>;
};

/**
 * A team's metrics: a manager's active reports, or every active rep when `manager` is null (the whole
 * workspace). Team values are computed over the team's facts together (so a team's win rate is its deals won
 * over its deals closed, not an average of rates); its targets are the team's own (set on the manager), else
 * the workspace's, else the per-rep defaults times the number of reps.
 */
export async function teamMetricsReport(
  db: TDb,
  workspace: Workspace,
  manager: Rep | null,
  /** As people write it (`last month`, `2017-Q2`), or a period already made. */
  periodText: string | TPeriod,
  now: Date,
): Promise<TTeamMetricsReport> {
  const cal = calendarOf(workspace);
  const period = resolvePeriod(periodText, now, cal);
  const previous = previousPeriod(period, cal);
  const reps = await teamMembers(db, workspace.id, manager?.id ?? null);
  const ids = reps.map((r) => r.id);
  const [facts, targetRows] = await Promise.all([
    loadFactsByRep(db, workspace.id, ids, { start: previous.start, end: period.end }),
    loadTeamTargetRows(db, workspace.id, manager?.id ?? null, period.start),
  ]);
  const targets: Record<string, number> = {};
  for (const d of DEFAULT_TARGETS)
    targets[d.metricId] = scaleTarget(d.amount, d.periodKind, period) * reps.length;
  // Team targets beat workspace ones; within a scope the newest (rows come newest first) wins.
  const seen = new Set<string>();
  for (const scope of ['team', 'workspace']) {
    const inScope = targetRows.filter((r) => r.scope === scope);
    // A target set for this very period kind beats one scaled from another kind, as for reps.
    const ordered = [
      ...inScope.filter((r) => r.periodKind === period.kind),
      ...inScope.filter((r) => r.periodKind !== period.kind),
    ];
    for (const row of ordered) {
      if (seen.has(row.metricId)) continue;
      seen.add(row.metricId);
      targets[row.metricId] = scaleTarget(row.amount, row.periodKind as 'month', period);
    }
  }
  const teamFacts = mergeFacts(ids.map((id) => facts.get(id)).filter((f) => f !== undefined));
  const metrics = presentMetrics(
    computeScalarMetrics({ facts: teamFacts, period, previous, now, targets }),
    workspace.currency,
  );
  const byRep = reps.map((r) => ({
    id: r.id,
    name: r.name,
    metrics: presentMetrics(
      computeScalarMetrics({ facts: facts.get(r.id) ?? mergeFacts([]), period, previous, now, targets: {} }),
      workspace.currency,
    ),
  }));
  return {
    team: { manager: manager ? { id: manager.id, name: manager.name } : null, reps },
    period: presentPeriod(period),
    currency: workspace.currency,
    locale: workspace.locale,
    metrics,
    byRep,
    targets: presentMetrics(targets, workspace.currency) as Record<string, number>,
  };
}
