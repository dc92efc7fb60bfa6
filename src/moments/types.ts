import { z } from 'zod';
import type { TLogger } from '../logger.js';
import type { TDb } from '../store/store.js';
import type { Workspace } from '../store/types.js';
import type { TMessage } from '../views/types.js';

/**
 * What the moments task is given each minute (the scheduler's minute-task context, src/jobs/minute-tasks.ts,
 * read structurally: src/jobs/ imports this part, so this part imports nothing of src/jobs/).
 */
export type TMomentsContext = {
  db: TDb;
  logger: TLogger;
  workspace: Workspace;
  now: Date;
  outbox: {
    /** Local mode (the terminal): no quiet hours. */
    local?: boolean;
    /** Throws an error carrying `delivered: 'no' | 'unknown'` (the outbox's SendError). */
    post(channel: string, message: TMessage): Promise<unknown>;
    dm(userId: string, message: TMessage): Promise<unknown>;
  };
  by: string;
  defaultCelebrationsChannel?: string | undefined;
};

/** The scheduler's rules the task follows, handed in by src/jobs/minute-tasks.ts. */
export type TMomentsRules = {
  inQuietHours(at: Date, timezone: string, quiet: { start: string; end: string } | null | undefined): boolean;
  /** Quiet hours of a workspace that has not chosen its own. */
  defaultQuietHours: { start: string; end: string };
  /** A row left in `sending` longer than this belonged to a process that died mid-send. */
  staleClaimMs: number;
};

/** Deals won from these sources are celebrated: webhooks (HubSpot, Pipedrive, the JSON API) and Slack. */
export const LIVE_SOURCES = ['hubspot', 'pipedrive', 'generic', 'slack'] as const;
/** A win is celebrated only while it is this recent (its close time): older ones are history. */
export const CELEBRATION_WINDOW_MS = 3 * 60 * 60_000;
/** A close time this far ahead of the clock still counts (clocks of CRMs and servers differ a little). */
export const FUTURE_SKEW_MS = 5 * 60_000;
/** A burst is sent when its newest moment is this old (nothing new came for a minute)… */
export const SETTLE_MS = 60_000;
/** …or its oldest this old (a steady stream still goes out every few minutes). */
export const MAX_WAIT_MS = 5 * 60_000;
/** Wins recorded per workspace and minute at most (a flood of wins is recorded over the next minutes). */
export const WIN_BATCH = 1_000;
/**
 * Moments one channel message stands for at most: its first MAX_LINES lines are listed, the rest counted ("…and
 * N more") and marked sent with it. A flood of 150,000 wins becomes 15 messages, one a minute.
 */
export const CHANNEL_BATCH = 10_000;
/** Rows of a channel batch read to build its lines (the rest are counted, not read). */
export const CHANNEL_READ = 500;
/** A rep's DM moments sent together at most (a few a month in practice). */
export const DM_BATCH = 100;
/** Reps whose milestone DMs are sent per workspace and minute at most (the rest next minute). */
export const DM_GROUPS = 200;
/** Slack refusing a message this many times ends its moments as failed. */
export const MAX_ATTEMPTS = 3;

/** The metrics whose targets have milestones: sums over the period (additive), each with its unit. */
export const MILESTONE_METRICS = [
  { id: 'sales.won_total', unit: 'money', title: 'Won revenue' },
  { id: 'outreach.total', unit: 'count', title: 'Outreach' },
  { id: 'personalization.personalized', unit: 'count', title: 'Personalized outreach' },
] as const;
/** Percent of the target at which a milestone is crossed. 100 goes to the channel, the others by DM. */
export const MILESTONE_THRESHOLDS = [50, 90, 100] as const;

const ZProgress = z.object({
  percent: z.number(),
  target: z.number(),
  currency: z.string(),
  periodLabel: z.string(),
});

/** A celebration's payload (Moment.payload), fixed when the win is detected. Amounts in minor units, as text. */
export const ZCelebrationPayload = z.object({
  dealId: z.string(),
  repName: z.string(),
  slackUserId: z.string().nullable(),
  title: z.string(),
  amountMinor: z.string().regex(/^\d+$/),
  currency: z.string(),
  closedAt: z.string(),
  progress: ZProgress.nullable(),
  attempts: z.number().int().nonnegative().default(0),
});
export type TCelebrationPayload = z.infer<typeof ZCelebrationPayload>;

/** A milestone's payload: the threshold crossed and the figures then (money in major units). */
export const ZMilestonePayload = z.object({
  repName: z.string(),
  slackUserId: z.string().nullable(),
  metricId: z.string(),
  metricTitle: z.string(),
  unit: z.enum(['money', 'count']),
  percent: z.number(),
  actual: z.number(),
  target: z.number(),
  currency: z.string(),
  periodKey: z.string(),
  periodLabel: z.string(),
  attempts: z.number().int().nonnegative().default(0),
});
export type TMilestonePayload = z.infer<typeof ZMilestonePayload>;
