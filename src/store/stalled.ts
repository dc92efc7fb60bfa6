import type { TFunnelDeal, TStageChange } from '../metrics/funnel.js';
import { inChunks } from './chunks.js';
import type { TDb } from './types.js';

/**
 * The reads behind the stalled-deals report (issue 17), each scoped by workspace: the people, their open deals,
 * the stage history the team's usual dwell is learned from, the last activity logged on each open deal, and what
 * the CRMs' own webhooks said about where their deals live (to link to them). A few queries per workspace,
 * whatever the number of deals (ids go in chunks).
 */

const CHUNK = 500;

/** Active people of a workspace (any role: a manager's own deals stall too), with what a message needs. */
export function activePeopleForStalled(db: TDb, workspaceId: string) {
  return db.rep.findMany({
    where: { workspaceId, active: true },
    select: { id: true, name: true, slackUserId: true, managerId: true },
  });
}

/** Won or lost deals that can have left a stage since `since`: closed then or later, or closed with no date. */
const closedSince = (since: Date) => [
  { status: { in: ['won', 'lost'] }, closedAt: null },
  { status: { in: ['won', 'lost'] }, closedAt: { gte: since } },
];

/** An open deal as the stalled-deals rule reads it. */
export type TOpenDealRow = {
  id: string;
  repId: string | null;
  source: string;
  externalId: string;
  title: string;
  /** What is sold and to whom (named instead of an empty title); absent reads as unknown. */
  product?: string | null;
  account?: string | null;
  stage: string;
  status: string;
  amountMinor: bigint;
  currency: string;
  openedAt: Date | null;
  closedAt: Date | null;
  stageEnteredAt: Date | null;
  createdAt: Date;
};

/**
 * The workspace's open deals that are not deleted and belong to one of `repIds`, and the stage history (at or
 * before `now`) of every deal whose stays can have ended since `since`: open deals, and closed ones not closed
 * before `since` (a deal closed earlier left all its stages earlier). Deals come back in the funnel's shape too.
 */
export async function stalledDealFacts(
  db: TDb,
  workspaceId: string,
  repIds: string[],
  since: Date,
  now: Date,
): Promise<{ open: TOpenDealRow[]; history: TFunnelDeal[]; changes: TStageChange[] }> {
  const [openAll, closed] = await Promise.all([
    db.deal.findMany({
      where: { workspaceId, deletedAt: null, status: 'open' },
      select: {
        id: true,
        repId: true,
        source: true,
        externalId: true,
        title: true,
        product: true,
        account: true,
        stage: true,
        status: true,
        amountMinor: true,
        currency: true,
        openedAt: true,
        closedAt: true,
        stageEnteredAt: true,
        createdAt: true,
      },
    }),
    db.deal.findMany({
      where: {
        workspaceId,
        deletedAt: null,
        OR: closedSince(since),
      },
      select: { id: true, stage: true, status: true, openedAt: true, closedAt: true, createdAt: true },
    }),
  ]);
  const mine = new Set(repIds);
  const open = openAll.filter((d) => d.repId !== null && mine.has(d.repId));
  const history: TFunnelDeal[] = [...openAll, ...closed].map((d) => ({
    key: d.id,
    stage: d.stage,
    status: d.status as TFunnelDeal['status'],
    openedAt: d.openedAt,
    closedAt: d.closedAt,
    seenAt: d.createdAt,
  }));
  // One query, joined to the same deals (not a list of ids per chunk): its size does not depend on theirs.
  const rows = await db.dealStageChange.findMany({
    where: {
      workspaceId,
      changedAt: { lte: now },
      deal: { is: { workspaceId, deletedAt: null, OR: [{ status: 'open' }, ...closedSince(since)] } },
    },
    select: { dealId: true, fromStage: true, toStage: true, changedAt: true },
  });
  const known = new Set(history.map((d) => d.key));
  const changes = rows
    .filter((c) => known.has(c.dealId))
    .map((c) => ({
      dealKey: c.dealId,
      fromStage: c.fromStage,
      toStage: c.toStage,
      changedAt: c.changedAt,
    }));
  return { open, history, changes };
}

