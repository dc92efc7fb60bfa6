import type { TPeriod, TPeriodKind } from '../metrics/periods.js';
import { DEFAULT_TARGETS, scaleTarget } from '../metrics/targets.js';
import type { TDb } from './store.js';

type TTargetKind = Exclude<TPeriodKind, 'custom'>;
type TRepRef = { id: string; managerId: string | null };

/**
 * The target of each metric for each rep and a period: the rep's own, else their team's (set on their
 * manager), else the workspace's, else the defaults. Within a scope a target set for this very period kind
 * beats one scaled from another kind, then the latest effective at the period's start wins; a target set for
 * another kind is scaled to the period (docs/metrics.md, "Targets"). One query for any number of reps.
 */
export async function resolveTargetsForReps(
  db: TDb,
  workspaceId: string,
  reps: TRepRef[],
  period: TPeriod,
): Promise<Map<string, Record<string, number>>> {
  const rows = await loadTargetRows(db, workspaceId, period.start);
  return chooseTargets(rows, reps, period);
}

/**
 * One rep's targets for each of several periods (a chart's history), with one query: the rows effective at the
 * latest period's start, each period choosing among those effective at its own start.
 */
export async function resolveTargetHistory(
  db: TDb,
  workspaceId: string,
  rep: TRepRef,
  periods: TPeriod[],
): Promise<Record<string, number>[]> {
  const latest = new Date(Math.max(0, ...periods.map((p) => p.start.getTime())));
  const rows = await loadTargetRows(db, workspaceId, latest);
  return periods.map(
    (p) =>
      chooseTargets(
        rows.filter((r) => r.effectiveFrom <= p.start),
        [rep],
        p,
      ).get(rep.id) ?? {},
  );
}

type TTargetRow = Awaited<ReturnType<typeof loadTargetRows>>[number];

function loadTargetRows(db: TDb, workspaceId: string, effectiveBy: Date) {
  return db.target.findMany({
    where: { workspaceId, effectiveFrom: { lte: effectiveBy } },
    orderBy: { effectiveFrom: 'desc' },
  });
}

/** The choice described above, over rows ordered newest first. */
function chooseTargets(
  rows: TTargetRow[],
  reps: TRepRef[],
  period: TPeriod,
): Map<string, Record<string, number>> {
  const defaults: Record<string, number> = {};
  for (const d of DEFAULT_TARGETS) defaults[d.metricId] = scaleTarget(d.amount, d.periodKind, period);
  const out = new Map<string, Record<string, number>>();
  for (const rep of reps) {
    const rank = (row: (typeof rows)[number]) =>
      row.scope === 'rep' && row.repId === rep.id
        ? 0
        : row.scope === 'team' && rep.managerId !== null && row.repId === rep.managerId
          ? 1
          : row.scope === 'workspace'
            ? 2
            : -1;
    const chosen = new Map<string, { rank: number; kindMatches: boolean; amount: number }>();
    for (const row of rows) {
      const r = rank(row);
      if (r < 0) continue;
      const kindMatches = row.periodKind === period.kind;
      const seen = chosen.get(row.metricId);
      if (!seen || r < seen.rank || (r === seen.rank && kindMatches && !seen.kindMatches)) {
        chosen.set(row.metricId, {
          rank: r,
          kindMatches,
          amount: scaleTarget(row.amount, row.periodKind as TTargetKind, period),
        });
      }
    }
    const targets = { ...defaults };
    for (const [metricId, c] of chosen) targets[metricId] = c.amount;
    out.set(rep.id, targets);
  }
  return out;
}
