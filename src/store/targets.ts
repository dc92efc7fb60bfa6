import type { TPeriod, TPeriodKind } from '../metrics/periods.js';
import {
  DEFAULT_TARGETS,
  scaleTarget,
  storedTargetAmount,
  targetFromStored,
  targetUnit,
} from '../metrics/targets.js';
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

/** A target row with its amount in its metric's unit (money in minor units, a share as a fraction). */
export type TTargetRow = {
  id: string;
  scope: string;
  repId: string | null;
  metricId: string;
  periodKind: string;
  amount: number;
  effectiveFrom: Date;
};

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

/**
 * The targets a team's totals are measured against, newest first: those set on the manager's team (when a
 * manager is given) and the workspace's, effective at `effectiveBy`.
 */
export async function loadTeamTargetRows(
  db: TDb,
  workspaceId: string,
  managerId: string | null,
  effectiveBy: Date,
): Promise<TTargetRow[]> {
  const rows = await db.target.findMany({
    where: {
      workspaceId,
      effectiveFrom: { lte: effectiveBy },
      OR: [...(managerId ? [{ scope: 'team', repId: managerId }] : []), { scope: 'workspace' }],
    },
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

/** How many targets of a workspace are on these metrics (e.g. the money ones, stored in its currency). */
export function countTargetsOn(db: TDb, workspaceId: string, metricIds: readonly string[]): Promise<number> {
  return db.target.count({ where: { workspaceId, metricId: { in: [...metricIds] } } });
}