/**
 * The latest logged activity (not deleted, at or before `now`) on each of these deals: activities carry the
 * deal's id in its own CRM (dealExternalId), so a deal is matched on its source and that id. One grouped query
 * per chunk of ids. Keyed by `dealActivityKey(source, externalId)`.
 */
export async function lastActivityOfDeals(
  db: TDb,
  workspaceId: string,
  deals: { source: string; externalId: string }[],
  now: Date,
): Promise<Map<string, Date>> {
  const wanted = new Set(deals.map((d) => dealActivityKey(d.source, d.externalId)));
  const ids = [...new Set(deals.map((d) => d.externalId))];
  const groups = await inChunks(
    ids,
    (chunk) =>
      db.activity.groupBy({
        by: ['source', 'dealExternalId'],
        where: { workspaceId, deletedAt: null, occurredAt: { lte: now }, dealExternalId: { in: chunk } },
        _max: { occurredAt: true },
      }),
    CHUNK,
  );
  const out = new Map<string, Date>();
  for (const g of groups) {
    if (g.dealExternalId === null || !g._max.occurredAt) continue;
    const key = dealActivityKey(g.source, g.dealExternalId);
    if (wanted.has(key)) out.set(key, g._max.occurredAt);
  }
  return out;
}

/**
 * The sources that record activity against deals in the workspace: those with at least one activity (not
 * deleted) naming a deal (dealExternalId set) that occurred from `from` to `now`. One grouped query.
 */
export async function sourcesLoggingDealActivity(
  db: TDb,
  workspaceId: string,
  from: Date,
  now: Date,
): Promise<Set<string>> {
  const groups = await db.activity.groupBy({
    by: ['source'],
    where: {
      workspaceId,
      deletedAt: null,
      dealExternalId: { not: null },
      occurredAt: { gte: from, lte: now },
    },
  });
  return new Set(groups.map((g) => g.source));
}

/** The key of a deal's activities: its source and its id there (a HubSpot 42 is not a Pipedrive 42). */
export function dealActivityKey(source: string, externalId: string): string {
  return `${source}\u0000${externalId}`;
}

/**
 * What the CRMs' own webhooks say about the account a workspace's deals live in, from the latest events the
 * inbox holds: HubSpot's `portalId` (every event carries it), Pipedrive's `meta.host` (`<company>.pipedrive.com`,
 * in v1 and v2 payloads). Returned as read (checked by whoever builds a link from them); a source not asked
 * for is not read.
 */
export async function crmAccountHints(
  db: TDb,
  workspaceId: string,
  sources: ReadonlySet<string>,
): Promise<{ hubspotPortalIds: unknown[]; pipedriveHosts: unknown[] }> {
  const latest = (source: string) =>
    db.inboxEvent.findMany({
      where: { workspaceId, source },
      orderBy: [{ receivedAt: 'desc' }, { id: 'desc' }],
      take: 20,
      select: { payload: true },
    });
  const read = (payload: string): Record<string, unknown> => {
    try {
      const v = JSON.parse(payload) as unknown;
      return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
    } catch {
      return {};
    }
  };
  const [hubspot, pipedrive] = await Promise.all([
    sources.has('hubspot') ? latest('hubspot') : Promise.resolve([]),
    sources.has('pipedrive') ? latest('pipedrive') : Promise.resolve([]),
  ]);
  return {
    hubspotPortalIds: hubspot.map((r) => read(r.payload).portalId),
    pipedriveHosts: pipedrive.map((r) => {
      const meta = read(r.payload).meta;
      return meta && typeof meta === 'object' ? (meta as Record<string, unknown>).host : undefined;
    }),
  };
}
