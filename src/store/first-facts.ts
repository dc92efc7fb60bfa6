import { Prisma } from '../generated/sqlite/client.js';
import type { TDb } from './types.js';

/**
 * When each rep's record begins: the earliest instant of any fact attributed to them in a workspace (a deal
 * opened or closed, an activity, an MQL, a post, a LinkedIn reading, an assessment, a customer won). Deleted
 * deals and activities do not count. A rep with no facts at all is absent from the map. The "usual" baseline
 * uses it to leave out the periods before a rep's record began (docs/metrics.md, "The usual baseline").
 *
 * One query per chunk of reps (a `/kpi me` asks it on every reply): the earliest instants of each kind, each by
 * its (workspace, rep, …) index, joined with UNION ALL. The same answer as seven grouped Prisma queries
 * (test/support/reference-queries.ts; test/reports/first-fact-union.test.ts holds the two equal on both stores).
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
