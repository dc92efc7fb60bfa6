import { previousPeriod, resolvePeriod, type TPeriod } from '../metrics/periods.js';
import { computeScalarMetrics } from '../metrics/scalar.js';
import { loadFactsByRep, mergeFacts } from '../store/facts.js';
import { teamMembers } from '../store/reps.js';
import type { TDb } from '../store/store.js';
import { resolveTeamTargets } from '../store/targets.js';
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
  byRep: {
    id: string;
    name: string;
    metrics: Record<string, number | null>;
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
): Promise<TTeamMetricsReport> {
  const cal = calendarOf(workspace);
  const period = resolvePeriod(periodText, now, cal);
  const previous = previousPeriod(period, cal);
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
  const byRep = reps.map((r) => ({
    id: r.id,
    name: r.name,
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
