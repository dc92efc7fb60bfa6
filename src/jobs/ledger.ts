import {
  changeClaimedRun,
  changeRunIfUnchanged,
  insertRun,
  latestSlotOf,
  refreshClaim,
  runOfSlot,
  runsClaimedBefore,
  runsInStatus,
} from '../store/job-runs.js';
import type { TDb } from '../store/store.js';

/**
 * The job ledger: one JobRun row per (job, workspace, slot). A run begins by inserting its row; the unique key
 * lets exactly one process win, on SQLite and PostgreSQL alike, with no coordinator of our own.
 *
 * Statuses: claimed (working, nothing sent yet) → sending (a Slack post is under way) → done | failed;
 * skipped (missed while the bot was down, too old to run); uncertain (killed or cut off while sending: it may
 * or may not have posted, so it is reported to admins rather than posted again); held (nothing sent because of
 * quiet hours: run again when they end).
 */
export type TJobStatus = 'claimed' | 'sending' | 'done' | 'failed' | 'skipped' | 'uncertain' | 'held';

/** A claim not refreshed for this long belonged to a process that died: another may take it over. */
export const STALE_CLAIM_MS = 10 * 60_000;
/**
 * Rows a process claimed for sending (moments, queued digest alerts) and left there this long belonged to a
 * process that died mid-send: they become uncertain (maybe sent, never sent again). Claims are stamped with the
 * tick's or the run's time, not refreshed while a long tick or run goes on, so this is far longer than any of
 * them can last (a tick over every workspace, a coaching run waiting out Slack's rate limits): a live sender's
 * rows are never taken for a dead one's. Nothing is re-sent either way; the age only decides when a dead
 * process's rows say so.
 */
export const SEND_CLAIM_STALE_MS = 60 * 60_000;

/** How often a working run refreshes its claim. */
export const HEARTBEAT_MS = 60_000;

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
  return insertRun(db, { ...run, status: run.status ?? 'claimed' });
}

export function findRun(db: TDb, job: string, workspaceId: string, slot: Date): Promise<TRunRow | null> {
  return runOfSlot(db, job, workspaceId, slot);
}

/**
 * Takes a run over for another go, conditional on the row as read (so two processes cannot both take it): a
 * stale `claimed` row (its process died before sending anything), a `held` one when `held` is asked for (quiet
 * hours are over), or any finished row when forced.
 */
export async function retakeRun(
  db: TDb,
  row: TRunRow,
  by: string,
  now: Date,
  opts: { force?: boolean; held?: boolean } = {},
): Promise<boolean> {
  const stale = row.status === 'claimed' && now.getTime() - row.claimedAt.getTime() > STALE_CLAIM_MS;
  const inProgress = row.status === 'claimed' || row.status === 'sending';
  const allowed = stale || (opts.held && row.status === 'held') || (opts.force && !inProgress);
  if (!allowed) return false;
  return changeRunIfUnchanged(db, row, {
    status: 'claimed',
    claimedBy: by,
    claimedAt: now,
    finishedAt: null,
    error: null,
  });
}

/**
 * Records a run's progress or end, fenced by the claim: only the process holding it (`by`) may write. False when
 * the claim was lost (another process took the run over), and the caller must stop.
 */
export async function markRun(
  db: TDb,
  id: string,
  by: string,
  status: TJobStatus,
  data: { result?: unknown; error?: string | null; now: Date },
): Promise<boolean> {
  const finished = status === 'claimed' || status === 'sending' ? null : data.now;
  return changeClaimedRun(db, id, by, {
    status,
    finishedAt: finished,
    // A run in progress keeps its claim fresh.
    ...(status === 'claimed' || status === 'sending' ? { claimedAt: data.now } : {}),
    ...(data.result !== undefined ? { result: JSON.stringify(data.result) } : {}),
    ...(data.error !== undefined ? { error: data.error } : {}),
  });
}

/** Keeps a working run's claim fresh, so it is never taken for a dead one. */
export async function heartbeat(db: TDb, id: string, by: string, now: Date): Promise<void> {
  await refreshClaim(db, id, by, now);
}

/** The latest slot recorded for a job in a workspace (any status), to know how far back to look after downtime. */
export async function latestSlot(db: TDb, job: string, workspaceId: string): Promise<Date | null> {
  return latestSlotOf(db, job, workspaceId);
}

/** Runs whose claim went stale in a status: their process died (claimed: before sending; sending: mid-way). */
export function staleRuns(db: TDb, status: 'claimed' | 'sending', now: Date) {
  return runsClaimedBefore(db, status, new Date(now.getTime() - STALE_CLAIM_MS));
}

/** Runs held for quiet hours. */
export function heldRuns(db: TDb) {
  return runsInStatus(db, 'held');
}
