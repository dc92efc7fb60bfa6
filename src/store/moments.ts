import { randomUUID } from 'node:crypto';
import { Prisma } from '../generated/sqlite/client.js';
import type { TDb, TTx } from './types.js';

/**
 * The Moment ledger's rows (issue 17: deal-won celebrations, target milestones). A moment is recorded once by its
 * key (unique per workspace: `won:<dealId>`, `milestone:<repId>:<metricId>:<periodKey>:<pct>`): the insert
 * ignores a key already there, so two processes detecting the same win record it once. A row is sent only by the
 * process that moved it from pending to sending (a conditional update naming that process), so no row is sent
 * twice. The policy (when to send, what a refusal means) is src/moments/'s; these are its reads and writes.
 */

/** Rows per multi-row INSERT (11 values each: well within both stores' limits on bound values). */
const WIN_CHUNK = 500;

export type TMomentStatus = 'pending' | 'sending' | 'sent' | 'failed' | 'uncertain' | 'skipped';

export type TNewMoment = {
  workspaceId: string;
  kind: 'celebration' | 'milestone';
  key: string;
  repId: string | null;
  payload: string;
  route: 'channel' | 'dm';
  to: string | null;
  status: 'pending' | 'skipped';
  detectedAt: Date;
  error?: string | null;
};

/** Records a moment unless its key is already recorded; true when this call recorded it. */
export async function insertMoment(db: TDb, m: TNewMoment): Promise<boolean> {
  const inserted = await db.$executeRaw`INSERT INTO "Moment"
    ("id", "workspaceId", "kind", "key", "repId", "payload", "route", "to", "status", "detectedAt", "error")
    VALUES (${randomUUID()}, ${m.workspaceId}, ${m.kind}, ${m.key}, ${m.repId}, ${m.payload}, ${m.route},
      ${m.to}, ${m.status}, ${m.detectedAt}, ${m.error ?? null})
    ON CONFLICT ("workspaceId", "key") DO NOTHING`;
  return inserted === 1;
}

/** Keys of the workspace's milestones detected since an instant (the current period's start). */
export async function milestoneKeysSince(db: TDb, workspaceId: string, since: Date): Promise<Set<string>> {
  const rows = await db.moment.findMany({
    where: { workspaceId, kind: 'milestone', detectedAt: { gte: since } },
    select: { key: true },
  });
  return new Set(rows.map((r) => r.key));
}

/** Ends moments this process is sending (fenced by the claim): sent, failed, uncertain, or back to pending. */
export async function finishMoments(
  db: TDb,
  ids: readonly string[],
  by: string,
  data: { status: TMomentStatus; now: Date; error?: string | null; payload?: string },
): Promise<number> {
  if (ids.length === 0) return 0;
  const done = await db.moment.updateMany({
    where: { id: { in: [...ids] }, status: 'sending', claimedBy: by },
    data: {
      status: data.status,
      ...(data.status === 'sent' ? { sentAt: data.now } : {}),
      ...(data.status === 'pending' ? { claimedBy: null, claimedAt: null } : {}),
      ...(data.error !== undefined ? { error: data.error } : {}),
      ...(data.payload !== undefined ? { payload: data.payload } : {}),
    },
  });
  return done.count;
}

/** Moments left in `sending` since before `before` (their process died mid-send) become uncertain. */
export async function abandonStaleSends(db: TDb, workspaceId: string, before: Date): Promise<number> {
  const done = await db.moment.updateMany({
    where: { workspaceId, status: 'sending', claimedAt: { lt: before } },
    data: {
      status: 'uncertain',
      error: 'the process sending it stopped mid-way: it may or may not have been posted',
    },
  });
  return done.count;
}

/**
 * The deals won from live sources in a time window that have no `won:` key yet, owned by an active rep, for at
 * least `minMinor(currency)` in their own currency: at most `limit`, oldest first (the rest on the next call).
 * The key is checked in SQL (NOT EXISTS on the Moment key index), so wins already recorded are never read again.
 */
