import { randomUUID } from 'node:crypto';
import { Prisma } from '../generated/sqlite/client.js';
import type { InboxEvent, TDb, TTx } from './types.js';

/**
 * The durable inbox's rows (InboxEvent). Events are stored per workspace (each row carries its workspaceId);
 * the worker's queries (due events, retries, the failure list without a workspace) span every workspace on
 * purpose: one worker applies all of them, each with its own workspace's settings.
 */

/**
 * A row id that sorts by its place in the insert: the worker applies events received at the same instant in id
 * order, so a request's events are applied in the order they were stored (the order they happened).
 */
function rowId(position: number): string {
  return `${position.toString().padStart(8, '0')}-${randomUUID()}`;
}

/** An event to store: its dedupe key and its raw payload as JSON text. */
export type TNewInboxEvent = {
  workspaceId: string;
  source: string;
  dedupeKey: string;
  eventType: string;
  payload: string;
  receivedAt: Date;
};

/**
 * Stores events in one transaction, one INSERT each; a duplicate dedupe key is dropped (ON CONFLICT DO
 * NOTHING). Returns how many were new.
 */
export async function insertInboxEvents(db: TDb, rows: TNewInboxEvent[]): Promise<number> {
  const statements = rows.map(
    (
      r,
      i,
    ) => db.$executeRaw`INSERT INTO "InboxEvent" ("id", "workspaceId", "source", "dedupeKey", "eventType", "payload", "receivedAt", "attempts", "nextAttemptAt")
      VALUES (${rowId(i)}, ${r.workspaceId}, ${r.source}, ${r.dedupeKey}, ${r.eventType}, ${r.payload}, ${r.receivedAt}, 0, ${r.receivedAt})
      ON CONFLICT ("dedupeKey") DO NOTHING`,
  );
  const counts = await db.$transaction(statements);
  return counts.reduce((a, b) => a + b, 0);
}

/**
 * Stores events in one transaction, with one multi-row `INSERT … ON CONFLICT DO NOTHING RETURNING` per
 * `groupRows` rows. Returns the dedupe keys that were new.
 */
export async function insertInboxEventGroups(
  db: TDb,
  rows: TNewInboxEvent[],
  groupRows: number,
): Promise<string[]> {
  const statements = [];
  for (let i = 0; i < rows.length; i += groupRows) {
    const values = rows
      .slice(i, i + groupRows)
      .map(
        (r, j) =>
          Prisma.sql`(${rowId(i + j)}, ${r.workspaceId}, ${r.source}, ${r.dedupeKey}, ${r.eventType}, ${r.payload}, ${r.receivedAt}, 0, ${r.receivedAt})`,
      );
    statements.push(
      db.$queryRaw<
        { dedupeKey: string }[]
      >(Prisma.sql`INSERT INTO "InboxEvent" ("id", "workspaceId", "source", "dedupeKey", "eventType", "payload", "receivedAt", "attempts", "nextAttemptAt")
              VALUES ${Prisma.join(values)}
              ON CONFLICT ("dedupeKey") DO NOTHING RETURNING "dedupeKey"`),
    );
  }
  const results = await db.$transaction(statements);
  return results.flatMap((list) => list.map((r) => r.dedupeKey));
}

/** The stored event of a dedupe key (it must exist). */
export function inboxEventByKey(db: TDb, dedupeKey: string) {
  return db.inboxEvent.findUniqueOrThrow({ where: { dedupeKey } });
}

/** Whether a client talks to PostgreSQL (row locks with SKIP LOCKED, advisory locks) rather than SQLite. */
export function onPostgres(db: TDb | TTx): boolean {
  return (db as unknown as { _activeProvider?: string })._activeProvider === 'postgresql';
}

/**
 * Claims up to `take` due events (oldest first) inside the transaction that applies them: marks them applied
 * and returns them. On PostgreSQL the rows are picked with `FOR UPDATE SKIP LOCKED`, so workers in several
 * processes each take other rows and never wait for one another. On SQLite the transaction first takes the
 * write lock (a write that changes nothing), so another process applying at the same time (`kpi inbox retry`,
 * `kpi link`) waits for it instead of failing on a claim it read before the other's commit. `skip` (SQLite only:
 * rows found taken in this pass) is left out.
 */
export async function claimInboxBatch(
  tx: TTx,
  now: Date,
  skip: Iterable<string>,
  take: number,
): Promise<InboxEvent[]> {
  let ids: string[];
  if (onPostgres(tx)) {
    const rows = await tx.$queryRaw<{ id: string }[]>(
      Prisma.sql`SELECT "id" FROM "InboxEvent"
        WHERE "appliedAt" IS NULL AND "workspaceId" IS NOT NULL AND "nextAttemptAt" <= ${now}
        ORDER BY "receivedAt", "id" LIMIT ${take} FOR UPDATE SKIP LOCKED`,
    );
    ids = rows.map((r) => r.id);
  } else {
    await tx.$executeRawUnsafe('UPDATE "InboxEvent" SET "attempts" = "attempts" WHERE 0');
    const rows = await tx.inboxEvent.findMany({
      where: {
        appliedAt: null,
        workspaceId: { not: null },
        nextAttemptAt: { lte: now },
        id: { notIn: [...skip].slice(0, 10_000) },
      },
      orderBy: [{ receivedAt: 'asc' }, { id: 'asc' }],
      take,
      select: { id: true },
    });
    ids = rows.map((r) => r.id);
  }
  if (ids.length === 0) return [];
  const claimed = await tx.inboxEvent.updateMany({
    where: { id: { in: ids }, appliedAt: null },
    data: { appliedAt: now },
  });
  if (claimed.count !== ids.length) throw new Error('another worker claimed events of this batch first');
  return tx.inboxEvent.findMany({
    where: { id: { in: ids } },
    orderBy: [{ receivedAt: 'asc' }, { id: 'asc' }],
  });
}

