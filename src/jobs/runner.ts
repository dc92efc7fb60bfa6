import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { schedule as cronSchedule, type ScheduledTask } from 'node-cron';
import { systemClock, type TClock } from '../clock.js';
import { parseWorkspaceSettings } from '../domain/settings.js';
import type { TLogger } from '../logger.js';
import { changeRunIfUnchanged } from '../store/job-runs.js';
import type { TDb } from '../store/store.js';
import type { Workspace } from '../store/types.js';
import { allWorkspaces } from '../store/workspaces.js';
import { coachingAlertsJob, workspaceAdmins } from './coaching-job.js';
import { leaderboardJob } from './leaderboard-job.js';
import {
  claimSlot,
  findRun,
  HEARTBEAT_MS,
  heartbeat,
  heldRuns,
  latestSlot,
  markRun,
  retakeRun,
  staleRuns,
  type TJobStatus,
  type TRunRow,
} from './ledger.js';
import { MINUTE_TASKS } from './minute-tasks.js';
import { SendError, type TOutbox } from './outbox.js';
import { isJobSchedule, slotsBetween } from './schedule.js';
import { stalledDealsJob } from './stalled-job.js';
import type { TJob, TJobResult } from './types.js';

export const JOBS: Record<TJob['name'], TJob> = {
  leaderboard: leaderboardJob,
  'coaching-alerts': coachingAlertsJob,
  'stalled-deals': stalledDealsJob,
};
export const JOB_NAMES = Object.keys(JOBS) as TJob['name'][];

/** How far back the ledger is filled with "skipped" rows for slots missed long ago. */
const SKIP_LOOKBACK_MS = 31 * 86_400_000;

export type TJobDeps = {
  db: TDb;
  logger: TLogger;
  /** Where a workspace's messages go; undefined when it cannot be reached (uninstalled). */
  outboxFor(workspace: Workspace): Promise<TOutbox | undefined>;
  defaultChannel?: string | undefined;
  /** KPI_CELEBRATIONS_CHANNEL: where celebrations go when a workspace has not chosen a channel. */
  defaultCelebrationsChannel?: string | undefined;
  /** Names this process in the ledger. */
  instanceId?: string;
  /** Slots missed longer ago than this are recorded as skipped instead of run. */
  catchUpMs: number;
  /** The time claims are stamped with and quiet hours read (the system clock unless a test fixes it). */
  clock?: TClock;
  /** Told each slot the scheduler handles (GET /metrics): a run's status, lost, already, skipped, or error. */
  onRun?: (job: TJob['name'], outcome: string) => void;
};

/** A job's schedule and switch in a workspace (settings over the defaults). */
export function jobSettings(workspace: Workspace, job: TJob['name']): { schedule: string; enabled: boolean } {
  const s = parseWorkspaceSettings(workspace.settings).jobs?.[job] ?? {};
  const schedule = s.schedule && isJobSchedule(s.schedule) ? s.schedule : JOBS[job].defaultSchedule;
  return { schedule, enabled: s.enabled ?? true };
}

export type TSlotOutcome = {
  job: TJob['name'];
  workspace: string;
  slot: Date;
  /** ran: this call did the work; already: the ledger had it (done, failed, skipped…, or another process). */
  outcome: 'ran' | 'already';
  status: string;
  summary: string;
  row?: TRunRow | null;
};

const instance = () => `${hostname()}:${process.pid}`;

/** The claim was taken over by another process (this one was too slow, or paused): stop without a word. */
class LostClaim extends Error {}

/**
 * Runs one slot of a job in a workspace, exactly once: the ledger row is claimed first, and the process that
 * loses the claim does nothing. Every write after that is fenced by the claim, which a heartbeat keeps fresh.
 * `force` runs a finished slot again (never one in progress); `held` takes up a run held for quiet hours.
 */
