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
