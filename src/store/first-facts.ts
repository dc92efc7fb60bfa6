import { Prisma } from '../generated/sqlite/client.js';
import { inChunks } from './chunks.js';
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
  // Databases cap the parameters of one query: 100 reps a query, 9 lists of them.
  const rows = await inChunks(
    repIds,
    (ids) =>
      db.$queryRaw<{ repId: string; at: Date | string | null; closedAt: Date | string | null }[]>(
        firstFactsSql(workspaceId, ids),
      ),
    100,
  );
  // PostgreSQL returns Dates; SQLite the stored ISO text (one format for every row, so MIN compares it).
  const instant = (v: Date | string | null) => (v === null ? null : v instanceof Date ? v : new Date(v));
  const first = new Map<string, Date>();
  for (const r of rows) {
    const times = [instant(r.at), instant(r.closedAt)].filter(
      (d): d is Date => d !== null && !Number.isNaN(d.getTime()),
    );
    if (times.length) first.set(r.repId, new Date(Math.min(...times.map((d) => d.getTime()))));
  }
  return first;
}

/** The query for one chunk of reps (exported for the test of its SQLite plan: every branch an index seek). */
export function firstFactsSql(workspaceId: string, repIds: string[]): Prisma.Sql {
  const ids = Prisma.join(repIds);
  // Each a MIN over the rep's entries of an index that starts (workspace, rep, …) and holds the instant.
  const earliest = (table: string, column: string) => Prisma.sql`
    SELECT "repId", MIN(${Prisma.raw(`"${column}"`)}) AS "at", NULL AS "closedAt" FROM ${Prisma.raw(`"${table}"`)}
    WHERE "workspaceId" = ${workspaceId} AND "repId" IN (${ids})
    GROUP BY "repId"`;
  // Every branch reads a few index entries per rep, whatever the rep's history: MIN over an index prefix is
  // a seek, and the deleted deals and activities (not in their indexes) are skipped by walking the index in
  // order from its start to the first live row, which is the first row unless the earliest were deleted.
  const walk = (table: string, column: string, status?: string) => Prisma.sql`(SELECT ${
    // A deal's close instant, named with its open one: the covering close index (workspace, status, closedAt,
    // rep, …) then covers neither, and SQLite (no statistics until ANALYZE) stops preferring to walk all the
    // workspace's deals on it for the rep's over seeking (workspace, rep, status, closedAt).
    status === undefined
      ? Prisma.sql`f.${Prisma.raw(`"${column}"`)}`
      : Prisma.sql`COALESCE(f."closedAt", f."openedAt")`
  }
    FROM ${Prisma.raw(`"${table}"`)} f
    WHERE f."workspaceId" = ${workspaceId} AND f."repId" = r."id"${status === undefined ? Prisma.empty : Prisma.sql` AND f."status" = ${status}`}
      AND f.${Prisma.raw(`"${column}"`)} IS NOT NULL AND f."deletedAt" IS NULL
    ORDER BY f.${Prisma.raw(`"${column}"`)} ASC LIMIT 1)`;
  // A deal's close instant by status, each of the three a deal can have (ingest and import check it; an open
  // deal may carry one too): (workspace, rep, status, closedAt) is in order only within a status. The first
  // branch names the columns' types, so it has both instants.
  return Prisma.sql`
      SELECT "repId", MIN("at") AS "at", MIN("closedAt") AS "closedAt" FROM (
        SELECT r."id" AS "repId", ${walk('Deal', 'openedAt')} AS "at", ${walk('Deal', 'closedAt', 'won')} AS "closedAt"
          FROM "Rep" r WHERE r."id" IN (${ids})
        UNION ALL ${Prisma.join(
          [
            Prisma.sql`SELECT r."id" AS "repId", NULL AS "at", ${walk('Deal', 'closedAt', 'lost')} AS "closedAt"
              FROM "Rep" r WHERE r."id" IN (${ids})`,
            Prisma.sql`SELECT r."id" AS "repId", NULL AS "at", ${walk('Deal', 'closedAt', 'open')} AS "closedAt"
              FROM "Rep" r WHERE r."id" IN (${ids})`,
            Prisma.sql`SELECT r."id" AS "repId", ${walk('Activity', 'occurredAt')} AS "at", NULL AS "closedAt"
              FROM "Rep" r WHERE r."id" IN (${ids})`,
            earliest('Lead', 'mqlAt'),
            earliest('SocialPost', 'postedAt'),
            earliest('SocialSnapshot', 'at'),
            earliest('TrainingResult', 'at'),
            earliest('Customer', 'wonAt'),
          ],
          ' UNION ALL ',
        )}
      ) AS "firsts" GROUP BY "repId"`;
}
