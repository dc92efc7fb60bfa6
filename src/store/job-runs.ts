import { randomUUID } from 'node:crypto';
import type { TDb } from './types.js';

/**
 * The job ledger's rows (JobRun): one per (job, workspace, slot); the unique key lets exactly one process win a
 * slot. The policy (which status may be taken over, when a claim is stale) is jobs/ledger.ts's; these are its
 * reads and writes. The sweeps over stale and held runs span every workspace on purpose (one scheduler serves
 * them all); every other query names its workspace or the row it changes.
 */

/** Inserts a run's row; true when this process won the slot. */
export async function insertRun(
  db: TDb,
  run: { job: string; workspaceId: string; slot: Date; status: string; by: string; now: Date },
): Promise<boolean> {
  const inserted =
    await db.$executeRaw`INSERT INTO "JobRun" ("id", "job", "workspaceId", "slot", "status", "claimedBy", "claimedAt")
    VALUES (${randomUUID()}, ${run.job}, ${run.workspaceId}, ${run.slot}, ${run.status}, ${run.by}, ${run.now})
    ON CONFLICT ("job", "workspaceId", "slot") DO NOTHING`;
  return inserted === 1;
}

/** The run of a job in a workspace for a slot, or null. */
export function runOfSlot(db: TDb, job: string, workspaceId: string, slot: Date) {
  return db.jobRun.findUnique({ where: { job_workspaceId_slot: { job, workspaceId, slot } } });
}

/**
 * Changes a run only if it is still as read (its status, and its claim time when given): true when this process
 * changed it, false when another got there first.
 */
export async function changeRunIfUnchanged(
  db: TDb,
  row: { id: string; status: string; claimedAt?: Date },
  data: {
    status: string;
    claimedBy?: string;
    claimedAt?: Date;
    finishedAt: Date | null;
    error: string | null;
  },
): Promise<boolean> {
  const changed = await db.jobRun.updateMany({
    where: {
      id: row.id,
      status: row.status,
      ...(row.claimedAt !== undefined ? { claimedAt: row.claimedAt } : {}),
    },
    data,
  });
  return changed.count === 1;
}

/** Changes a run held by a process (`by`); false when the claim was lost to another process. */
export async function changeClaimedRun(
  db: TDb,
  id: string,
  by: string,
  data: { status: string; finishedAt: Date | null; claimedAt?: Date; result?: string; error?: string | null },
): Promise<boolean> {
  const done = await db.jobRun.updateMany({ where: { id, claimedBy: by }, data });
  return done.count === 1;
}

/** Refreshes the claim of a run still being worked on (claimed or sending) by a process. */
export async function refreshClaim(db: TDb, id: string, by: string, now: Date): Promise<void> {
  await db.jobRun.updateMany({
    where: { id, claimedBy: by, status: { in: ['claimed', 'sending'] } },
    data: { claimedAt: now },
  });
}

/** The latest slot recorded for a job in a workspace (any status), or null. */
export async function latestSlotOf(db: TDb, job: string, workspaceId: string): Promise<Date | null> {
  const row = await db.jobRun.findFirst({
    where: { job, workspaceId },
    orderBy: { slot: 'desc' },
    select: { slot: true },
  });
  return row?.slot ?? null;
}

/** The run of a job in a workspace with the latest slot, or null. */
export function latestRunOf(db: TDb, job: string, workspaceId: string) {
  return db.jobRun.findFirst({ where: { job, workspaceId }, orderBy: { slot: 'desc' } });
}

/** Every workspace's runs in a status whose claim is older than an instant. */
export function runsClaimedBefore(db: TDb, status: string, before: Date) {
  return db.jobRun.findMany({ where: { status, claimedAt: { lt: before } } });
}

/** Every workspace's runs in a status. */
export function runsInStatus(db: TDb, status: string) {
  return db.jobRun.findMany({ where: { status } });
}
