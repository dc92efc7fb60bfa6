import { NO_FACTS, type TDealFact, type TFacts } from '../metrics/facts.js';
import type { TFunnelDeal, TStageChange } from '../metrics/funnel.js';
import { FIRST_YEAR_MS } from '../metrics/scalar.js';
import { inChunks } from './chunks.js';
import type { TDb } from './types.js';

/** Reps per query where a query names them (ids and pairs of them stay well under the parameter cap). */
const REP_CHUNK = 100;

/**
 * Loads the facts of some reps that the scalar metrics of a window [start, end) can need, scoped to one
 * workspace: deals created or closed in the window, activities, posts and MQLs in it, level readings and
 * assessments in it plus the latest of each before it, and customers won from 365 days before its start to its
 * end (first-year churn looks back 365 days from any instant in it) or churned in it. A few queries per fact
 * kind, whatever the number of reps and however long the history.
 */
export async function loadFactsByRep(
  db: TDb,
  workspaceId: string,
  repIds: string[],
  window: { start: Date; end: Date },
  /** Only these kinds of facts (the rest come back empty); all by default. */
  kinds?: readonly (keyof TFacts)[],
): Promise<Map<string, TFacts>> {
  const want = (k: keyof TFacts) => !kinds || kinds.includes(k);
  const none = Promise.resolve([] as never[]);
  const inWindow = { gte: window.start, lt: window.end };
  const scope = { workspaceId, repId: { in: repIds } };
  const yearBefore = new Date(window.start.getTime() - FIRST_YEAR_MS);
  const [deals, activities, socialSnapshots, socialPosts, leads, training, customers] = await Promise.all([
    want('deals') ? dealsInWindow(db, scope, inWindow) : none,
    want('activities')
      ? db.activity.findMany({
          where: { ...scope, deletedAt: null, occurredAt: inWindow },
          select: { repId: true, kind: true, personalized: true, count: true, occurredAt: true },
        })
      : none,
    want('socialSnapshots') ? levelReadings(db, workspaceId, repIds, window) : none,
    want('socialPosts')
      ? db.socialPost.findMany({
          where: { ...scope, postedAt: inWindow },
          select: { repId: true, network: true, postedAt: true, shares: true, comments: true, likes: true },
        })
      : none,
    want('leads')
      ? db.lead.findMany({
          where: { ...scope, mqlAt: inWindow },
          select: { repId: true, mqlAt: true, convertedAt: true },
        })
      : none,
    want('training') ? assessments(db, workspaceId, repIds, window) : none,
    want('customers')
      ? db.customer.findMany({
          where: { ...scope, OR: [{ wonAt: { gte: yearBefore, lt: window.end } }, { churnedAt: inWindow }] },
          select: { repId: true, wonAt: true, churnedAt: true },
        })
      : none,
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

/** The workspace's currency, which money figures are added up in (codes are stored in upper case). */
export async function workspaceCurrency(db: TDb, workspaceId: string): Promise<string> {
  const ws = await db.workspace.findUnique({ where: { id: workspaceId }, select: { currency: true } });
  return ws?.currency ?? 'USD';
}

/** Every status a deal can have: naming them lets the (rep, status, close time) index serve a close-time range. */
const DEAL_STATUSES = ['open', 'won', 'lost'];

/**
 * Deals created or closed in a window: two index-friendly queries merged (one OR over two columns would scan
 * each rep's whole history).
 */
async function dealsInWindow(
  db: TDb,
  scope: { workspaceId: string; repId: { in: string[] } },
  inWindow: { gte: Date; lt: Date },
) {
  const select = {
    id: true,
    repId: true,
    amountMinor: true,
    currency: true,
    status: true,
    stage: true,
    openedAt: true,
    closedAt: true,
  } as const;
  const [opened, closed, currency] = await Promise.all([
    db.deal.findMany({ where: { ...scope, deletedAt: null, openedAt: inWindow }, select }),
    db.deal.findMany({
      where: { ...scope, deletedAt: null, status: { in: DEAL_STATUSES }, closedAt: inWindow },
      select,
    }),
    workspaceCurrency(db, scope.workspaceId),
  ]);
  const byId = new Map([...opened, ...closed].map((d) => [d.id, d]));
  // KPI Bot converts nothing: an amount in another currency is marked, and money figures leave it out.
  return [...byId.values()].map(({ id: _id, currency: dealCurrency, ...d }) => ({
    ...d,
    otherCurrency: d.amountMinor !== 0n && dealCurrency !== currency,
  }));
}

/**
 * Level readings (LinkedIn followers, profile views…) the metrics of a window need: every reading in it, and the
 * latest one of each rep, network and metric before it (the level at its start). Bounded by the window, not by
 * the length of the history.
 */
async function levelReadings(
  db: TDb,
  workspaceId: string,
  repIds: string[],
  window: { start: Date; end: Date },
) {
  const select = { repId: true, network: true, metric: true, value: true, at: true } as const;
  const inside = await db.socialSnapshot.findMany({
    where: { workspaceId, repId: { in: repIds }, at: { gte: window.start, lt: window.end } },
    select,
  });
  const before = await inChunks(
    repIds,
    async (ids) => {
      const latest = await db.socialSnapshot.groupBy({
        by: ['repId', 'network', 'metric'],
        where: { workspaceId, repId: { in: ids }, at: { lt: window.start } },
        _max: { at: true },
      });
      if (latest.length === 0) return [];
      // Naming the chunk's reps as well lets SQLite (no statistics) seek each rep's readings; with the OR alone
      // it read every reading of the workspace (test/store/query-plan-audit.test.ts).
      return db.socialSnapshot.findMany({
        where: {
          workspaceId,
          repId: { in: ids },
          OR: latest.map((l) => ({
            repId: l.repId,
            network: l.network,
            metric: l.metric,
            at: l._max.at ?? new Date(0),
          })),
        },
        select,
      });
    },
    REP_CHUNK,
  );
  return [...before, ...inside];
}

/** Assessments a window needs: every one in it, and each rep's latest before it (days since training). */
async function assessments(
  db: TDb,
  workspaceId: string,
  repIds: string[],
  window: { start: Date; end: Date },
) {
  const select = { repId: true, kind: true, score: true, maxScore: true, at: true } as const;
  const inside = await db.trainingResult.findMany({
    where: { workspaceId, repId: { in: repIds }, at: { gte: window.start, lt: window.end } },
    select,
  });
  const before = await inChunks(
    repIds,
    async (ids) => {
      const latest = await db.trainingResult.groupBy({
        by: ['repId'],
        where: { workspaceId, repId: { in: ids }, at: { lt: window.start } },
        _max: { at: true },
      });
      if (latest.length === 0) return [];
      return db.trainingResult.findMany({
        // The chunk's reps named as well, as for level readings above.
        where: {
          workspaceId,
          repId: { in: ids },
          OR: latest.map((l) => ({ repId: l.repId, at: l._max.at ?? new Date(0) })),
        },
        select,
      });
    },
    REP_CHUNK,
  );
  return [...before, ...inside];
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
  // Three index-friendly queries instead of one OR (which scans a rep's whole history): open deals, deals
  // closed since the start, deals created since the start; a deal created after the window is left out.
  const base = { workspaceId, repId: { in: repIds }, deletedAt: null };
  const select = {
    id: true,
    repId: true,
    stage: true,
    status: true,
    openedAt: true,
    closedAt: true,
    createdAt: true,
  } as const;
  const parts = await Promise.all([
    db.deal.findMany({ where: { ...base, status: 'open' }, select }),
    db.deal.findMany({
      where: { ...base, status: { in: DEAL_STATUSES }, closedAt: { gte: window.start } },
      select,
    }),
    db.deal.findMany({ where: { ...base, openedAt: { gte: window.start } }, select }),
  ]);
  const byId = new Map(parts.flat().map((d) => [d.id, d]));
  // A deal whose creation date is unknown (an export's early-stage rows) still sits in its stage.
  const deals = [...byId.values()].filter((d) => d.openedAt === null || d.openedAt < window.end);
  const changes = await inChunks(
    deals.map((d) => d.id),
    (ids) =>
      db.dealStageChange.findMany({
        where: { workspaceId, dealId: { in: ids }, changedAt: { lt: window.end } },
        select: { dealId: true, fromStage: true, toStage: true, changedAt: true },
      }),
    500,
  );
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
      seenAt: d.createdAt,
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

type TRange = { start: Date; end: Date };

/** Whether the workspace has any training result (so training rules apply). */
export async function tracksTraining(db: TDb, workspaceId: string): Promise<boolean> {
  return (await db.trainingResult.count({ where: { workspaceId } })) > 0;
}

/** Whether the workspace recorded any (not deleted) activity between two instants, both included. */
export async function hasActivityBetween(
  db: TDb,
  workspaceId: string,
  from: Date,
  to: Date,
): Promise<boolean> {
  return (
    (await db.activity.count({
      where: { workspaceId, deletedAt: null, occurredAt: { gte: from, lte: to } },
    })) > 0
  );
}

/** A rep's latest `take` recorded calls or meetings (with a recording) between two instants, newest first. */
export function recentRecordings(
  db: TDb,
  workspaceId: string,
  repId: string,
  between: { from: Date; to: Date },
  take: number,
) {
  return db.activity.findMany({
    where: {
      workspaceId,
      repId,
      deletedAt: null,
      recordingUrl: { not: null },
      occurredAt: { gte: between.from, lte: between.to },
    },
    orderBy: { occurredAt: 'desc' },
    take,
    select: { recordingUrl: true, subject: true, occurredAt: true },
  });
}

/**
 * Per rep, the deals (not deleted, with a rep) won, lost or opened in [start, end): their amounts summed (minor
 * units; only deals in the workspace currency, as the money metrics) or counted, added up by the database (one
 * GROUP BY on a covering index).
 */
export async function dealTotalsByRep(
  db: TDb,
  workspaceId: string,
  deals: { closed: 'won' | 'lost'; within: TRange } | { opened: TRange },
  field: 'sum' | 'count',
  /** Only these reps (every rep when absent). */
  repIds?: readonly string[],
): Promise<Map<string, number>> {
  const where =
    'closed' in deals
      ? { status: deals.closed, closedAt: { gte: deals.within.start, lt: deals.within.end } }
      : { openedAt: { gte: deals.opened.start, lt: deals.opened.end } };
  const currency = field === 'sum' ? { currency: await workspaceCurrency(db, workspaceId) } : {};
  const rows = await db.deal.groupBy({
    by: ['repId'],
    where: {
      workspaceId,
      deletedAt: null,
      repId: repIds ? { in: [...repIds] } : { not: null },
      ...where,
      ...currency,
    },
    _sum: { amountMinor: true },
    _count: { _all: true },
  });
  const out = new Map<string, number>();
  for (const r of rows)
    if (r.repId) out.set(r.repId, field === 'sum' ? Number(r._sum.amountMinor ?? 0n) : r._count._all);
  return out;
}

/**
 * Per rep, the count of (not deleted) activities of a kind, or of any of some kinds, in [start, end); only the
 * personalized (or only the generic) ones when `personalized` is given.
 */
export async function activityTotalsByRep(
  db: TDb,
  workspaceId: string,
  activities: { kind: string | string[]; personalized?: boolean },
  within: TRange,
  /** Only these reps (every rep when absent). */
  repIds?: readonly string[],
): Promise<Map<string, number>> {
  const { kind, personalized } = activities;
  const rows = await db.activity.groupBy({
    by: ['repId'],
    where: {
      workspaceId,
      deletedAt: null,
      repId: repIds ? { in: [...repIds] } : { not: null },
      occurredAt: { gte: within.start, lt: within.end },
      kind: typeof kind === 'string' ? kind : { in: kind },
      ...(personalized === undefined ? {} : { personalized }),
    },
    _sum: { count: true },
  });
  const out = new Map<string, number>();
  for (const r of rows) if (r.repId) out.set(r.repId, r._sum.count ?? 0);
  return out;
}

/**
 * When the workspace's record of closed deals begins: the earliest close (won or lost) of any rep not deleted,
 * or null when nothing has closed. The same answer as test/support/reference-queries.ts firstCloseInWorkspace, read as one index
 * seek per status on (workspace, status, closedAt) instead of an aggregate: Prisma wraps `_min` in a
 * subquery, which the databases answer by reading every closed deal of the workspace (about 70 ms a
 * `/kpi me` at 100k facts on a loaded machine, growing with history).
 */
export async function firstCloseOfWorkspace(db: TDb, workspaceId: string): Promise<Date | null> {
  const earliest = (status: 'won' | 'lost') =>
    db.deal.findFirst({
      where: { workspaceId, status, closedAt: { not: null }, deletedAt: null },
      orderBy: { closedAt: 'asc' },
      select: { closedAt: true },
    });
  const [won, lost] = await Promise.all([earliest('won'), earliest('lost')]);
  const times = [won?.closedAt, lost?.closedAt].filter((d): d is Date => d instanceof Date);
  if (times.length === 0) return null;
  return new Date(Math.min(...times.map((d) => d.getTime())));
}
