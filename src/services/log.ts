import { randomUUID } from 'node:crypto';
import { TZDate } from '@date-fns/tz';
import { z } from 'zod';
import { LINKEDIN_METRICS, type TLinkedinMetric } from '../domain/social.js';
import { AppError } from '../errors.js';
import { describeZodError, type TCanonicalEvent, type TOwner, ZCanonicalEvent } from '../ingest/events.js';
import { storeAndApply } from '../ingest/inbox.js';
import { clipText } from '../ingest/storable-text.js';
import type { TServiceContext } from './context.js';
import { inputOf, refuse, ServiceError } from './errors.js';
import { NOT_A_REP } from './permissions.js';

export type { TLinkedinMetric };

/**
 * Logging what the CRM does not know: outreach, LinkedIn numbers, a post's engagement, a quiz score. Every log
 * becomes canonical events stored in the inbox (source `slack`) and applied at once, the same way a webhook's
 * events are: one way in for all sources. `/kpi log`, `/kpi quiz`, the modals and the shell all call these.
 */

const count = (label: string, min: number, max: number) =>
  z
    .number({ error: `${label} must be a number.` })
    .refine((n) => Number.isInteger(n) && n >= min && n <= max, {
      error: (issue) =>
        `${label} must be a whole number from ${min} to ${max.toLocaleString('en-US')}, got ${String(issue.input)}.`,
    });

export const ACTIVITY_KINDS = ['call', 'email', 'meeting'] as const;

export const ZLogActivity = z.object({
  kind: z.enum(ACTIVITY_KINDS, { error: 'Choose calls, emails or meetings.' }),
  count: count('The count', 1, 10_000),
  personalized: z.boolean().nullable().default(null),
  /** A local date of the workspace, YYYY-MM-DD; today when left out. */
  date: z.string().optional(),
});
export type TLogActivityInput = z.input<typeof ZLogActivity>;
export type TLoggedActivity = {
  kind: (typeof ACTIVITY_KINDS)[number];
  count: number;
  personalized: boolean | null;
  date: string;
};

export const ZLogLinkedin = z.object({
  values: z
    .array(
      z.object({
        metric: z.enum(LINKEDIN_METRICS, { error: 'Not a LinkedIn number KPI Bot keeps.' }),
        value: count('A LinkedIn number', 0, 1_000_000_000),
      }),
    )
    .min(1, { error: 'Say which numbers to log.' }),
});
export type TLogLinkedinInput = z.input<typeof ZLogLinkedin>;

export const ZLogPost = z.object({
  network: z
    .string()
    .regex(/^[a-z][a-z0-9_-]{0,39}$/i, { error: 'A network is a name such as linkedin.' })
    .transform((s) => s.toLowerCase()),
  shares: count('Shares', 0, 1_000_000_000).default(0),
  comments: count('Comments', 0, 1_000_000_000).default(0),
  likes: count('Likes', 0, 1_000_000_000).default(0),
  postId: z.string().optional(),
});
export type TLogPostInput = z.input<typeof ZLogPost>;

export const ZRecordQuiz = z
  .object({
    course: z
      .string()
      .transform((s) => s.replace(/\s+/g, ' ').trim())
      .pipe(
        z
          .string()
          .min(1, { error: 'Name the course or quiz.' })
          .max(300, { error: 'The course name is too long (300 characters at most).' }),
      ),
    score: z.number().refine((n) => Number.isFinite(n) && n >= 0 && n <= 1_000_000, {
      error: 'The score must be a number from 0 to 1,000,000.',
    }),
    maxScore: z
      .number()
      .refine((n) => Number.isFinite(n) && n > 0 && n <= 1_000_000, {
        error: 'The maximum must be a number above 0, at most 1,000,000.',
      })
      .default(100),
  })
  .refine((q) => q.score <= q.maxScore, {
    error: (issue) =>
      `The score is more than its maximum (${String((issue.input as { maxScore?: number }).maxScore ?? 100)}).`,
    path: ['score'],
  });
export type TRecordQuizInput = z.input<typeof ZRecordQuiz>;

function ownerOf(ctx: TServiceContext): TOwner {
  if (!ctx.actor.repId) throw new ServiceError('not_found', NOT_A_REP);
  return ctx.actor.slackUserId ? { slackUserId: ctx.actor.slackUserId } : { name: ctx.actor.name };
}

function isoDate(d: TZDate): string {
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
}

/** Today as a local date of the workspace (YYYY-MM-DD). */
export function todayOf(ctx: Pick<TServiceContext, 'now' | 'workspace'>): string {
  return isoDate(new TZDate(ctx.now.getTime(), ctx.workspace.timezone));
}

/** Yesterday as a local date of the workspace (YYYY-MM-DD). */
export function yesterdayOf(ctx: Pick<TServiceContext, 'now' | 'workspace'>): string {
  const local = new TZDate(ctx.now.getTime(), ctx.workspace.timezone);
  return isoDate(
    new TZDate(local.getFullYear(), local.getMonth(), local.getDate() - 1, ctx.workspace.timezone),
  );
}