export async function unrecordedWins(
  db: TDb,
  workspaceId: string,
  sources: readonly string[],
  window: { from: Date; to: Date },
  min: { whole: number; scaleOf: (currency: string) => number },
  limit: number,
) {
  let amount = Prisma.empty;
  if (min.whole > 0) {
    // The least amount in minor units of each currency these wins are in (a handful).
    const currencies = await db.deal.groupBy({
      by: ['currency'],
      where: {
        workspaceId,
        status: 'won',
        deletedAt: null,
        source: { in: [...sources] },
        closedAt: { gte: window.from, lte: window.to },
      },
    });
    if (currencies.length === 0) return [];
    amount = Prisma.sql`AND (${Prisma.join(
      currencies.map(
        (c) =>
          Prisma.sql`(d."currency" = ${c.currency} AND d."amountMinor" >= ${BigInt(Math.ceil(min.whole * min.scaleOf(c.currency)))})`,
      ),
      ' OR ',
    )})`;
  }
  const found = await db.$queryRaw<{ id: string }[]>`SELECT d."id" FROM "Deal" d
    JOIN "Rep" r ON r."id" = d."repId" AND r."active" = TRUE
    WHERE d."workspaceId" = ${workspaceId} AND d."status" = 'won' AND d."deletedAt" IS NULL
      AND d."source" IN (${Prisma.join([...sources])})
      AND d."closedAt" >= ${window.from} AND d."closedAt" <= ${window.to} ${amount}
      AND NOT EXISTS (SELECT 1 FROM "Moment" m WHERE m."workspaceId" = d."workspaceId" AND m."key" = 'won:' || d."id")
    ORDER BY d."closedAt", d."id"
    LIMIT ${Prisma.raw(String(Math.max(0, Math.floor(limit))))}`;
  // Read in pages: a model query binds at most a few hundred values on SQLite.
  const deals = [];
  for (let i = 0; i < found.length; i += WIN_CHUNK)
    deals.push(
      ...(await db.deal.findMany({
        where: { workspaceId, id: { in: found.slice(i, i + WIN_CHUNK).map((f) => f.id) } },
        select: {
          id: true,
          repId: true,
          title: true,
          product: true,
          account: true,
          amountMinor: true,
          currency: true,
          closedAt: true,
          rep: { select: { id: true, name: true, slackUserId: true, active: true } },
        },
      })),
    );
  const order = new Map(found.map((f, i) => [f.id, i]));
  return deals.sort((a, b) => (order.get(a.id) ?? 0) - (order.get(b.id) ?? 0));
}

/** Records moments (several rows per statement) unless their keys are recorded; how many this call recorded. */
export async function insertMoments(db: TDb, rows: readonly TNewMoment[]): Promise<number> {
  let recorded = 0;
  for (let i = 0; i < rows.length; i += WIN_CHUNK) {
    const values = rows
      .slice(i, i + WIN_CHUNK)
      .map(
        (m) =>
          Prisma.sql`(${randomUUID()}, ${m.workspaceId}, ${m.kind}, ${m.key}, ${m.repId}, ${m.payload}, ${m.route}, ${m.to}, ${m.status}, ${m.detectedAt}, ${m.error ?? null})`,
      );
    recorded += await db.$executeRaw(Prisma.sql`INSERT INTO "Moment"
      ("id", "workspaceId", "kind", "key", "repId", "payload", "route", "to", "status", "detectedAt", "error")
      VALUES ${Prisma.join(values)}
      ON CONFLICT ("workspaceId", "key") DO NOTHING`);
  }
  return recorded;
}

/** Some reps of a workspace with their managers (the target rule reads whose team a rep is on). */
export function repsWithManagers(db: TDb, workspaceId: string, repIds: readonly string[]) {
  return db.rep.findMany({
    where: { workspaceId, id: { in: [...repIds] } },
    select: { id: true, managerId: true },
  });
}

/** Why an imported win's `won:` key is recorded as skipped (shown to whoever reads the ledger). */
export const IMPORTED_WIN = 'won in a CSV import: history, never celebrated';

/**
 * Records `won:<dealId>` as skipped for every deal of `source` among `externalIds` that is won now (read inside
 * the caller's transaction, so after its writes): a CSV import's wins are history whatever source name the
 * file was imported under, and a webhook re-sending such a deal later finds its key taken. Keys already
 * recorded (a live win detected, celebrated or not) are left as they are. Run in the import's own transaction,
 * the deals and their keys commit together: the minute task never sees an imported win without its key. One
 * read and one multi-row INSERT per 500 deals. Returns how many keys this call recorded.
 */
