import { z } from 'zod';

/**
 * What one person receives from KPI Bot (`/kpi notify`, issue 17), stored per person (NotifyPreference) and read
 * by every job before it sends to them. A missing row, a missing key or a bad value reads as the default.
 */

/** Days a manager's digest may go out: every day, Monday to Friday, or one weekday. */
export const DIGEST_DAYS = [
  'daily',
  'weekdays',
  'monday',
  'tuesday',
  'wednesday',
  'thursday',
  'friday',
  'saturday',
  'sunday',
] as const;
export type TDigestDay = (typeof DIGEST_DAYS)[number];

export const ZNotifyPreferences = z
  .object({
    /** The weekly leaderboard rank by DM (off unless asked for: it used to be the workspace's rankOptIn list). */
    rankDm: z.boolean().optional().catch(undefined),
    /** 50% and 90% of a target by DM. */
    milestoneDm: z.boolean().optional().catch(undefined),
    /** The weekly list of one's own stalled deals by DM. */
    stalledDm: z.boolean().optional().catch(undefined),
    /** Managers: which days the digest goes out, and at what local time ("HH:MM", workspace time zone). */
    digestDay: z.enum(DIGEST_DAYS).optional().catch(undefined),
    digestTime: z
      .string()
      .regex(/^([01]\d|2[0-3]):[0-5]\d$/)
      .optional()
      .catch(undefined),
  })
  .passthrough();
export type TNotifyPreferences = z.infer<typeof ZNotifyPreferences>;

/** Preferences with every default filled in. `digestTime` null: the digest goes with the coaching run. */
export type TResolvedNotify = {
  rankDm: boolean;
  milestoneDm: boolean;
  stalledDm: boolean;
  digestDay: TDigestDay;
  digestTime: string | null;
};

export const NOTIFY_DEFAULTS: TResolvedNotify = {
  rankDm: false,
  milestoneDm: true,
  stalledDm: true,
  digestDay: 'daily',
  digestTime: null,
};

/** Days without logged activity after which an open deal is stalled by the activity rule (where its CRM logs activity on deals), unless the workspace says otherwise. */
export const DEFAULT_STALLED_DAYS = 14;

/** Parses a NotifyPreference.settings value, never throwing: a corrupt value reads as no preferences. */
export function parseNotifyPreferences(json: string | null | undefined): TNotifyPreferences {
  if (!json) return {};
  try {
    const parsed = ZNotifyPreferences.safeParse(JSON.parse(json));
    return parsed.success ? parsed.data : {};
  } catch {
    return {};
  }
}

/** Stored preferences over the defaults. `legacyRankOptIn`: the person is on the workspace's old rankOptIn list. */
export function resolveNotify(stored: TNotifyPreferences, legacyRankOptIn = false): TResolvedNotify {
  return {
    rankDm: stored.rankDm ?? legacyRankOptIn,
    milestoneDm: stored.milestoneDm ?? NOTIFY_DEFAULTS.milestoneDm,
    stalledDm: stored.stalledDm ?? NOTIFY_DEFAULTS.stalledDm,
    digestDay: stored.digestDay ?? NOTIFY_DEFAULTS.digestDay,
    digestTime: stored.digestTime ?? NOTIFY_DEFAULTS.digestTime,
  };
}

/** What `/kpi notify <item> ...` changes. */
export const NOTIFY_ITEMS = ['rank', 'milestones', 'stalled', 'digest', 'reset'] as const;
export type TNotifyItem = (typeof NOTIFY_ITEMS)[number];

/** One on/off choice as shown: whether it is on, and whether that is the default (nothing chosen). */
export type TNotifyChoice = { on: boolean; isDefault: boolean };

/** What `/kpi notify` shows (and returns after a change). */
export type TNotifyView = {
  person: { name: string; slackUserId: string | null };
  /** The workspace's time zone: digest times are in it. */
  timezone: string;
  /** Weekly rank by DM; `legacyOptIn`: on by the old "DM me my rank" list (the default for this person). */
  rank: TNotifyChoice & {
    legacyOptIn: boolean;
    /** The weekly board ranks this person (an active rep): nobody else can turn the rank DM on. */
    ranked: boolean;
  };
  milestones: TNotifyChoice;
  /** Weekly stalled-deal DMs; `days`: no logged activity for this many days makes a deal stalled. */
  stalled: TNotifyChoice & { days: number };
  /**
   * Managers (a rep with reports) and admins: when the digest goes out. `time` null: with the coaching run
   * (`coachingRun`: its schedule in the workspace's time zone, and whether it runs at all). Null for others.
   */
  digest: {
    day: TDigestDay;
    time: string | null;
    isDefault: boolean;
    coachingRun: { enabled: boolean; schedule: string };
    /** The chosen time falls in the workspace's quiet hours: the digest is held until this local time. */
    heldUntil: string | null;
  } | null;
  /** The person has a Slack account KPI Bot reaches (preferences are kept with it). */
  reachable: boolean;
  /** What was just changed, if anything. */
  changed: TNotifyItem | null;
};

/**
 * When a digest chosen for local time `time` ("HH:MM") arrives, given the workspace's quiet hours: null when
 * the time is outside them (it goes at that time), else the end of the quiet hours (it is held until then).
 */
export function digestHeldUntil(
  time: string,
  quiet: { start: string; end: string } | null | undefined,
): string | null {
  if (!quiet || quiet.start === quiet.end) return null;
  const inside =
    quiet.start < quiet.end
      ? time >= quiet.start && time < quiet.end
      : time >= quiet.start || time < quiet.end;
  return inside ? quiet.end : null;
}
