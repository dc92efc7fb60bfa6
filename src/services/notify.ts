import { z } from 'zod';
import { closestMatch } from '../domain/closest.js';
import {
  DEFAULT_STALLED_DAYS,
  DIGEST_DAYS,
  digestHeldUntil,
  NOTIFY_DEFAULTS,
  NOTIFY_ITEMS,
  type TNotifyItem,
  type TNotifyPreferences,
  type TNotifyView,
} from '../domain/notify.js';
import { parseWorkspaceSettings } from '../domain/settings.js';
import { changeNotifyPreferences, storedNotifyPreferences } from '../store/notify-preferences.js';
import { countReportsOf } from '../store/reps.js';
import type { Rep } from '../store/types.js';
import { updateWorkspaceSettings, workspaceByIdOrThrow } from '../store/workspaces.js';
import type { TServiceContext } from './context.js';
import { code, inputOf, ServiceError } from './errors.js';
import { actorRep, isAdmin } from './permissions.js';
import { workspaceSettings } from './settings.js';

/**
 * `/kpi notify`: what one person receives from KPI Bot's jobs, and their own changes to it (issue 17). Stored per
 * person (NotifyPreference, keyed by Slack user id: the jobs reach people by it); the jobs read it through
 * notifyPreferencesOf / notifyPreferencesOfWorkspace. Nobody changes another person's choices: every change is the
 * asker's own.
 */

const MAX_WORD = 200;

/** A word a person typed, shortened for an echo in a refusal (5,000 characters are not read back to them). */
const echo = (word: string) => code(word.length > 40 ? `${word.slice(0, 40)}…` : word);

export const ZChangeNotify = z.object({
  item: z
    .string({ error: 'Say what to change: rank, milestones, stalled, digest or reset.' })
    .trim()
    .min(1, { error: 'Say what to change: rank, milestones, stalled, digest or reset.' }),
  /** `on`/`off` for rank, milestones and stalled; a day (or `default`, or a time) for the digest. */
  value: z.string().trim().optional(),
  /** The digest's time, HH:MM in the workspace's time zone. */
  time: z.string().trim().optional(),
});
export type TChangeNotifyInput = z.input<typeof ZChangeNotify>;

/** A manager (an active rep reporting to them) or a KPI Bot admin: they have a digest to schedule. */
async function isManager(ctx: TServiceContext, me: Rep | null): Promise<boolean> {
  if (isAdmin(ctx, me)) return true;
  if (!me) return false;
  return (await countReportsOf(ctx.store.db, ctx.workspace.id, me.id, { activeOnly: true })) > 0;
}

/** What the person receives now, defaults marked. */
export async function notifySettings(ctx: TServiceContext): Promise<TNotifyView> {
  return viewOf(ctx, null);
}

async function viewOf(ctx: TServiceContext, changed: TNotifyItem | null): Promise<TNotifyView> {
  const who = ctx.actor.slackUserId ?? null;
  const me = await actorRep(ctx);
  const stored: TNotifyPreferences = who
    ? await storedNotifyPreferences(ctx.store.db, ctx.workspace.id, who)
    : {};
  const settings = parseWorkspaceSettings(ctx.workspace.settings);
  const legacyOptIn = Boolean(who && (settings.rankOptIn ?? []).includes(who));
  const coaching = workspaceSettings(ctx).jobs.find((j) => j.job === 'coaching-alerts');
  const digestStored = stored.digestDay !== undefined || stored.digestTime !== undefined;
  return {
    person: { name: me?.name ?? ctx.actor.name, slackUserId: who },
    timezone: ctx.workspace.timezone,
    rank: {
      on: stored.rankDm ?? legacyOptIn,
      isDefault: stored.rankDm === undefined,
      legacyOptIn,
      ranked: me?.role === 'rep' && me.active,
    },
    milestones: {
      on: stored.milestoneDm ?? NOTIFY_DEFAULTS.milestoneDm,
      isDefault: stored.milestoneDm === undefined,
    },
    stalled: {
      on: stored.stalledDm ?? NOTIFY_DEFAULTS.stalledDm,
      isDefault: stored.stalledDm === undefined,
      days: settings.stalledDays ?? DEFAULT_STALLED_DAYS,
    },
    digest: (await isManager(ctx, me))
      ? {
          day: stored.digestDay ?? NOTIFY_DEFAULTS.digestDay,
          time: stored.digestTime ?? NOTIFY_DEFAULTS.digestTime,
          isDefault: !digestStored,
          coachingRun: {
            enabled: coaching?.enabled ?? true,
            schedule: coaching?.schedule ?? '30 8 * * *',
          },
          heldUntil: stored.digestTime
            ? digestHeldUntil(stored.digestTime, workspaceSettings(ctx).quietHours)
            : null,
        }
      : null,
    reachable: Boolean(who),
    changed,
  };
}

