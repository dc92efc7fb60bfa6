import { hostname } from 'node:os';
import { schedule as cronSchedule, type ScheduledTask } from 'node-cron';
import type { TClock } from '../clock.js';
import { parseWorkspaceSettings } from '../domain/settings.js';
import type { Workspace } from '../generated/sqlite/client.js';
import type { TLogger } from '../logger.js';
import type { TDb } from '../store/store.js';
import { coachingAlertsJob, workspaceAdmins } from './coaching-job.js';
import { leaderboardJob } from './leaderboard-job.js';
import { claimSlot, findRun, latestSlot, markRun, retakeRun, stuckSending, type TRunRow } from './ledger.js';
import { SendError, type TOutbox } from './outbox.js';
import { isSchedule, nextSlots, slotsBetween } from './schedule.js';
import type { TJob, TJobResult } from './types.js';

export const JOBS: Record<TJob['name'], TJob> = {
  leaderboard: leaderboardJob,
  'coaching-alerts': coachingAlertsJob,
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
  /** Names this process in the ledger. */
  instanceId?: string;
  /** Slots missed longer ago than this are recorded as skipped instead of run. */
  catchUpMs: number;
};

/** A job's schedule and switch in a workspace (settings over the defaults). */
export function jobSettings(workspace: Workspace, job: TJob['name']): { schedule: string; enabled: boolean } {
  const s = parseWorkspaceSettings(workspace.settings).jobs?.[job] ?? {};
  const schedule = s.schedule && isSchedule(s.schedule) ? s.schedule : JOBS[job].defaultSchedule;
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

/**
 * Runs one slot of a job in a workspace, exactly once: the ledger row is claimed first, and the process that
 * loses the claim does nothing. `force` runs a finished slot again (never one still in progress).
 */
export async function runJobSlot(
  deps: TJobDeps,
  jobName: TJob['name'],
  workspace: Workspace,
  slot: Date,
  opts: { force?: boolean; now?: Date } = {},
): Promise<TSlotOutcome> {
  const job = JOBS[jobName];
  const by = deps.instanceId ?? instance();
  const now = opts.now ?? new Date();
  const base = { job: jobName, workspace: workspace.slackTeamId, slot };
  let won = await claimSlot(deps.db, { job: jobName, workspaceId: workspace.id, slot, by, now });
  if (!won) {
    const row = await findRun(deps.db, jobName, workspace.id, slot);
    if (row) won = await retakeRun(deps.db, row, by, now, { force: opts.force });
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
  const outbox = await deps.outboxFor(workspace);
  if (!outbox) {
    const summary = 'not run: the workspace cannot be reached (KPI Bot is not installed there)';
    await markRun(deps.db, row.id, 'failed', { error: summary, now });
    return { ...base, outcome: 'ran', status: 'failed', summary };
  }
  try {
    const result: TJobResult = await job.run({
      db: deps.db,
      logger: deps.logger.child({ job: jobName, workspace: workspace.slackTeamId, slot: slot.toISOString() }),
      workspace,
      slot,
      outbox,
      defaultChannel: deps.defaultChannel,
      sending: () => markRun(deps.db, row.id, 'sending', { now }),
    });
    await markRun(deps.db, row.id, 'done', { result, error: null, now: new Date() });
    deps.logger.info({ job: jobName, workspace: workspace.slackTeamId, slot }, result.summary);
    return { ...base, outcome: 'ran', status: 'done', summary: result.summary };
  } catch (error) {
    const uncertain = error instanceof SendError && error.delivered === 'unknown';
    const status = uncertain ? 'uncertain' : 'failed';
    const reason = (error as Error).message;
    await markRun(deps.db, row.id, status, { error: reason, now: new Date() });
    deps.logger.error({ err: error, job: jobName, workspace: workspace.slackTeamId, slot }, `job ${status}`);
    await tellAdmins(deps, workspace, outbox, jobName, slot, status, reason);
    return { ...base, outcome: 'ran', status, summary: `${status}: ${reason}` };
  }
}

function describeRow(row: TRunRow | null): string {
  if (!row) return 'claimed by another process';
  const when = (row.finishedAt ?? row.claimedAt).toISOString();
  switch (row.status) {
    case 'done':
      return `already ran (done at ${when}); --force runs it again`;
    case 'skipped':
      return `recorded as skipped (missed while the bot was down); --force runs it`;
    case 'claimed':
    case 'sending':
      return `running now in ${row.claimedBy ?? 'another process'} (since ${row.claimedAt.toISOString()})`;
    default:
      return `already ran with status ${row.status}${row.error ? ` (${row.error})` : ''}; --force runs it again`;
  }
}

/** A run that failed or may have half-posted is told to the workspace's admins, so nothing is lost silently. */
async function tellAdmins(
  deps: TJobDeps,
  workspace: Workspace,
  outbox: TOutbox,
  job: string,
  slot: Date,
  status: string,
  reason: string,
) {
  const admins = await workspaceAdmins(deps.db, workspace.id, workspace.settings);
  const text =
    status === 'uncertain'
      ? `KPI Bot's ${job} run for ${slot.toISOString()} was cut off while posting (${reason}). It may or may not have reached Slack, so it was not posted again. Check the channel; \`kpi jobs run ${job} --at ${slot.toISOString()} --force\` posts it.`
      : `KPI Bot's ${job} run for ${slot.toISOString()} did not post: ${reason}. Fix it and run \`kpi jobs run ${job} --at ${slot.toISOString()} --force\`, or wait for the next run.`;
  for (const admin of admins) {
    try {
      await outbox.dm(admin, { text, blocks: [{ type: 'section', text: { type: 'mrkdwn', text } }] });
    } catch (error) {
      deps.logger.error({ err: error, admin }, 'could not tell an admin about a failed job run');
    }
  }
}

/**
 * Every minute: for each workspace and job, the slots that came due since the last tick run (each claimed in
 * the ledger, so replicas and restarts run it once). The first tick after start also catches up: slots missed
 * within the catch-up window run once; older ones since the last recorded run are recorded as skipped. Runs in
 * `sending` whose process died are marked uncertain and reported.
 */
export function createScheduler(deps: TJobDeps & { clock: TClock }) {
  let lastTick: Date | null = null;
  let running: Promise<void> | null = null;

  async function catchUpSkips(workspace: Workspace, job: TJob['name'], schedule: string, from: Date) {
    const last = await latestSlot(deps.db, job, workspace.id);
    const start = new Date(
      Math.max(
        last?.getTime() ?? from.getTime(),
        workspace.createdAt.getTime(),
        from.getTime() - SKIP_LOOKBACK_MS,
      ),
    );
    if (start >= from) return;
    for (const slot of slotsBetween(schedule, workspace.timezone, start, from)) {
      const by = deps.instanceId ?? instance();
      if (
        await claimSlot(deps.db, {
          job,
          workspaceId: workspace.id,
          slot,
          by,
          now: deps.clock.now(),
          status: 'skipped',
        })
      )
        deps.logger.warn(
          { job, workspace: workspace.slackTeamId, slot },
          'slot missed too long ago: skipped',
        );
    }
  }

  async function tickOnce(now: Date): Promise<TSlotOutcome[]> {
    const outcomes: TSlotOutcome[] = [];
    // After a start, or a pause longer than the catch-up window (a suspended machine), slots before the window
    // are recorded as skipped and only those inside it run.
    const windowStart = new Date(now.getTime() - deps.catchUpMs);
    const first = lastTick === null || lastTick < windowStart;
    const from = lastTick && lastTick > windowStart ? lastTick : windowStart;
    const workspaces = await deps.db.workspace.findMany();
    for (const workspace of workspaces) {
      for (const job of JOB_NAMES) {
        const { schedule, enabled } = jobSettings(workspace, job);
        if (!enabled) continue;
        try {
          if (first) await catchUpSkips(workspace, job, schedule, from);
          // Nothing is due from before the workspace existed.
          const since = from > workspace.createdAt ? from : workspace.createdAt;
          for (const slot of slotsBetween(schedule, workspace.timezone, since, now))
            outcomes.push(await runJobSlot(deps, job, workspace, slot, { now }));
        } catch (error) {
          deps.logger.error({ err: error, job, workspace: workspace.slackTeamId }, 'scheduled job failed');
        }
      }
    }
    for (const row of await stuckSending(deps.db, now)) {
      const taken = await deps.db.jobRun.updateMany({
        where: { id: row.id, status: 'sending' },
        data: { status: 'uncertain', finishedAt: now, error: 'the process stopped while sending' },
      });
      if (taken.count !== 1) continue;
      const workspace = workspaces.find((w) => w.id === row.workspaceId);
      const outbox = workspace ? await deps.outboxFor(workspace) : undefined;
      if (workspace && outbox)
        await tellAdmins(
          deps,
          workspace,
          outbox,
          row.job,
          row.slot,
          'uncertain',
          'the process stopped while sending',
        );
    }
    lastTick = now;
    return outcomes;
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

/** `kpi jobs list`: each job's schedule, switch, next runs and last run in a workspace. */
export async function jobsOverview(db: TDb, workspace: Workspace, now: Date) {
  return Promise.all(
    JOB_NAMES.map(async (job) => {
      const { schedule, enabled } = jobSettings(workspace, job);
      const last = await db.jobRun.findFirst({
        where: { job, workspaceId: workspace.id },
        orderBy: { slot: 'desc' },
      });
      return {
        job,
        schedule,
        timezone: workspace.timezone,
        enabled,
        next: enabled ? nextSlots(schedule, workspace.timezone, now, 3) : [],
        last: last
          ? {
              slot: last.slot,
              status: last.status,
              error: last.error,
              result: last.result ? JSON.parse(last.result) : null,
            }
          : null,
      };
    }),
  );
}