/**
 * Whether any event is due (outside a transaction): the worker opens a batch only then, so a poll with nothing to
 * do takes no lock (on SQLite the write lock would make every query of the process wait for another writer).
 */
export async function anyDueInboxEvent(db: TDb, now: Date): Promise<boolean> {
  const row = await db.inboxEvent.findFirst({
    where: { appliedAt: null, workspaceId: { not: null }, nextAttemptAt: { lte: now } },
    select: { id: true },
  });
  return row !== null;
}

/** Gives claimed events of a batch back (not applied in it: due again, as they were). */
export async function releaseInboxClaims(tx: TTx, ids: string[]): Promise<void> {
  if (ids.length) await tx.inboxEvent.updateMany({ where: { id: { in: ids } }, data: { appliedAt: null } });
}

/** Clears the failure left on events a batch has applied (an earlier attempt's error, the owner waited for). */
export async function clearInboxFailures(tx: TTx, ids: string[]): Promise<void> {
  if (ids.length === 0) return;
  await tx.inboxEvent.updateMany({
    where: { id: { in: ids }, OR: [{ error: { not: null } }, { waitingFor: { not: null } }] },
    data: { error: null, waitingFor: null },
  });
}

/**
 * Takes transaction-scoped advisory locks on PostgreSQL, in one fixed order (sorted keys), so two workers never
 * apply events about the same thing (a deal, an activity …) at once: the second waits for the first to commit
 * and then reads what it wrote. Nothing on SQLite, where one transaction writes at a time.
 */
export async function lockApplyKeys(tx: TTx, keys: string[]): Promise<void> {
  if (keys.length === 0 || !onPostgres(tx)) return;
  const sorted = [...new Set(keys)].sort();
  await tx.$queryRaw(
    Prisma.sql`SELECT count(*)::int AS "n" FROM (SELECT pg_advisory_xact_lock(hashtextextended(k, 0)) FROM unnest(${sorted}::text[]) AS k) AS locked`,
  );
}

/**
 * Claims an event inside the transaction that applies it: marks it applied unless it already was. False when
 * another process claimed it first.
 */
export async function claimInboxEvent(tx: TTx, id: string, now: Date): Promise<boolean> {
  const claimed = await tx.inboxEvent.updateMany({
    where: { id, appliedAt: null },
    data: { appliedAt: now, error: null, waitingFor: null },
  });
  return claimed.count > 0;
}

/** Records a failed attempt on an event: the error, the owner it waits for, and when to try again. */
export async function recordInboxFailure(
  db: TDb,
  id: string,
  failure: { attempts: number; error: string; waitingFor: string | null; nextAttemptAt: Date | null },
): Promise<void> {
  await db.inboxEvent.update({ where: { id }, data: failure });
}

/** Failed or waiting events, newest first: of one workspace, or of every workspace when none is given. */
export function inboxProblems(db: TDb, workspaceId: string | undefined, take: number) {
  return db.inboxEvent.findMany({
    where: { appliedAt: null, error: { not: null }, ...(workspaceId ? { workspaceId } : {}) },
    orderBy: { receivedAt: 'desc' },
    take,
    select: {
      id: true,
      source: true,
      dedupeKey: true,
      eventType: true,
      receivedAt: true,
      attempts: true,
      error: true,
      waitingFor: true,
      nextAttemptAt: true,
    },
  });
}

/** How many events (of every workspace) wait to be applied with no failure recorded. */
export function pendingInboxCount(db: TDb): Promise<number> {
  return db.inboxEvent.count({ where: { appliedAt: null, error: null } });
}

/** Makes every failed or waiting event (of every workspace) due again at `now`, its attempts reset. */
export async function retryFailedInboxEvents(db: TDb, now: Date): Promise<number> {
  const r = await db.inboxEvent.updateMany({
    where: { appliedAt: null, error: { not: null } },
    data: { nextAttemptAt: now, attempts: 0, waitingFor: null },
  });
  return r.count;
}

/** Makes the workspace's events waiting for an owner key due at `now` (the owner was just linked). */
export async function wakeEventsWaitingFor(
  tx: TTx,
  workspaceId: string,
  ownerKey: string,
  now: Date,
): Promise<void> {
  await tx.inboxEvent.updateMany({
    where: { workspaceId, appliedAt: null, waitingFor: ownerKey },
    data: { waitingFor: null, nextAttemptAt: now, error: null },
  });
}