export async function runJobSlot(
  deps: TJobDeps,
  jobName: TJob['name'],
  workspace: Workspace,
  slot: Date,
  opts: { force?: boolean; held?: boolean } = {},
): Promise<TSlotOutcome> {
  const job = JOBS[jobName];
  const clock = deps.clock ?? systemClock;
  // Unique per run, so a process's own earlier claim is not mistaken for this one.
  const by = `${deps.instanceId ?? instance()}:${randomUUID().slice(0, 8)}`;
  const base = { job: jobName, workspace: workspace.slackTeamId, slot };
  let won = await claimSlot(deps.db, { job: jobName, workspaceId: workspace.id, slot, by, now: clock.now() });
  if (!won) {
    const row = await findRun(deps.db, jobName, workspace.id, slot);
    if (row) won = await retakeRun(deps.db, row, by, clock.now(), opts);
    if (!won)
      return {
        ...base,
        outcome: 'already',
        status: row?.status ?? 'unknown',
        summary: describeRow(row),
        row,
      };
  }
  const row = await findRun(deps.db, jobName, workspace.id, slot);
  if (!row) throw new Error('the claimed run row is missing');
  const mark = (status: TJobStatus, data: { result?: unknown; error?: string | null }) =>
    markRun(deps.db, row.id, by, status, { ...data, now: clock.now() });
  const outbox = await deps.outboxFor(workspace);
  if (!outbox) {
    const summary = 'not run: the workspace cannot be reached (KPI Bot is not installed there)';
    await mark('failed', { error: summary });
    return { ...base, outcome: 'ran', status: 'failed', summary };
  }
  const beat = setInterval(() => {
    void heartbeat(deps.db, row.id, by, clock.now()).catch(() => {});
  }, HEARTBEAT_MS);
  beat.unref();
  let anySent = false;
  const log = deps.logger.child({ job: jobName, workspace: workspace.slackTeamId, slot: slot.toISOString() });
  try {
    const result: TJobResult = await job.run({
      db: deps.db,
      logger: log,
      workspace,
      slot,
      now: clock.now(),
      outbox,
      defaultChannel: deps.defaultChannel,
      sending: async () => {
        if (!(await mark('sending', {}))) throw new LostClaim('the run was taken over');
      },
      sent: async (info) => {
        anySent = true;
        await mark('sending', { result: { partial: true, ...info } });
      },
    });
    const status: TJobStatus = result.held ? 'held' : 'done';
    if (!(await mark(status, { result, error: null }))) throw new LostClaim('the run was taken over');
    log.info(result.summary);
    return { ...base, outcome: 'ran', status, summary: result.summary };
  } catch (error) {
    if (error instanceof LostClaim) {
      log.warn('another process took this run over; stopping');
      return { ...base, outcome: 'already', status: 'lost', summary: 'taken over by another process' };
    }
    // Nothing went out: failed. Something did, or a post was cut off: uncertain (reported, never re-sent).
    const cutOff = error instanceof SendError && error.delivered === 'unknown';
    const status: TJobStatus = anySent || cutOff ? 'uncertain' : 'failed';
    const reason = (error as Error).message;
    await mark(status, { error: reason }).catch((e: unknown) =>
      log.error({ err: e }, 'could not record the run'),
    );
    log.error({ err: error }, `job ${status}`);
    await tellAdmins(deps, workspace, outbox, jobName, slot, status, reason);
    return { ...base, outcome: 'ran', status, summary: `${status}: ${reason}` };
  } finally {
    clearInterval(beat);
  }
}

function describeRow(row: TRunRow | null): string {
  if (!row) return 'claimed by another process';
  const when = (row.finishedAt ?? row.claimedAt).toISOString();
  switch (row.status) {
    case 'done':
      return `already ran (done at ${when}); --force runs it again`;
    case 'skipped':
      return 'recorded as skipped (missed while the bot was down); --force runs it';
    case 'held':
      return 'held for quiet hours; it runs when they end (--force runs it now)';
    case 'claimed':
    case 'sending':
      return `running now in ${row.claimedBy ?? 'another process'} (since ${row.claimedAt.toISOString()})`;
    default:
      return `already ran with status ${row.status}${row.error ? ` (${row.error})` : ''}; --force runs it again`;
  }
}

