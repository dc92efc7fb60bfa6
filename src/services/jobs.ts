import { z } from 'zod';
import { closestMatch } from '../domain/closest.js';
import {
  JOB_NAMES,
  jobSettings,
  runJobSlot as runLedgerSlot,
  type TJobDeps,
  type TSlotOutcome,
} from '../jobs/runner.js';
import { nextSlots, slotAtOrBefore, slotsBetween } from '../jobs/schedule.js';
import type { TJob } from '../jobs/types.js';
import { latestRunOf } from '../store/job-runs.js';
import type { TActor, TServiceContext } from './context.js';
import { inputOf, refuse, ServiceError } from './errors.js';
import { actorRep, isAdmin } from './permissions.js';

/**
 * The scheduled jobs by hand, for every transport: what each job's schedule and last run are (`jobsOverview`),
 * and running one slot of a job on the same ledger as the scheduler (`runJobSlot`). The `kpi jobs` command calls
 * them as the operator (no actor: whoever runs `kpi` has the database); a Slack user must be a KPI Bot admin.
 */

export type TJobName = TJob['name'];

/**
 * A service context whose actor is optional: none is the operator (the `kpi` command, run by whoever holds the
 * database); a person (Slack, the shell) must be a KPI Bot admin.
 */
export type TJobsContext = Omit<TServiceContext, 'actor'> & { actor?: TActor };

export const NOT_ADMIN_FOR_JOBS = 'Sorry, the scheduled jobs are run and listed by KPI Bot admins.';

/** Refuses a person who is not a KPI Bot admin; the operator (no actor) may. */
async function assertMayRunJobs(ctx: TJobsContext): Promise<void> {
  const { actor } = ctx;
  if (!actor) return;
  if (isAdmin({ ...ctx, actor }, await actorRep({ ...ctx, actor }))) return;
  ctx.logger.info({ actor: actor.slackUserId ?? actor.name }, 'permission denied: jobs');
  throw new ServiceError('forbidden', NOT_ADMIN_FOR_JOBS);
}

/** An ISO 8601 time with its offset, to the minute or finer: 2026-11-23T09:00Z, 2026-11-23T10:00:00+01:00. */
const ISO_TIME = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2})(?::\d{2}(?:\.\d{1,9})?)?(Z|([+-])(\d{2}):(\d{2}))$/;
/** Longer than any ISO time (2026-11-23T09:00:00.123456789+01:00 is 35 characters). */
const MAX_TIME_LENGTH = 40;

/** A value as a message quotes it: JSON's quoting shows control characters (a NUL) as escapes. */
const quoted = (value: string) => JSON.stringify(value);

/**
 * The instant an ISO time with its offset names, or a refusal on `field`. A calendar date that does not exist
 * (30 February, 24:00) is refused: JavaScript's Date would roll it over into the next day or month.
 */
function instantOf(field: string, raw: string): Date {
  const m = ISO_TIME.exec(raw);
  if (!m)
    refuse(field, `${quoted(raw)} is not an ISO time with its offset, such as \`2026-11-23T09:00:00Z\`.`);
  const at = new Date(raw);
  const offset = m[2] === 'Z' ? 0 : (m[3] === '-' ? -1 : 1) * (Number(m[4]) * 60 + Number(m[5]));
  const wall = Number.isNaN(at.getTime()) ? '' : new Date(at.getTime() + offset * 60_000).toISOString();
  if (wall.slice(0, 16) !== m[1]) refuse(field, `${quoted(raw)} is not a real time.`);
  // As everywhere KPI Bot reads an instant: nothing before 1970 (a report for "December -1" helps nobody).
  if (at.getTime() < 0) refuse(field, `${quoted(raw)} is before 1970; KPI Bot keeps nothing that early.`);
  return at;
}

const ZTime = z
  .string({ error: 'A time is written as text, such as 2026-11-23T09:00:00Z.' })
  .max(MAX_TIME_LENGTH, { error: `That is too long for a time (at most ${MAX_TIME_LENGTH} characters).` })
  .optional();

export const ZRunJobSlot = z.object({
  /** leaderboard | coaching-alerts */
  job: z
    .string({ error: `Say which job: ${JOB_NAMES.join(' or ')}.` })
    .trim()
    .min(1, { error: `Say which job: ${JOB_NAMES.join(' or ')}.` })
    .max(60, { error: `That is not a job (${JOB_NAMES.join(', ')}).` }),
  /** One of the job's scheduled slots, exactly (an ISO time with its offset), not in the future. */
  slot: ZTime,
  /**
   * Any time, not in the future: the run stands for the job's latest slot at or before it (a hand run at 09:05
   * is the 09:00 slot the scheduler ran); a time with no slot in the month before is its own. This is what
   * `kpi jobs run --at` means.
   */
  at: ZTime,
  /** Runs a slot that already ran (done, failed, skipped, held) again; never one in progress. */
  force: z.boolean({ error: 'force is yes or no.' }).optional(),
});
export type TRunJobSlotInput = z.input<typeof ZRunJobSlot>;

/**
 * How runs reach the world, which a transport supplies: where a workspace's messages go, the default
 * leaderboard channel, the catch-up window and the clock the ledger's claims and heartbeats are stamped with.
 */
export type TJobRunDeps = Omit<TJobDeps, 'db' | 'logger' | 'clock'> & Required<Pick<TJobDeps, 'clock'>>;

