import { Prisma } from '../generated/sqlite/client.js';
import type { TDb } from './types.js';

/**
 * When each rep's record begins: the earliest instant of any fact attributed to them in a workspace (a deal
 * opened or closed, an activity, an MQL, a post, a LinkedIn reading, an assessment, a customer won). Deleted
 * deals and activities do not count. A rep with no facts at all is absent from the map. The "usual" baseline
 * uses it to leave out the periods before a rep's record began (docs/metrics.md, "The usual baseline").
 *
 * One query per chunk of reps (a `/kpi me` asks it on every reply): the earliest instants of each kind, each by
 * its (workspace, rep, …) index, joined with UNION ALL. `firstFactAtByRepGrouped` is the same answer in seven Prisma
 * queries (a test holds the two equal on both stores).
 */
export async function firstFactAtByRep(
  db: TDb,
  workspaceId: string,
  repIds: string[],
): Promise<Map<string, Date>> {
  const first = new Map<string, Date>();
  // Databases cap the parameters of one query: 100 reps a query, 7 lists of them.
  for (let i = 0; i < repIds.length; i += 100) {
    const ids = Prisma.join(repIds.slice(i, i + 100));
    // Each a MIN over the rep's entries of an index that starts (workspace, rep, …) and holds the instant.
    const earliest = (table: string, column: string) => Prisma.sql`
      SELECT "repId", MIN(${Prisma.raw(`"${column}"`)}) AS "at", NULL AS "closedAt" FROM ${Prisma.raw(`"${table}"`)}
      WHERE "workspaceId" = ${workspaceId} AND "repId" IN (${ids})
      GROUP BY "repId"`;
    // A deal's two instants in one branch (first, so its types name the columns'): asked alone, MIN("closedAt")
    // makes SQLite scan the workspace's closed deals on the covering close index instead of seeking the rep's.
    const rows = await db.$queryRaw<
      { repId: string; at: Date | string | null; closedAt: Date | string | null }[]
    >(Prisma.sql`
      SELECT "repId", MIN("at") AS "at", MIN("closedAt") AS "closedAt" FROM (
        SELECT "repId", MIN("openedAt") AS "at", MIN("closedAt") AS "closedAt" FROM "Deal"
        WHERE "workspaceId" = ${workspaceId} AND "repId" IN (${ids}) AND "deletedAt" IS NULL
        GROUP BY "repId"
        UNION ALL ${Prisma.join(
          [
            // The rep's first live activity by walking the (workspace, rep, occurredAt) index from its start:
            // MIN with the deleted filter would read every activity the rep ever logged.
            Prisma.sql`SELECT r."id" AS "repId",
              (SELECT a."occurredAt" FROM "Activity" a
                WHERE a."workspaceId" = ${workspaceId} AND a."repId" = r."id" AND a."deletedAt" IS NULL
                ORDER BY a."occurredAt" ASC LIMIT 1) AS "at", NULL AS "closedAt"
              FROM "Rep" r WHERE r."id" IN (${ids})`,
            earliest('Lead', 'mqlAt'),
            earliest('SocialPost', 'postedAt'),
            earliest('SocialSnapshot', 'at'),
            earliest('TrainingResult', 'at'),
            earliest('Customer', 'wonAt'),
          ],
          ' UNION ALL ',
        )}
      ) AS "firsts" GROUP BY "repId"`);
    // PostgreSQL returns Dates; SQLite the stored ISO text (one format for every row, so MIN compares it).
    const instant = (v: Date | string | null) => (v === null ? null : v instanceof Date ? v : new Date(v));
    for (const r of rows) {
      const times = [instant(r.at), instant(r.closedAt)].filter(
        (d): d is Date => d !== null && !Number.isNaN(d.getTime()),
      );
      if (times.length) first.set(r.repId, new Date(Math.min(...times.map((d) => d.getTime()))));
    }
  }
  return first;
}

/** `firstFactAtByRep` as seven grouped Prisma queries: the reference the one-query form is tested against. */
export async function firstFactAtByRepGrouped(
  db: TDb,
  workspaceId: string,
  repIds: string[],
): Promise<Map<string, Date>> {
  const first = new Map<string, Date>();
  const note = (repId: string | null, at: Date | null | undefined) => {
    if (!repId || !at) return;
    const seen = first.get(repId);
    if (!seen || at.getTime() < seen.getTime()) first.set(repId, at);
  };
  for (let i = 0; i < repIds.length; i += 100) {
    const ids = repIds.slice(i, i + 100);
    const scope = { workspaceId, repId: { in: ids } };
    const [deals, activities, leads, posts, readings, training, customers] = await Promise.all([
      db.deal.groupBy({
        by: ['repId'],
        where: { ...scope, deletedAt: null },
        _min: { openedAt: true, closedAt: true },
      }),
      db.activity.groupBy({
        by: ['repId'],
        where: { ...scope, deletedAt: null },
        _min: { occurredAt: true },
      }),
      db.lead.groupBy({ by: ['repId'], where: scope, _min: { mqlAt: true } }),
      db.socialPost.groupBy({ by: ['repId'], where: scope, _min: { postedAt: true } }),
      db.socialSnapshot.groupBy({ by: ['repId'], where: scope, _min: { at: true } }),
      db.trainingResult.groupBy({ by: ['repId'], where: scope, _min: { at: true } }),
      db.customer.groupBy({ by: ['repId'], where: scope, _min: { wonAt: true } }),
    ]);
    for (const d of deals) {
      note(d.repId, d._min.openedAt);
      note(d.repId, d._min.closedAt);
    }
    for (const a of activities) note(a.repId, a._min.occurredAt);
    for (const l of leads) note(l.repId, l._min.mqlAt);
    for (const p of posts) note(p.repId, p._min.postedAt);
    for (const r of readings) note(r.repId, r._min.at);
    for (const t of training) note(t.repId, t._min.at);
    for (const c of customers) note(c.repId, c._min.wonAt);
  }
  return first;
}

/**
 * When the workspace's record of closed deals begins: the earliest close (won or lost) of any rep, or null when
 * nothing has closed. An import of history that starts in March has no record of what closed before it; the
 * "usual" of won revenue does not read the months before as months of nothing won.
 */
export async function firstCloseInWorkspace(db: TDb, workspaceId: string): Promise<Date | null> {
  const row = await db.deal.aggregate({
    where: { workspaceId, deletedAt: null, status: { in: ['won', 'lost'] }, closedAt: { not: null } },
    _min: { closedAt: true },
  });
  return row._min.closedAt ?? null;
}
