import { randomUUID } from 'node:crypto';
import type { TDb } from '../store/store.js';

/**
 * The job ledger: one JobRun row per (job, workspace, slot). A run begins by inserting its row; the unique key
 * lets exactly one process win, on SQLite and PostgreSQL alike, with no coordinator of our own.
 *
 * Statuses: claimed (working, nothing sent yet) → sending (a Slack post is under way) → done | failed;
 * skipped (missed while the bot was down, too old to run); uncertain (killed or cut off while sending: it may
 * or may not have posted, so it is reported to admins rather than posted again).
 */
export type TJobStatus = 'claimed' | 'sending' | 'done' | 'failed' | 'skipped' | 'uncertain';

/** A claim older than this, still `claimed`, belonged to a process that died: another may take it over. */
export const STALE_CLAIM_MS = 10 * 60_000;

export type TRunRow = {
  id: string;
  job: string;
  workspaceId: string;
  slot: Date;
  status: string;
  claimedBy: string | null;
  claimedAt: Date;
  finishedAt: Date | null;
  result: string | null;
  error: string | null;
};

/** Inserts the run's row; true when this process won it. */
export async function claimSlot(
  db: TDb,
  run: { job: string; workspaceId: string; slot: Date; by: string; now: Date; status?: TJobStatus },
): Promise<boolean> {
  const status = run.status ?? 'claimed';
  const inserted =
    await db.$executeRaw`INSERT INTO "JobRun" ("id", "job", "workspaceId", "slot", "status", "claimedBy", "claimedAt")
    VALUES (${randomUUID()}, ${run.job}, ${run.workspaceId}, ${run.slot}, ${status}, ${run.by}, ${run.now})
    ON CONFLICT ("job", "workspaceId", "slot") DO NOTHING`;
  return inserted === 1;
}

export function findRun(db: TDb, job: string, workspaceId: string, slot: Date): Promise<TRunRow | null> {
  return db.jobRun.findUnique({ where: { job_workspaceId_slot: { job, workspaceId, slot } } });
}

/**
 * Takes a run over for another go: a stale `claimed` row (its process died before sending anything), or any
 * finished row when forced. Conditional on the status read, so two processes cannot both take it.
 */
export async function retakeRun(
  db: TDb,
  row: TRunRow,
  by: string,
  now: Date,
  opts: { force?: boolean } = {},
): Promise<boolean> {
  const stale = row.status === 'claimed' && now.getTime() - row.claimedAt.getTime() > STALE_CLAIM_MS;
  if (!stale && !opts.force) return false;
  if (opts.force && (row.status === 'claimed' || row.status === 'sending') && !stale) return false;
  const taken = await db.jobRun.updateMany({
    where: { id: row.id, status: row.status, claimedAt: row.claimedAt },
    data: { status: 'claimed', claimedBy: by, claimedAt: now, finishedAt: null, error: null },
  });
  return taken.count === 1;
}

export async function markRun(
  db: TDb,
  id: string,
  status: TJobStatus,
  data: { result?: unknown; error?: string | null; now: Date },
): Promise<void> {
  const finished = status === 'claimed' || status === 'sending' ? null : data.now;
  await db.jobRun.update({
    where: { id },
    data: {
      status,
      finishedAt: finished,
      ...(data.result !== undefined ? { result: JSON.stringify(data.result) } : {}),
      ...(data.error !== undefined ? { error: data.error } : {}),
    },
  });
}

/** The latest slot recorded for a job in a workspace (any status), to know how far back to look after downtime. */
export async function latestSlot(db: TDb, job: string, workspaceId: string): Promise<Date | null> {
  const row = await db.jobRun.findFirst({
    where: { job, workspaceId },
    orderBy: { slot: 'desc' },
    select: { slot: true },
  });
  return row?.slot ?? null;
}

/** Runs stuck in `sending` past the stale time: their process died mid-post. */
export function stuckSending(db: TDb, now: Date) {
  return db.jobRun.findMany({
    where: { status: 'sending', claimedAt: { lt: new Date(now.getTime() - STALE_CLAIM_MS) } },
  });
}
