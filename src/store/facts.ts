import type { TDealFact, TFacts } from '../metrics/facts.js';
import type { TDb } from './store.js';

/**
 * Loads the facts of some reps that the scalar metrics of a window [start, end) can need, scoped to one
 * workspace: deals created or closed in the window, activities, posts and MQLs in it, every level reading
 * and assessment before its end (the latest one before the start matters), and customers won in the year
 * before its end or churned in it. One query per fact kind, whatever the number of reps.
 */
export async function loadFacts(
  db: TDb,
  workspaceId: string,
  repIds: string[],
  window: { start: Date; end: Date },
): Promise<TFacts> {
  const inWindow = { gte: window.start, lt: window.end };
  const scope = { workspaceId, repId: { in: repIds } };
  const yearBefore = new Date(window.end.getTime());
  yearBefore.setUTCFullYear(yearBefore.getUTCFullYear() - 1);
  const [deals, activities, socialSnapshots, socialPosts, leads, training, customers] = await Promise.all([
    db.deal.findMany({
      where: { ...scope, deletedAt: null, OR: [{ openedAt: inWindow }, { closedAt: inWindow }] },
      select: { amountMinor: true, status: true, stage: true, openedAt: true, closedAt: true },
    }),
    db.activity.findMany({
      where: { ...scope, deletedAt: null, occurredAt: inWindow },
      select: { kind: true, personalized: true, count: true, occurredAt: true },
    }),
    db.socialSnapshot.findMany({
      where: { ...scope, at: { lt: window.end } },
      select: { network: true, metric: true, value: true, at: true },
    }),
    db.socialPost.findMany({
      where: { ...scope, postedAt: inWindow },
      select: { network: true, postedAt: true, shares: true, comments: true, likes: true },
    }),
    db.lead.findMany({ where: { ...scope, mqlAt: inWindow }, select: { mqlAt: true, convertedAt: true } }),
    db.trainingResult.findMany({
      where: { ...scope, at: { lt: window.end } },
      select: { kind: true, score: true, maxScore: true, at: true },
    }),
    db.customer.findMany({
      where: { ...scope, OR: [{ wonAt: { gte: yearBefore, lt: window.end } }, { churnedAt: inWindow }] },
      select: { wonAt: true, churnedAt: true },
    }),
  ]);
  return {
    deals: deals.map((d) => ({
      ...d,
      amountMinor: Number(d.amountMinor),
      status: d.status as TDealFact['status'],
    })),
    activities,
    socialSnapshots,
    socialPosts,
    leads,
    training,
    customers,
  };
}