/** A run that failed or may have half-posted is told to the workspace's admins, so nothing is lost silently. */
export async function tellAdmins(
  deps: Pick<TJobDeps, 'db' | 'logger'>,
  workspace: Workspace,
  outbox: TOutbox,
  job: string,
  slot: Date,
  status: string,
  reason: string,
) {
  const admins = await workspaceAdmins(deps.db, workspace.id, workspace.settings);
  if (admins.length === 0)
    deps.logger.error(
      { job, slot, status, reason },
      'a job run needs attention but the workspace has no KPI Bot admins',
    );
  const when = slot.toISOString();
  const text =
    status === 'uncertain'
      ? `KPI Bot's ${job} run for ${when} was cut off while sending (${reason}). It may or may not have reached Slack, so it was not sent again. Check the channel; \`kpi jobs run ${job} --at ${when} --force\` sends it.`
      : `KPI Bot's ${job} run for ${when} did not go out: ${reason}. Fix it and run \`kpi jobs run ${job} --at ${when} --force\`, or wait for the next run.`;
  for (const admin of admins) {
    try {
      await outbox.dm(admin, {
        text,
        blocks: [{ type: 'section', text: { type: 'mrkdwn', text } }],
        terminal: text.replace(/`/g, ''),
      });
    } catch (error) {
      deps.logger.error({ err: error, admin }, 'could not tell an admin about a job run');
    }
  }
}

/**
 * Every minute: for each workspace and job, the slots that came due since the last tick run (each claimed in
 * the ledger, so replicas and restarts run it once). After a start, or a pause longer than the catch-up window,
 * slots missed within the window run once and older ones (up to a month back, since the last recorded run) are
 * recorded as skipped. Each tick also sweeps the ledger: runs whose process died before sending are run again
 * (inside the window), runs held for quiet hours are taken up when they end, and runs that died while sending
 * are marked uncertain and reported. A slot whose claim failed (the database away) is tried again next tick.
 */
export function createScheduler(deps: TJobDeps & { clock: TClock }) {
  let lastTick: Date | null = null;
  let running: Promise<void> | null = null;
  const retry = new Map<string, { job: TJob['name']; workspaceId: string; slot: Date }>();

  async function catchUpSkips(workspace: Workspace, job: TJob['name'], schedule: string, from: Date) {
    const last = await latestSlot(deps.db, job, workspace.id);
    if (!last) return;
    const start = new Date(
      Math.max(last.getTime(), workspace.createdAt.getTime(), from.getTime() - SKIP_LOOKBACK_MS),
    );
    if (start >= from) return;
    for (const slot of slotsBetween(schedule, workspace.timezone, start, from)) {
      const by = deps.instanceId ?? instance();
      const now = deps.clock.now();
      if (await claimSlot(deps.db, { job, workspaceId: workspace.id, slot, by, now, status: 'skipped' })) {
        deps.onRun?.(job, 'skipped');
        deps.logger.warn(
          { job, workspace: workspace.slackTeamId, slot },
          'slot missed too long ago: skipped',
        );
      }
    }
  }

  async function attempt(
    out: TSlotOutcome[],
    job: TJob['name'],
    workspace: Workspace,
    slot: Date,
    opts = {},
  ) {
    const key = `${job}|${workspace.id}|${slot.toISOString()}`;
    try {
      const ran = await runJobSlot(deps, job, workspace, slot, opts);
      deps.onRun?.(job, ran.outcome === 'ran' || ran.status === 'lost' ? ran.status : 'already');
      out.push(ran);
      retry.delete(key);
    } catch (error) {
      deps.onRun?.(job, 'error');
      retry.set(key, { job, workspaceId: workspace.id, slot });
      deps.logger.error(
        { err: error, job, workspace: workspace.slackTeamId, slot },
        'scheduled job failed; retrying',
      );
    }
  }

  async function tickOnce(now: Date): Promise<TSlotOutcome[]> {
    const outcomes: TSlotOutcome[] = [];
    const windowStart = new Date(now.getTime() - deps.catchUpMs);
    const first = lastTick === null || lastTick < windowStart;
    const from = lastTick && lastTick > windowStart ? lastTick : windowStart;
    const workspaces = await allWorkspaces(deps.db);
    const byId = new Map(workspaces.map((w) => [w.id, w]));
    for (const r of [...retry.values()]) {
      const ws = byId.get(r.workspaceId);
      if (!ws || r.slot < windowStart) retry.delete(`${r.job}|${r.workspaceId}|${r.slot.toISOString()}`);
      else await attempt(outcomes, r.job, ws, r.slot);
    }
    for (const workspace of workspaces) {
      for (const job of JOB_NAMES) {
        const { schedule, enabled } = jobSettings(workspace, job);
        if (!enabled) continue;
        try {
          if (first) await catchUpSkips(workspace, job, schedule, from);
        } catch (error) {
          deps.logger.error(
            { err: error, job, workspace: workspace.slackTeamId },
            'could not record skipped slots',
          );
        }
        // Nothing is due from before the workspace existed.
        const since = new Date(Math.max(from.getTime(), workspace.createdAt.getTime()));
        for (const slot of slotsBetween(schedule, workspace.timezone, since, now))
          await attempt(outcomes, job, workspace, slot);
      }
    }
    await sweep(now, windowStart, byId, outcomes);
    await minuteTasks(workspaces, now);
    lastTick = now;
    return outcomes;
  }

  /** Each workspace's minute tasks (src/jobs/minute-tasks.ts); one failing never stops the others. */
  async function minuteTasks(workspaces: Workspace[], now: Date) {
    if (MINUTE_TASKS.length === 0) return;
    for (const workspace of workspaces) {
      let outbox: TOutbox | undefined;
      try {
        outbox = await deps.outboxFor(workspace);
      } catch (error) {
        deps.logger.error({ err: error, workspace: workspace.slackTeamId }, 'no outbox for minute tasks');
      }
      if (!outbox) continue;
      for (const task of MINUTE_TASKS) {
        try {
          await task.run({
            db: deps.db,
            logger: deps.logger.child({ task: task.name, workspace: workspace.slackTeamId }),
            workspace,
            now,
            outbox,
            by: `${deps.instanceId ?? instance()}:${randomUUID().slice(0, 8)}`,
            defaultCelebrationsChannel: deps.defaultCelebrationsChannel,
          });
        } catch (error) {
          deps.logger.error(
            { err: error, task: task.name, workspace: workspace.slackTeamId },
            'minute task failed; tried again next minute',
          );
        }
      }
    }
  }

  async function sweep(now: Date, windowStart: Date, byId: Map<string, Workspace>, outcomes: TSlotOutcome[]) {
    const real = deps.clock.now();
    try {
      for (const row of await staleRuns(deps.db, 'claimed', real)) {
        const ws = byId.get(row.workspaceId);
        if (ws && row.slot >= windowStart) await attempt(outcomes, row.job as TJob['name'], ws, row.slot);
        else
          await changeRunIfUnchanged(
            deps.db,
            { id: row.id, status: 'claimed', claimedAt: row.claimedAt },
            {
              status: 'failed',
              finishedAt: real,
              error: 'the process stopped before sending; too late to run',
            },
          );
      }
      for (const row of await heldRuns(deps.db)) {
        const ws = byId.get(row.workspaceId);
        if (!ws) continue;
        if (row.slot < windowStart) {
          await changeRunIfUnchanged(
            deps.db,
            { id: row.id, status: 'held' },
            { status: 'skipped', finishedAt: real, error: 'quiet hours lasted past the catch-up window' },
          );
          continue;
        }
        await attempt(outcomes, row.job as TJob['name'], ws, row.slot, { held: true });
      }
      for (const row of await staleRuns(deps.db, 'sending', real)) {
        const taken = await changeRunIfUnchanged(
          deps.db,
          { id: row.id, status: 'sending', claimedAt: row.claimedAt },
          { status: 'uncertain', finishedAt: real, error: 'the process stopped while sending' },
        );
        if (!taken) continue;
        const ws = byId.get(row.workspaceId);
        const outbox = ws ? await deps.outboxFor(ws) : undefined;
        if (ws && outbox)
          await tellAdmins(
            deps,
            ws,
            outbox,
            row.job,
            row.slot,
            'uncertain',
            'the process stopped while sending',
          );
      }
    } catch (error) {
      deps.logger.error({ err: error }, 'job ledger sweep failed');
    }
    void now;
  }

  /** One tick (the cron task calls it each minute; tests call it with a fake clock). Ticks never overlap. */
  async function tick(now = deps.clock.now()): Promise<TSlotOutcome[]> {
    while (running) await running;
    let result: TSlotOutcome[] = [];
    running = tickOnce(now).then(
      (r) => {
        result = r;
      },
      (error) => deps.logger.error({ err: error }, 'scheduler tick failed'),
    );
    await running;
    running = null;
    return result;
  }

  let task: ScheduledTask | null = null;
  return {
    tick,
    /** Starts the minute tick (node-cron) and catches up at once. */
    start() {
      task = cronSchedule('* * * * *', () => tick(), { name: 'kpi-jobs', noOverlap: true });
      void tick();
    },
    async stop() {
      await task?.destroy();
      task = null;
      while (running) await running;
    },
  };
}

export type TScheduler = ReturnType<typeof createScheduler>;