export async function recordImportedWins(
  tx: TTx,
  workspaceId: string,
  source: string,
  externalIds: readonly string[],
  now: Date,
): Promise<number> {
  const ids = [...new Set(externalIds)];
  let recorded = 0;
  for (let i = 0; i < ids.length; i += WIN_CHUNK) {
    // Won is picked here, not in the query: with `status` in it SQLite (no statistics until ANALYZE) reads every
    // won deal of the workspace on the (workspace, status, closedAt, …) index for each chunk, a cost that grew
    // with the history and with the import itself, instead of seeking the chunk's ids on the unique key.
    const won = (
      await tx.deal.findMany({
        where: { workspaceId, source, externalId: { in: ids.slice(i, i + WIN_CHUNK) } },
        select: { id: true, repId: true, status: true },
      })
    ).filter((d) => d.status === 'won');
    if (won.length === 0) continue;
    const values = won.map(
      (d) =>
        Prisma.sql`(${randomUUID()}, ${workspaceId}, 'celebration', ${`won:${d.id}`}, ${d.repId},
          ${JSON.stringify({ dealId: d.id, imported: true })}, 'channel', NULL, 'skipped', ${now}, ${IMPORTED_WIN})`,
    );
    recorded += await tx.$executeRaw(Prisma.sql`INSERT INTO "Moment"
      ("id", "workspaceId", "kind", "key", "repId", "payload", "route", "to", "status", "detectedAt", "error")
      VALUES ${Prisma.join(values)}
      ON CONFLICT ("workspaceId", "key") DO NOTHING`);
  }
  return recorded;
}

/** Pending moments of one destination: the channel's, or one rep's DMs. */
export type TPendingGroup = {
  route: 'channel' | 'dm';
  repId: string | null;
  count: number;
  oldest: Date;
  newest: Date;
};

/**
 * What is pending, summed in the database (no row is read): the channel's moments as one group and the DM
 * moments per rep, at most `maxDmGroups` reps (those waiting longest; the rest next minute).
 */
export async function pendingGroups(
  db: TDb,
  workspaceId: string,
  maxDmGroups: number,
): Promise<TPendingGroup[]> {
  const [channel, dms] = await Promise.all([
    db.moment.aggregate({
      where: { workspaceId, status: 'pending', route: 'channel' },
      _count: { _all: true },
      _min: { detectedAt: true },
      _max: { detectedAt: true },
    }),
    db.moment.groupBy({
      by: ['repId'],
      where: { workspaceId, status: 'pending', route: 'dm' },
      _count: { _all: true },
      _min: { detectedAt: true },
      _max: { detectedAt: true },
      orderBy: [{ _min: { detectedAt: 'asc' } }, { repId: 'asc' }],
      take: maxDmGroups,
    }),
  ]);
  const out: TPendingGroup[] = [];
  if (channel._count._all > 0 && channel._min.detectedAt && channel._max.detectedAt)
    out.push({
      route: 'channel',
      repId: null,
      count: channel._count._all,
      oldest: channel._min.detectedAt,
      newest: channel._max.detectedAt,
    });
  for (const g of dms)
    if (g._min.detectedAt && g._max.detectedAt)
      out.push({
        route: 'dm',
        repId: g.repId,
        count: g._count._all,
        oldest: g._min.detectedAt,
        newest: g._max.detectedAt,
      });
  return out;
}

/**
 * Claims at most `limit` of a group's pending moments, oldest first (pending → sending, `claim` naming this
 * process and send): one UPDATE whatever the count, the status checked again on the row, so of two processes
 * claiming at once each row goes to one. Returns how many this call claimed.
 */
export function claimGroup(
  db: TDb,
  workspaceId: string,
  group: Pick<TPendingGroup, 'route' | 'repId'>,
  claim: string,
  now: Date,
  limit: number,
): Promise<number> {
  const rep =
    group.route === 'channel'
      ? Prisma.empty
      : group.repId === null
        ? Prisma.sql`AND "repId" IS NULL`
        : Prisma.sql`AND "repId" = ${group.repId}`;
  return db.$executeRaw`UPDATE "Moment" SET "status" = 'sending', "claimedBy" = ${claim}, "claimedAt" = ${now}
    WHERE "status" = 'pending' AND "id" IN (
      SELECT "id" FROM "Moment"
      WHERE "workspaceId" = ${workspaceId} AND "status" = 'pending' AND "route" = ${group.route} ${rep}
      ORDER BY "detectedAt", "key"
      LIMIT ${Prisma.raw(String(Math.max(0, Math.floor(limit))))})`;
}

