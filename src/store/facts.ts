import { NO_FACTS, type TDealFact, type TFacts } from '../metrics/facts.js';
import type { TFunnelDeal, TStageChange } from '../metrics/funnel.js';
import type { TDb } from './store.js';

/**
 * Loads the facts of some reps that the scalar metrics of a window [start, end) can need, scoped to one
 * workspace: deals created or closed in the window, activities, posts and MQLs in it, every level reading
 * and assessment before its end (the latest one before the start matters), and customers won in the year
 * before its end or churned in it. One query per fact kind, whatever the number of reps.
 */
export async function loadFactsByRep(
  db: TDb,
  workspaceId: string,
  repIds: string[],
  window: { start: Date; end: Date },
): Promise<Map<string, TFacts>> {
  const inWindow = { gte: window.start, lt: window.end };
  const scope = { workspaceId, repId: { in: repIds } };
  const yearBefore = new Date(window.end.getTime());
  yearBefore.setUTCFullYear(yearBefore.getUTCFullYear() - 1);
  const [deals, activities, socialSnapshots, socialPosts, leads, training, customers] = await Promise.all([
    db.deal.findMany({
      where: { ...scope, deletedAt: null, OR: [{ openedAt: inWindow }, { closedAt: inWindow }] },
      select: { repId: true, amountMinor: true, status: true, stage: true, openedAt: true, closedAt: true },
    }),
    db.activity.findMany({
      where: { ...scope, deletedAt: null, occurredAt: inWindow },
      select: { repId: true, kind: true, personalized: true, count: true, occurredAt: true },
    }),
    db.socialSnapshot.findMany({
      where: { ...scope, at: { lt: window.end } },
      select: { repId: true, network: true, metric: true, value: true, at: true },
    }),
    db.socialPost.findMany({
      where: { ...scope, postedAt: inWindow },
      select: { repId: true, network: true, postedAt: true, shares: true, comments: true, likes: true },
    }),
    db.lead.findMany({
      where: { ...scope, mqlAt: inWindow },
      select: { repId: true, mqlAt: true, convertedAt: true },
    }),
    db.trainingResult.findMany({
      where: { ...scope, at: { lt: window.end } },
      select: { repId: true, kind: true, score: true, maxScore: true, at: true },
    }),
    db.customer.findMany({
      where: { ...scope, OR: [{ wonAt: { gte: yearBefore, lt: window.end } }, { churnedAt: inWindow }] },
      select: { repId: true, wonAt: true, churnedAt: true },
    }),
  ]);
  const byRep = new Map<string, TFacts>(repIds.map((id) => [id, structuredClone(NO_FACTS)]));
  const bucket = (repId: string | null) => byRep.get(repId ?? '') as TFacts;
  for (const { repId, ...d } of deals) {
    bucket(repId).deals.push({
      ...d,
      amountMinor: Number(d.amountMinor),
      status: d.status as TDealFact['status'],
    });
  }
  for (const { repId, ...a } of activities) bucket(repId).activities.push(a);
  for (const { repId, ...x } of socialSnapshots) bucket(repId).socialSnapshots.push(x);
  for (const { repId, ...x } of socialPosts) bucket(repId).socialPosts.push(x);
  for (const { repId, ...x } of leads) bucket(repId).leads.push(x);
  for (const { repId, ...x } of training) bucket(repId).training.push(x);
  for (const { repId, ...x } of customers) bucket(repId).customers.push(x);
  return byRep;
}

/** The facts of several reps as one set (a team's, for team totals). */
export function mergeFacts(sets: Iterable<TFacts>): TFacts {
  const out = structuredClone(NO_FACTS);
  for (const f of sets) {
    for (const k of Object.keys(out) as (keyof TFacts)[]) (out[k] as unknown[]).push(...f[k]);
  }
  return out;
}

/**
 * Deals of some reps that can take part in the funnel of a window (open now, or created or closed since its
 * start) and their stage changes up to its end, in the pure funnel's shapes, per rep.
 */
export async function loadFunnelFactsByRep(
  db: TDb,
  workspaceId: string,
  repIds: string[],
  window: { start: Date; end: Date },
): Promise<Map<string, { deals: TFunnelDeal[]; changes: TStageChange[] }>> {
  const dealWhere = {
    workspaceId,
    repId: { in: repIds },
    deletedAt: null,
    AND: [
      // A deal whose creation date is unknown (an export's early-stage rows) still sits in its stage.
      { OR: [{ openedAt: { lt: window.end } }, { openedAt: null }] },
      { OR: [{ status: 'open' }, { closedAt: { gte: window.start } }, { openedAt: { gte: window.start } }] },
    ],
  };
  const [deals, changes] = await Promise.all([
    db.deal.findMany({
      where: dealWhere,
      select: { id: true, repId: true, stage: true, status: true, openedAt: true, closedAt: true },
    }),
    db.dealStageChange.findMany({
      where: { workspaceId, changedAt: { lt: window.end }, deal: dealWhere },
      select: { dealId: true, fromStage: true, toStage: true, changedAt: true },
    }),
  ]);
  const out = new Map(
    repIds.map((id) => [id, { deals: [] as TFunnelDeal[], changes: [] as TStageChange[] }]),
  );
  const repOfDeal = new Map<string, string>();
  for (const d of deals) {
    if (!d.repId) continue;
    repOfDeal.set(d.id, d.repId);
    out.get(d.repId)?.deals.push({
      key: d.id,
      stage: d.stage,
      status: d.status as TFunnelDeal['status'],
      openedAt: d.openedAt,
      closedAt: d.closedAt,
    });
  }
  for (const c of changes) {
    const repId = repOfDeal.get(c.dealId);
    if (repId)
      out.get(repId)?.changes.push({
        dealKey: c.dealId,
        fromStage: c.fromStage,
        toStage: c.toStage,
        changedAt: c.changedAt,
      });
  }
  return out;
}
