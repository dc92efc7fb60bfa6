import { closestMatch } from '../commands/closest.js';
import { AppError } from '../errors.js';
import type { Workspace } from '../generated/sqlite/client.js';
import { NO_FACTS } from '../metrics/facts.js';
import { parsePeriod, previousPeriod } from '../metrics/periods.js';
import { LOWER_IS_BETTER, SCALAR_METRICS } from '../metrics/scalar.js';
import { loadFactsByRep } from '../store/facts.js';
import type { TDb } from '../store/store.js';
import { resolveTargetsForReps } from '../store/targets.js';
import { calendarOf, presentMetrics, presentPeriod } from './present.js';

export type TLeaderboard = {
  metric: string;
  period: { key: string; label: string; start: string; end: string };
  currency: string;
  /** BCP 47 locale numbers are formatted in (the workspace setting). */
  locale: string;
  rows: {
    rank: number;
    rep: { id: string; name: string; email: string | null; slackUserId: string | null };
    value: number | null;
  }[];
};

/**
 * Every active rep of a workspace ranked by one metric for a period: best first (lowest first for metrics
 * where less is better), reps without data last, ties broken by name. Facts and targets are loaded with one
 * query per kind for all reps together.
 */
export async function leaderboardReport(
  db: TDb,
  workspace: Workspace,
  metricId: string,
  periodText: string,
  now: Date,
  top?: number,
): Promise<TLeaderboard> {
  const metric = SCALAR_METRICS.find((m) => m.id === metricId);
  if (!metric) {
    const near = closestMatch(
      metricId,
      SCALAR_METRICS.map((m) => m.id),
    );
    throw new AppError(
      'bad_request',
      `"${metricId}" is not a metric id${near ? `; did you mean ${near}?` : ''} (all ids: docs/metrics.md)`,
      { field: 'metric' },
    );
  }
  const cal = calendarOf(workspace);
  const period = parsePeriod(periodText, now, cal);
  const previous = previousPeriod(period, cal);
  const reps = await db.rep.findMany({
    where: { workspaceId: workspace.id, active: true, role: 'rep' },
    select: { id: true, name: true, email: true, slackUserId: true, managerId: true },
  });
  const ids = reps.map((r) => r.id);
  const [facts, targets] = await Promise.all([
    loadFactsByRep(db, workspace.id, ids, { start: previous.start, end: period.end }),
    resolveTargetsForReps(db, workspace.id, reps, period),
  ]);
  const scored = reps.map((rep) => {
    const value = metric.compute({
      facts: facts.get(rep.id) ?? NO_FACTS,
      period,
      previous,
      now,
      targets: targets.get(rep.id) ?? {},
    });
    return { rep, value: presentMetrics({ [metric.id]: value }, workspace.currency)[metric.id] ?? null };
  });
  const lowerFirst = LOWER_IS_BETTER.has(metric.id);
  scored.sort((a, b) => {
    if (a.value === null || b.value === null) {
      return a.value === b.value ? a.rep.name.localeCompare(b.rep.name) : a.value === null ? 1 : -1;
    }
    const diff = lowerFirst ? a.value - b.value : b.value - a.value;
    return diff !== 0 ? diff : a.rep.name.localeCompare(b.rep.name);
  });
  const rows = scored.slice(0, top ?? scored.length).map((s, i) => ({
    rank: i + 1,
    rep: { id: s.rep.id, name: s.rep.name, email: s.rep.email, slackUserId: s.rep.slackUserId },
    value: s.value,
  }));
  return {
    metric: metric.id,
    period: presentPeriod(period),
    currency: workspace.currency,
    locale: workspace.locale,
    rows,
  };
}