/** A day someone did something: a real calendar date, from 1970, never after today in the workspace's zone. */
function checkedDay(raw: string, ctx: TServiceContext): string {
  const shown = `"${raw.length > 40 ? `${raw.slice(0, 40)}…` : raw}"`;
  if (!/^\d{4}-\d{2}-\d{2}$/.test(raw))
    refuse('date', `I could not read ${shown} as a date (today, yesterday or 2026-11-02).`);
  const [y, m, d] = raw.split('-').map(Number) as [number, number, number];
  const check = new Date(Date.UTC(y, m - 1, d));
  if (check.getUTCMonth() !== m - 1 || check.getUTCDate() !== d)
    refuse('date', `${shown} is not a valid date.`);
  if (raw > todayOf(ctx)) refuse('date', `${shown} is in the future.`);
  if (raw < '1970-01-01') refuse('date', `${shown} is before 1970; KPI Bot keeps dates from 1970-01-01 on.`);
  return raw;
}

/** Event fields that are the person's own input, under the same name (see SERVICE_FIELD_BLOCK). */
const TYPED_FIELDS = new Set(['course', 'count', 'network', 'postId', 'score', 'maxScore']);

async function record(ctx: TServiceContext, events: TCanonicalEvent[]): Promise<void> {
  const items = events.map((event) => {
    const parsed = ZCanonicalEvent.safeParse(event);
    // What the service let through but the event rules refuse (a name with a character the store cannot
    // hold, a number out of range): the rule's own words, as a refusal, never an internal error.
    if (!parsed.success) {
      // Shown on the form's field when the event's field is one the person typed (a course name, say).
      const path = parsed.error.issues[0]?.path[0];
      const field = typeof path === 'string' && TYPED_FIELDS.has(path) ? path : undefined;
      throw new ServiceError('bad_request', describeZodError(parsed.error), field);
    }
    return {
      workspaceId: ctx.workspace.id,
      source: 'slack',
      eventId: randomUUID(),
      eventType: parsed.data.type,
      payload: event,
    };
  });
  const results = await storeAndApply(ctx.store.db, items, { logger: ctx.logger, now: () => ctx.now });
  if (results.some((r) => r.status === 'applied')) ctx.onFactsChanged?.(ctx.workspace.id);
  const failed = results.find((r) => r.status === 'failed' || r.status === 'waiting');
  if (failed && 'error' in failed) {
    ctx.logger.warn({ err: failed.error }, 'a logged event was stored but not applied yet');
    throw new AppError('store_unavailable', 'Saved, but not counted yet: it will be retried shortly.');
  }
}

/** Calls, emails or meetings on a day (today unless said), personalized, generic or not said. */
export async function logActivity(ctx: TServiceContext, raw: TLogActivityInput): Promise<TLoggedActivity> {
  const input = inputOf(ZLogActivity, raw);
  const owner = ownerOf(ctx);
  const date = input.date === undefined ? todayOf(ctx) : checkedDay(input.date, ctx);
  await record(ctx, [
    {
      type: 'activity.logged',
      activityId: randomUUID(),
      owner,
      kind: input.kind,
      count: input.count,
      personalized: input.personalized,
      at: `${date}T12:00`,
      occurredAt: ctx.now.getTime(),
    },
  ]);
  return { kind: input.kind, count: input.count, personalized: input.personalized, date };
}

/** A reading of the rep's LinkedIn numbers, as of now. */
export async function logLinkedin(
  ctx: TServiceContext,
  raw: TLogLinkedinInput,
): Promise<{ values: { metric: TLinkedinMetric; value: number }[] }> {
  const input = inputOf(ZLogLinkedin, raw);
  const owner = ownerOf(ctx);
  await record(
    ctx,
    input.values.map(({ metric, value }) => ({
      type: 'social.snapshot' as const,
      owner,
      network: 'linkedin',
      metric,
      value,
      occurredAt: ctx.now.getTime(),
    })),
  );
  return { values: input.values };
}

/** A post's engagement on a network (the same post id again replaces its counts). */
export async function logPost(
  ctx: TServiceContext,
  raw: TLogPostInput,
): Promise<{ network: string; shares: number; comments: number; likes: number }> {
  const input = inputOf(ZLogPost, raw);
  const owner = ownerOf(ctx);
  const postId =
    input.postId === undefined ? randomUUID() : clipText(input.postId.replace(/^<|>$/g, ''), 200);
  await record(ctx, [
    {
      type: 'social.post',
      owner,
      network: input.network,
      postId,
      shares: input.shares,
      comments: input.comments,
      likes: input.likes,
      occurredAt: ctx.now.getTime(),
    },
  ]);
  return { network: input.network, shares: input.shares, comments: input.comments, likes: input.likes };
}

/** A product quiz result (out of 100 unless a maximum is given). */
export async function recordQuiz(
  ctx: TServiceContext,
  raw: TRecordQuizInput,
): Promise<{ course: string; score: number; maxScore: number }> {
  const input = inputOf(ZRecordQuiz, raw);
  await record(ctx, [
    {
      type: 'training.result',
      owner: ownerOf(ctx),
      course: input.course,
      kind: 'quiz',
      score: input.score,
      maxScore: input.maxScore,
      occurredAt: ctx.now.getTime(),
    },
  ]);
  return input;
}
