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

/** Which of these keys the workspace has recorded already (any status). */
export async function recordedKeys(
  db: TDb,
  workspaceId: string,
  keys: readonly string[],
): Promise<Set<string>> {
  if (keys.length === 0) return new Set();
  const rows = await db.moment.findMany({
    where: { workspaceId, key: { in: [...keys] } },
    select: { key: true },
  });
  return new Set(rows.map((r) => r.key));
}

/** Keys of the workspace's milestones detected since an instant (the current period's start). */
export async function milestoneKeysSince(db: TDb, workspaceId: string, since: Date): Promise<Set<string>> {
  const rows = await db.moment.findMany({
    where: { workspaceId, kind: 'milestone', detectedAt: { gte: since } },
    select: { key: true },
  });
  return new Set(rows.map((r) => r.key));
}

/** The workspace's pending moments, oldest first. */
export function pendingMoments(db: TDb, workspaceId: string) {
  return db.moment.findMany({
    where: { workspaceId, status: 'pending' },
    orderBy: [{ detectedAt: 'asc' }, { key: 'asc' }],
  });
}

/**
 * Claims pending moments for sending (pending → sending, naming the process): only rows still pending change,
 * so of two processes claiming the same rows each row goes to one. Returns the ids this call claimed.
 */
export async function claimMoments(
  db: TDb,
  workspaceId: string,
  ids: readonly string[],
  by: string,
  now: Date,
): Promise<string[]> {
  if (ids.length === 0) return [];
  await db.moment.updateMany({
    where: { workspaceId, id: { in: [...ids] }, status: 'pending' },
    data: { status: 'sending', claimedBy: by, claimedAt: now },
  });
  const mine = await db.moment.findMany({
    where: { workspaceId, id: { in: [...ids] }, status: 'sending', claimedBy: by },
    select: { id: true },
  });
  return mine.map((r) => r.id);
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

/** Pending moments that can no longer go anywhere (celebrations turned off) are recorded as skipped. */
export async function skipPending(
  db: TDb,
  workspaceId: string,
  ids: readonly string[],
  why: string,
): Promise<number> {
  if (ids.length === 0) return 0;
  const done = await db.moment.updateMany({
    where: { workspaceId, id: { in: [...ids] }, status: 'pending' },
    data: { status: 'skipped', error: why },
  });
  return done.count;
}

/** The deals won from live sources in a time window that a celebration may be about (amount checked by the caller). */
export function recentWins(
  db: TDb,
  workspaceId: string,
  sources: readonly string[],
  window: { from: Date; to: Date },
) {
  return db.deal.findMany({
    where: {
      workspaceId,
      status: 'won',
      deletedAt: null,
      repId: { not: null },
      source: { in: [...sources] },
      closedAt: { gte: window.from, lte: window.to },
    },
    select: {
      id: true,
      repId: true,
      title: true,
      amountMinor: true,
      currency: true,
      closedAt: true,
      source: true,
      rep: { select: { id: true, name: true, slackUserId: true, managerId: true, active: true } },
    },
    orderBy: [{ closedAt: 'asc' }, { id: 'asc' }],
  });
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

const WIN_CHUNK = 500;

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
    const won = await tx.deal.findMany({
      where: { workspaceId, source, externalId: { in: ids.slice(i, i + WIN_CHUNK) }, status: 'won' },
      select: { id: true, repId: true },
    });
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