/** "on" or "off" (the closest of them named for a typo). */
function onOff(item: string, value: string | undefined): boolean {
  const v = (value ?? '').toLowerCase();
  if (v === 'on') return true;
  if (v === 'off') return false;
  if (!v)
    throw new ServiceError('bad_request', `Say ${code(`${item} on`)} or ${code(`${item} off`)}.`, 'value');
  const near = closestMatch(v, ['on', 'off']);
  throw new ServiceError(
    'bad_request',
    `${echo(value ?? '')} is not on or off${near ? ` (did you mean ${code(`${item} ${near}`)}?)` : ''}.`,
    'value',
  );
}

/** "HH:MM" (or "H:MM"), 24-hour, as stored ("07:30"); anything else refused with the right form. */
function timeOfDay(value: string, timezone: string): string {
  const m = /^(\d{1,2}):(\d{2})$/.exec(value);
  const hours = m ? Number(m[1]) : Number.NaN;
  const minutes = m ? Number(m[2]) : Number.NaN;
  if (!(hours >= 0 && hours <= 23 && minutes >= 0 && minutes <= 59))
    throw new ServiceError(
      'bad_request',
      `${echo(value)} is not a time of day: say HH:MM on the 24-hour clock, e.g. ${code('07:30')} (${timezone} time, this workspace's time zone).`,
      'time',
    );
  return `${String(hours).padStart(2, '0')}:${String(minutes).padStart(2, '0')}`;
}

const DAY_WORDS: readonly string[] = [...DIGEST_DAYS, 'default'];

/** The digest's new day and time: `default` (with the coaching run), a day [and a time], or a time alone. */
function digestPatch(
  input: { value?: string; time?: string },
  current: TNotifyPreferences,
  timezone: string,
): Pick<TNotifyPreferences, 'digestDay' | 'digestTime'> {
  const value = (input.value ?? '').toLowerCase();
  if (!value)
    throw new ServiceError(
      'bad_request',
      `Say which days: ${code('digest daily')}, ${code('digest weekdays')}, ${code('digest monday 07:30')} (any weekday, an optional HH:MM in ${timezone} time), or ${code('digest default')} to have it with the coaching run.`,
      'value',
    );
  if (value === 'default') {
    if (input.time)
      throw new ServiceError(
        'bad_request',
        `${code('digest default')} takes no time: the digest then goes with the coaching run.`,
        'time',
      );
    return { digestDay: undefined, digestTime: undefined };
  }
  // A time alone keeps the days chosen before.
  if (/^\d+:\d+$/.test(value)) {
    if (input.time) throw new ServiceError('bad_request', 'Say the day first, then the time.', 'time');
    return { digestDay: current.digestDay, digestTime: timeOfDay(value, timezone) };
  }
  // "mon" for monday; daily and weekdays only in full.
  const day = DIGEST_DAYS.find((d, i) => d === value || (i >= 2 && d.slice(0, 3) === value));
  if (!day) {
    const near = closestMatch(value, DAY_WORDS);
    throw new ServiceError(
      'bad_request',
      `${echo(input.value ?? '')} is not a digest day${near ? ` (did you mean ${code(near)}?)` : ''}: say daily, weekdays, a weekday (monday to sunday) or default.`,
      'value',
    );
  }
  // A day without a time: the digest goes with the coaching run on those days.
  return { digestDay: day, digestTime: input.time ? timeOfDay(input.time, timezone) : undefined };
}

/**
 * Turns the weekly rank DM on or off for the asker: stored per person (the jobs read it), and the workspace's old
 * opt-in list kept in step for them (a bot rolled back to a version without per-person preferences reads it).
 * Only those the weekly board ranks turn it on (active reps, as activeRepsForWeeklyBoard reads them): anyone
 * else would never get one. Anyone may turn it off.
 */
export async function setRankDm(ctx: TServiceContext, on: boolean): Promise<void> {
  const who = ctx.actor.slackUserId;
  if (!who) throw new ServiceError('bad_request', 'Rank messages go to a Slack user.');
  if (on) {
    const me = await actorRep(ctx);
    if (me?.role !== 'rep')
      throw new ServiceError(
        'forbidden',
        me
          ? 'The leaderboard ranks reps; as a manager or admin you see everyone with `/kpi team`.'
          : 'Ranks are for reps. Ask a KPI Bot admin to add you as a rep first.',
      );
    if (!me.active)
      throw new ServiceError(
        'forbidden',
        'The weekly board ranks active reps; you are not on it (your rep record is inactive), so there is no rank to send you.',
      );
  }
  await changeNotifyPreferences(ctx.store.db, ctx.workspace.id, who, { rankDm: on });
  await keepLegacyRankList(ctx, who, on);
}

