import type { TDb } from './types.js';

/** The inbox at a glance, every workspace together (what GET /metrics shows). */
export type TInboxStats = {
  /** Stored, not applied, no failure recorded: new events, due now or soon. */
  pending: number;
  /** Failed at least once and due to be tried again (a later attempt is scheduled). */
  retrying: number;
  /** Failed on every attempt: given up until someone retries them (`kpi inbox retry`). */
  failed: number;
  /** Waiting for a CRM owner to be linked to a rep. */
  waiting: number;
  /** When the oldest pending event the worker could take now was received; null when there is none. */
  oldestDueReceivedAt: Date | null;
};

type TRow = {
  pending: unknown;
  retrying: unknown;
  failed: unknown;
  waiting: unknown;
  oldest: unknown;
};

/** SUM and MIN come back as bigint, number, string or Date depending on the provider and driver. */
function count(value: unknown): number {
  return value === null || value === undefined ? 0 : Number(value);
}

function instant(value: unknown): Date | null {
  if (value === null || value === undefined) return null;
  const date = value instanceof Date ? value : new Date(value as string | number);
  return Number.isNaN(date.getTime()) ? null : date;
}

/**
 * Counts the unapplied inbox events by state and finds the oldest pending one that is due at `now`, in one
 * query over the unapplied rows only (the `appliedAt` index), so a scrape costs about as much as one count
 * however many events were ever applied. Every workspace's rows, on purpose: one worker applies them all.
 * A row without a workspace is never taken by the worker, so it does not count as due.
 *
 * @example
 * const { pending, oldestDueReceivedAt } = await inboxStats(db, new Date());
 */
export async function inboxStats(db: TDb, now: Date): Promise<TInboxStats> {
  const rows = await db.$queryRaw<TRow[]>`SELECT
      SUM(CASE WHEN "error" IS NULL THEN 1 ELSE 0 END) AS "pending",
      SUM(CASE WHEN "error" IS NOT NULL AND "waitingFor" IS NULL AND "nextAttemptAt" IS NOT NULL THEN 1 ELSE 0 END) AS "retrying",
      SUM(CASE WHEN "error" IS NOT NULL AND "waitingFor" IS NULL AND "nextAttemptAt" IS NULL THEN 1 ELSE 0 END) AS "failed",
      SUM(CASE WHEN "waitingFor" IS NOT NULL THEN 1 ELSE 0 END) AS "waiting",
      MIN(CASE WHEN "error" IS NULL AND "workspaceId" IS NOT NULL AND "nextAttemptAt" <= ${now} THEN "receivedAt" END) AS "oldest"
    FROM "InboxEvent" WHERE "appliedAt" IS NULL`;
  const row = rows[0];
  return {
    pending: count(row?.pending),
    retrying: count(row?.retrying),
    failed: count(row?.failed),
    waiting: count(row?.waiting),
    oldestDueReceivedAt: instant(row?.oldest),
  };
}