/** The ISO string of a slot (a Date of a whole minute). */
const iso = (d: Date) => d.toISOString();

/** The job an input names (case aside), or a refusal on `job` naming the jobs and the closest one. */
function jobNamed(name: string): TJobName {
  const wanted = name.toLowerCase();
  const job = JOB_NAMES.find((j) => j === wanted);
  if (job) return job;
  const near = closestMatch(wanted, JOB_NAMES);
  refuse(
    'job',
    `${quoted(name)} is not a job (${JOB_NAMES.join(', ')}).${near ? ` Did you mean ${near}?` : ''}`,
  );
}

/** The slot a run stands for: the one given, the latest at or before a time, or the latest due now. */
function slotOf(
  ctx: TJobsContext,
  job: TJobName,
  input: { slot?: string | undefined; at?: string | undefined },
): Date {
  const { schedule } = jobSettings(ctx.workspace, job);
  const zone = ctx.workspace.timezone;
  if (input.slot !== undefined && input.at !== undefined) refuse('at', 'Give a slot or a time, not both.');
  if (input.slot !== undefined) {
    const slot = instantOf('slot', input.slot);
    if (slot > ctx.now) refuse('slot', `${iso(slot)} is in the future: a slot runs when it is due.`);
    const [scheduled] = slotsBetween(schedule, zone, new Date(slot.getTime() - 60_000), slot);
    if (scheduled?.getTime() !== slot.getTime())
      refuse(
        'slot',
        `${iso(slot)} is not a slot of ${job} ("${schedule}" in ${zone}). The latest before it is ${
          slotAtOrBefore(schedule, zone, slot)?.toISOString() ?? 'more than a month earlier'
        }.`,
      );
    return slot;
  }
  const at = input.at === undefined ? ctx.now : instantOf('at', input.at);
  if (at > ctx.now) refuse('at', `${iso(at)} is in the future: a slot runs when it is due.`);
  return slotAtOrBefore(schedule, zone, at) ?? new Date(Math.floor(at.getTime() / 60_000) * 60_000);
}

/**
 * Runs one slot of a job in the context's workspace, exactly once across processes (the ledger's claim): a slot
 * that already ran is reported, not repeated, unless `force`. The slot is the one given (it must be one of the
 * job's scheduled slots), the latest at or before `at`, or by default the latest due now; never one in the
 * future (the scheduler would find it done and skip it). Admins only when a person asks.
 *
 * @example
 * await runJobSlot(ctx, { job: 'leaderboard', at: '2026-11-23T09:05:00+01:00' }, deps)
 * // → { job: 'leaderboard', slot: 2026-11-23T08:00:00.000Z, outcome: 'ran', status: 'done', summary: 'posted …' }
 */
export async function runJobSlot(
  ctx: TJobsContext,
  raw: TRunJobSlotInput,
  deps: TJobRunDeps,
): Promise<TSlotOutcome> {
  await assertMayRunJobs(ctx);
  const input = inputOf(ZRunJobSlot, raw);
  const job = jobNamed(input.job);
  const slot = slotOf(ctx, job, input);
  return runLedgerSlot({ ...deps, db: ctx.store.db, logger: ctx.logger }, job, ctx.workspace, slot, {
    force: input.force ?? false,
  });
}

export type TJobOverview = {
  job: TJobName;
  /** A five-field cron expression, in `timezone`. */
  schedule: string;
  timezone: string;
  enabled: boolean;
  /** The next three slots (none when the job is off). */
  next: Date[];
  /** The latest slot in the ledger, with its status, error and result (the run's summary and counts). */
  last: { slot: Date; status: string; error: string | null; result: unknown } | null;
  /**
   * Coaching alerts only: how many alerts of the last run were about reps whose manager has no Slack id (or who
   * have no manager), so they went to the admins (or to nobody); null for other jobs or when the last run did not
   * evaluate (held for quiet hours, failed).
   */
  noSlackManagerAlerts: number | null;
};

/** The count of alerts about reps without a manager on Slack that a coaching run's result records. */
function noSlackManagerOf(result: unknown): number | null {
  const n = (result as { noSlackManager?: unknown } | null)?.noSlackManager;
  return typeof n === 'number' && Number.isInteger(n) && n >= 0 ? n : null;
}

/** The result a run recorded, or null when there is none (or it is not JSON). */
function resultOf(text: string | null): unknown {
  if (!text) return null;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return null;
  }
}

/** Each job's schedule, switch, next slots and last run in the context's workspace. Admins only for a person. */
export async function jobsOverview(ctx: TJobsContext): Promise<TJobOverview[]> {
  await assertMayRunJobs(ctx);
  const { workspace } = ctx;
  return Promise.all(
    JOB_NAMES.map(async (job) => {
      const { schedule, enabled } = jobSettings(workspace, job);
      const last = await latestRunOf(ctx.store.db, job, workspace.id);
      const result = last ? resultOf(last.result) : null;
      return {
        job,
        schedule,
        timezone: workspace.timezone,
        enabled,
        next: enabled ? nextSlots(schedule, workspace.timezone, ctx.now, 3) : [],
        last: last ? { slot: last.slot, status: last.status, error: last.error, result } : null,
        noSlackManagerAlerts: job === 'coaching-alerts' ? noSlackManagerOf(result) : null,
      };
    }),
  );
}
