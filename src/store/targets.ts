import type { TPeriod, TPeriodKind } from '../metrics/periods.js';
import {
  repTargets,
  storedTargetAmount,
  type TTargetRep,
  type TTargetRow,
  targetFromStored,
  targetUnit,
  teamTargets,
} from '../metrics/targets.js';
import type { TDb } from './store.js';

type TTargetKind = Exclude<TPeriodKind, 'custom'>;

/**
 * The target of each metric for each rep and a period, as the one rule says (repTargets in
 * src/metrics/targets.ts; docs/metrics.md, "Targets"): the rep's own, else their team's in full, else the
 * workspace's, else the defaults, scaled to the period. One query for any number of reps.
 */
export async function resolveTargetsForReps(
  db: TDb,
  workspaceId: string,
  reps: TTargetRep[],
  period: TPeriod,
): Promise<Map<string, Record<string, number>>> {
  const rows = await loadTargetRows(db, workspaceId, period.start);
  return new Map(reps.map((rep) => [rep.id, repTargets(rows, rep, period)]));
}

/**
 * A team's targets for a period, by its reps' ids: each rep's (repTargets, as resolveTargetsForReps) and the
 * team's total built from them (teamTargets: the sum of the reps' targets for money and counts).
 */
export async function resolveTeamTargets(
  db: TDb,
  workspaceId: string,
  repIds: readonly string[],
  period: TPeriod,
): Promise<{ perRep: Map<string, Record<string, number>>; team: Record<string, number> }> {
  const [reps, rows] = await Promise.all([
    db.rep.findMany({
      where: { workspaceId, id: { in: [...repIds] } },
      select: { id: true, managerId: true },
    }),
    loadTargetRows(db, workspaceId, period.start),
  ]);
  const managerOf = new Map(reps.map((r) => [r.id, r.managerId]));
  const perRep = new Map(
    repIds.map((id) => [id, repTargets(rows, { id, managerId: managerOf.get(id) ?? null }, period)]),
  );
  return { perRep, team: teamTargets(repIds.map((id) => perRep.get(id) ?? {})) };
}

/**
 * One rep's targets for each of several periods (a chart's history), with one query: the rows effective at the
 * latest period's start, each period choosing among those effective at its own start.
 */
export async function resolveTargetHistory(
  db: TDb,
  workspaceId: string,
  rep: TTargetRep,
  periods: TPeriod[],
): Promise<Record<string, number>[]> {
  const latest = new Date(Math.max(0, ...periods.map((p) => p.start.getTime())));
  const rows = await loadTargetRows(db, workspaceId, latest);
  return periods.map((p) => repTargets(rows, rep, p));
}

export type { TTargetRow };

const TARGET_COLUMNS = {
  id: true,
  scope: true,
  repId: true,
  metricId: true,
  periodKind: true,
  amount: true,
  effectiveFrom: true,
} as const;

/** Targets are stored as integers (src/metrics/targets.ts, targetScale); read back in the metric's unit. */
function inMetricUnit<T extends { metricId: string; amount: bigint }>(
  row: T,
): Omit<T, 'amount'> & { amount: number } {
  return { ...row, amount: targetFromStored(row.amount, targetUnit(row.metricId)) };
}

async function loadTargetRows(db: TDb, workspaceId: string, effectiveBy: Date): Promise<TTargetRow[]> {
  const rows = await db.target.findMany({
    where: { workspaceId, effectiveFrom: { lte: effectiveBy } },
    orderBy: { effectiveFrom: 'desc' },
    select: TARGET_COLUMNS,
  });
  return rows.map(inMetricUnit);
}

export type TNewTarget = {
  workspaceId: string;
  scope: 'rep' | 'team' | 'workspace';
  repId: string | null;
  metricId: string;
  periodKind: TTargetKind;
  /** In the metric's unit: money in minor units, a count as a count, a share as a fraction. */
  amount: number;
  effectiveFrom: Date;
  setBySlackId: string | null;
};

/**
 * Stores a target, its amount as the integer of its unit. An amount with no exact integer form (check it with
 * storedTargetAmount first, to refuse it with a reason) is a RangeError, never rounded.
 */
export async function insertTarget(db: TDb, target: TNewTarget): Promise<void> {
  const amount = storedTargetAmount(target.amount, targetUnit(target.metricId));
  if (amount === null) {
    throw new RangeError(`target amount ${target.amount} for ${target.metricId} has no exact stored form`);
  }
  await db.target.create({ data: { ...target, amount } });
}

/** How many targets of a workspace are on these metrics (e.g. the money ones, stored in its currency). */
export function countTargetsOn(db: TDb, workspaceId: string, metricIds: readonly string[]): Promise<number> {
  return db.target.count({ where: { workspaceId, metricId: { in: [...metricIds] } } });
}