/** The first `take` rows of a claim, oldest first. */
export function claimedRows(db: TDb, workspaceId: string, claim: string, take: number) {
  return db.moment.findMany({
    where: { workspaceId, status: 'sending', claimedBy: claim },
    orderBy: [{ detectedAt: 'asc' }, { key: 'asc' }],
    take,
  });
}

/** How many rows of a claim are still being sent, by kind. */
export async function claimedCounts(
  db: TDb,
  workspaceId: string,
  claim: string,
): Promise<{ celebration: number; milestone: number }> {
  const rows = await db.moment.groupBy({
    by: ['kind'],
    where: { workspaceId, status: 'sending', claimedBy: claim },
    _count: { _all: true },
  });
  const of = (kind: string) => rows.find((r) => r.kind === kind)?._count._all ?? 0;
  return { celebration: of('celebration'), milestone: of('milestone') };
}

/** Ends every row of a claim still being sent (sent, uncertain, failed, skipped), whatever its size. */
export async function finishClaim(
  db: TDb,
  workspaceId: string,
  claim: string,
  data: { status: Exclude<TMomentStatus, 'pending' | 'sending'>; now: Date; error: string | null },
): Promise<number> {
  const done = await db.moment.updateMany({
    where: { workspaceId, status: 'sending', claimedBy: claim },
    data: { status: data.status, error: data.error, ...(data.status === 'sent' ? { sentAt: data.now } : {}) },
  });
  return done.count;
}

/** Rows of a claim still being sent, a page at a time (a refused message's rows, to count their attempts). */
export function claimedPage(db: TDb, workspaceId: string, claim: string, take: number) {
  return db.moment.findMany({
    where: { workspaceId, status: 'sending', claimedBy: claim },
    orderBy: { id: 'asc' },
    take,
    select: { id: true, payload: true },
  });
}

/** Pending moments of a route that can no longer go anywhere (celebrations turned off) become skipped. */
export async function skipPendingRoute(
  db: TDb,
  workspaceId: string,
  route: 'channel' | 'dm',
  why: string,
): Promise<number> {
  const done = await db.moment.updateMany({
    where: { workspaceId, status: 'pending', route },
    data: { status: 'skipped', error: why },
  });
  return done.count;
}

/**
 * Pending 100% milestones bound for the channel go to their reps by DM instead (celebrations were turned off before
 * they went out): the DM resolves the rep, their Slack id and preference when it is sent. Returns how many.
 */
export async function channelMilestonesToDm(db: TDb, workspaceId: string): Promise<number> {
  const moved = await db.moment.updateMany({
    where: { workspaceId, status: 'pending', route: 'channel', kind: 'milestone' },
    data: { route: 'dm' },
  });
  return moved.count;
}

/** The reps as they are now (name, Slack id, active), for moments resolved at send time. */
export function repsNow(db: TDb, workspaceId: string, repIds: readonly string[]) {
  if (repIds.length === 0) return Promise.resolve([]);
  return db.rep.findMany({
    where: { workspaceId, id: { in: [...repIds] } },
    select: { id: true, name: true, slackUserId: true, active: true },
  });
}

/**
 * A refused claim's rows back to pending with one attempt more, or failed at `maxAttempts`: one UPDATE per attempt
 * count whatever the claim's size (the count is the payload's last field, `"attempts":N}`, rewritten in place).
 * Rows whose payload does not end so are left in `sending` for the caller. Returns how many became pending and
 * how many failed.
 */
export async function requeueClaim(
  db: TDb,
  workspaceId: string,
  claim: string,
  error: string,
  maxAttempts: number,
): Promise<{ pending: number; failed: number }> {
  const out = { pending: 0, failed: 0 };
  for (let k = 0; k < maxAttempts; k++) {
    const failed = k + 1 >= maxAttempts;
    const from = `"attempts":${k}}`;
    const to = `"attempts":${k + 1}}`;
    // Back to pending: unclaimed. Failed: the claim is kept (who last tried).
    const release = failed ? Prisma.empty : Prisma.sql`, "claimedBy" = NULL, "claimedAt" = NULL`;
    const n = await db.$executeRaw`UPDATE "Moment"
      SET "status" = ${failed ? 'failed' : 'pending'}, "error" = ${error},
        "payload" = REPLACE("payload", ${from}, ${to}) ${release}
      WHERE "workspaceId" = ${workspaceId} AND "status" = 'sending' AND "claimedBy" = ${claim}
        AND "payload" LIKE ${`%${from}`}`;
    if (failed) out.failed += n;
    else out.pending += n;
  }
  return out;
}