async function keepLegacyRankList(ctx: TServiceContext, who: string, on: boolean): Promise<void> {
  // Read inside the update's transaction (the context's copy of the workspace may be older).
  await updateWorkspaceSettings(ctx.store.db, ctx.workspace.id, (ws) => {
    const list = new Set(parseWorkspaceSettings(ws.settings).rankOptIn ?? []);
    if (on) list.add(who);
    else list.delete(who);
    return { rankOptIn: [...list] };
  });
}

const NO_SLACK =
  "Choices are kept for people with a Slack id, and you have none here, so there is nothing to change. In local mode the scheduled messages to you go to the bot's log (data/kpi.log) and `kpi jobs run` prints them, with the defaults (`/kpi notify` shows them). A KPI Bot admin can add your Slack user id to your rep record.";

/**
 * Changes one of the asker's own choices (`rank|milestones|stalled on|off`, `digest <day> [HH:MM]`,
 * `digest default`, `reset`) and returns what they receive now. Only the asker's own: there is no way to name
 * someone else.
 *
 * @example changeNotify(ctx, { item: 'digest', value: 'monday', time: '07:30' })
 */
export async function changeNotify(ctx: TServiceContext, raw: TChangeNotifyInput): Promise<TNotifyView> {
  const input = inputOf(ZChangeNotify, raw);
  const item = input.item.toLowerCase();
  if (!(NOTIFY_ITEMS as readonly string[]).includes(item)) {
    const near = item.length <= MAX_WORD ? closestMatch(item, NOTIFY_ITEMS) : undefined;
    throw new ServiceError(
      'bad_request',
      `${echo(input.item)} is not something ${code('/kpi notify')} changes${near ? ` (did you mean ${code(near)}?)` : ''}. It changes rank, milestones, stalled, digest, or reset for all of them.`,
      'item',
    );
  }
  for (const [field, word] of [
    ['value', input.value],
    ['time', input.time],
  ] as const)
    if (word !== undefined && word.length > MAX_WORD)
      throw new ServiceError('bad_request', `${echo(word)} is far too long to be a choice here.`, field);
  const who = ctx.actor.slackUserId;
  if (!who) throw new ServiceError('bad_request', NO_SLACK);
  const db = ctx.store.db;
  const changed = item as TNotifyItem;
  if ((changed === 'rank' || changed === 'milestones' || changed === 'stalled') && input.time !== undefined)
    throw new ServiceError('bad_request', `${code(changed)} takes only on or off.`, 'value');
  switch (changed) {
    case 'rank':
      await setRankDm(ctx, onOff('rank', input.value));
      break;
    case 'milestones':
      await changeNotifyPreferences(db, ctx.workspace.id, who, {
        milestoneDm: onOff('milestones', input.value),
      });
      break;
    case 'stalled':
      await changeNotifyPreferences(db, ctx.workspace.id, who, { stalledDm: onOff('stalled', input.value) });
      break;
    case 'digest': {
      if (!(await isManager(ctx, await actorRep(ctx))))
        throw new ServiceError(
          'forbidden',
          'The digest goes to managers (people with reps reporting to them) and KPI Bot admins; you have none to schedule.',
        );
      const current = await storedNotifyPreferences(db, ctx.workspace.id, who);
      await changeNotifyPreferences(
        db,
        ctx.workspace.id,
        who,
        digestPatch(input, current, ctx.workspace.timezone),
      );
      break;
    }
    case 'reset': {
      if (input.value !== undefined || input.time !== undefined)
        throw new ServiceError('bad_request', `${code('reset')} takes nothing after it.`, 'value');
      await changeNotifyPreferences(db, ctx.workspace.id, who, {
        rankDm: undefined,
        milestoneDm: undefined,
        stalledDm: undefined,
        digestDay: undefined,
        digestTime: undefined,
      });
      // Back to the default for rank messages: off (off the old opt-in list too).
      await keepLegacyRankList(ctx, who, false);
      break;
    }
  }
  // The workspace as it is now (the old rank list may have changed with this).
  const fresh = await workspaceByIdOrThrow(db, ctx.workspace.id);
  return viewOf({ ...ctx, workspace: fresh }, changed);
}
