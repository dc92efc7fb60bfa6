import type { TDb } from './store.js';

/**
 * The stage names a workspace's deals use: the stages deals are in and the stages they moved to, each spelling
 * once (at most `take` of them). For `/kpi settings funnel-stages`: a stage typed in another case is saved in
 * the deals' own spelling, and a stage no deal has been in is pointed out.
 */
export async function dealStageNames(db: TDb, workspaceId: string, take = 500): Promise<string[]> {
  const [current, moved] = await Promise.all([
    db.deal.findMany({ where: { workspaceId }, distinct: ['stage'], select: { stage: true }, take }),
    db.dealStageChange.findMany({
      where: { workspaceId },
      distinct: ['toStage'],
      select: { toStage: true },
      take,
    }),
  ]);
  return [...new Set([...current.map((d) => d.stage), ...moved.map((c) => c.toStage)])];
}

/** A stage deals are in now: how many open and how many closed (won or lost) deals sit in it. */
export type TStageOccupancy = { stage: string; open: number; closed: number };

/**
 * For `/kpi settings funnel-stages`: the deals (not deleted) in each stage now, open and closed, and the stages
 * some deal has left or that an open deal has been in (so not where only closed deals end up).
 */
export async function stageOccupancy(
  db: TDb,
  workspaceId: string,
): Promise<{ stages: TStageOccupancy[]; passedThrough: string[] }> {
  const [groups, left, openVisited] = await Promise.all([
    db.deal.groupBy({
      by: ['stage', 'status'],
      where: { workspaceId, deletedAt: null },
      _count: { _all: true },
    }),
    db.dealStageChange.findMany({
      where: { workspaceId, fromStage: { not: null } },
      distinct: ['fromStage'],
      select: { fromStage: true },
    }),
    db.dealStageChange.findMany({
      where: { workspaceId, deal: { status: 'open', deletedAt: null } },
      distinct: ['toStage'],
      select: { toStage: true },
    }),
  ]);
  const byStage = new Map<string, TStageOccupancy>();
  for (const g of groups) {
    const entry = byStage.get(g.stage) ?? { stage: g.stage, open: 0, closed: 0 };
    if (g.status === 'open') entry.open += g._count._all;
    else entry.closed += g._count._all;
    byStage.set(g.stage, entry);
  }
  const passedThrough = new Set<string>([
    ...left.flatMap((c) => (c.fromStage ? [c.fromStage] : [])),
    ...openVisited.map((c) => c.toStage),
  ]);
  return {
    stages: [...byStage.values()].sort((a, b) => a.stage.localeCompare(b.stage)),
    passedThrough: [...passedThrough].sort(),
  };
}
