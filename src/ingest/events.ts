import { z } from 'zod';
import { LINKEDIN_METRICS } from '../domain/social.js';
import { refineStorableText } from './storable-text.js';
import { amountDigitsProblem } from './values.js';

/**
 * Canonical events: what every source (HubSpot, Pipedrive, the generic JSON API, CSV files, Slack logging)
 * becomes before anything is written. One apply function per type (apply.ts) is the only writer of facts.
 * The generic webhook accepts exactly these shapes (docs/ingestion.md).
 */

/** A date-time text whose parts exist (no 2026-02-31, no 25:00), so an event is refused at once, not later. */
function realDateTime(v: string): boolean {
  const m = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2}))?)?/.exec(v.trim());
  if (!m) return false;
  const [y, mo, d, h = '0', mi = '0', sec = '0'] = m.slice(1).map((x) => x ?? '0');
  const day = new Date(Date.UTC(Number(y), Number(mo) - 1, Number(d)));
  return (
    day.getUTCMonth() === Number(mo) - 1 &&
    day.getUTCDate() === Number(d) &&
    Number(h) < 24 &&
    Number(mi) < 60 &&
    Number(sec) < 60
  );
}

/** The UTC day (days since 1970-01-01) of a date as written, without Date.UTC's years 0-99 = 1900-1999. */
function utcDay(year: number, month: number, day: number): number {
  const t = new Date(0);
  t.setUTCFullYear(year, month - 1, day);
  return Math.floor(t.getTime() / 86_400_000);
}

/** Years after today up to which instants are accepted (a typo such as 2206 for 2026 is refused). */
export const MAX_YEARS_AHEAD = 100;

/**
 * Whether an instant is inside the window every instant must be in: from 1970-01-01 to MAX_YEARS_AHEAD years
 * after `now`, by the date as written (a date or a local time is not moved by the workspace's time zone; an
 * epoch is read in UTC). Without `now` only the lower bound is checked (the schema has no clock; the upper bound
 * is checked at receipt with the injected clock, see receipt-checks.ts). Returns why not, or null.
 */
export function instantWindowProblem(value: string | number, now?: Date): string | null {
  let day: number;
  if (typeof value === 'number') day = Math.floor(value / 86_400_000);
  else {
    const m = /^(\d{4})-(\d{2})-(\d{2})/.exec(value.trim());
    if (!m) return null;
    day = utcDay(Number(m[1]), Number(m[2]), Number(m[3]));
  }
  const range = `dates from 1970-01-01 to ${MAX_YEARS_AHEAD} years after today are accepted`;
  if (day < 0) return `${value} is before 1970-01-01 (${range})`;
  if (now) {
    const last = utcDay(now.getUTCFullYear() + MAX_YEARS_AHEAD, now.getUTCMonth() + 1, now.getUTCDate());
    if (day > last)
      return `${value} is more than ${MAX_YEARS_AHEAD} years from now, after ${new Date(last * 86_400_000).toISOString().slice(0, 10)} (${range})`;
  }
  return null;
}

const inWindow = (v: string | number, ctx: z.RefinementCtx) => {
  const problem = instantWindowProblem(v);
  if (problem) ctx.addIssue({ code: 'custom', message: problem });
};

/**
 * An ISO 8601 instant, a date (YYYY-MM-DD, read in the workspace's time zone) or epoch milliseconds, from
 * 1970-01-01 on (instantWindowProblem).
 */
export const ZInstant = z.union([
  z
    .string()
    .trim()
    .regex(
      /^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})?)?$/,
      'expected an ISO 8601 date or time, e.g. 2026-11-02 or 2026-11-02T09:30:00Z',
    )
    .refine(realDateTime, 'not a real date or time')
    .superRefine(inWindow),
  z
    .number()
    .int('expected epoch milliseconds')
    .max(8.64e15, 'expected epoch milliseconds')
    .superRefine(inWindow),
]);
export type TInstant = z.infer<typeof ZInstant>;

const KNOWN_CURRENCIES = new Set(Intl.supportedValuesOf('currency'));

/** An amount in major units of its currency: a number or a decimal string ("1234.50"). */
export const ZAmount = z.union([
  z.number().finite().nonnegative().max(1e15),
  z
    .string()
    .trim()
    .regex(/^\d{1,15}(\.\d{1,12})?$/, 'expected a non-negative decimal amount, e.g. 1234.50'),
]);

/**
 * Who a fact belongs to. At least one key; the event's source is the default `source` of `id`.
 * Resolution order: a linked identity (source + id), an email, a Slack user id, a unique name.
 */
export const ZOwner = z
  .object({
    source: z.string().trim().min(1).max(40).optional(),
    id: z.union([z.string().trim().min(1).max(200), z.number().int()]).optional(),
    email: z.string().trim().email().max(320).optional(),
    slackUserId: z
      .string()
      .trim()
      .regex(/^[UW][A-Z0-9]{2,}$/, 'expected a Slack user id such as U012ABCDEF')
      .optional(),
    name: z.string().trim().min(1).max(200).optional(),
  })
  .strict()
  .refine((o) => o.id !== undefined || o.email || o.slackUserId || o.name, {
    message: 'an owner needs an id, email, slackUserId or name',
  });
export type TOwner = z.infer<typeof ZOwner>;

const id = z.union([z.string().trim().min(1).max(200), z.number().int().transform(String)]);
const text = (max: number) => z.string().max(max);
const count = z.number().int().nonnegative().max(1_000_000_000);
const DEAL_STATUS = z.enum(['open', 'won', 'lost']);
export const ACTIVITY_KINDS = ['call', 'email', 'meeting', 'linkedin_message', 'other'] as const;

const dealFields = {
  owner: ZOwner.optional(),
  title: text(500).optional(),
  account: text(500).nullable().optional(),
  product: text(200).nullable().optional(),
  amount: ZAmount.optional(),
  currency: z
    .string()
    .trim()
    .regex(/^[A-Za-z]{3}$/, 'expected an ISO 4217 currency code such as USD')
    .transform((c) => c.toUpperCase())
    // A code no one issues (ZZZ) would be added up as if it were the workspace's money.
    .refine(
      (c) => KNOWN_CURRENCIES.has(c),
      'not an ISO 4217 currency code this bot knows, such as USD or EUR',
    )
    .optional(),
  pipeline: text(200).nullable().optional(),
  stage: z.string().trim().min(1).max(200).optional(),
  status: DEAL_STATUS.optional(),
  openedAt: ZInstant.nullable().optional(),
  closedAt: ZInstant.nullable().optional(),
  lostReason: text(1000).nullable().optional(),
};

const base = {
  /** The source's id of this event (dedupe key); a content hash when absent. */
  id: z.string().trim().min(1).max(200).optional(),
  /** When it happened at the source; later events win per field (out-of-order deliveries end right). */
  occurredAt: ZInstant.optional(),
};

/**
 * Rules across fields, for every event whatever its source: all its text can be stored (storable-text.ts), and
 * an amount given with its currency has no more decimals than the currency has (an amount without a currency
 * is checked at receipt against the currency it will be stored in, see receipt-checks.ts).
 */
function eventRules(ev: Record<string, unknown>, ctx: z.RefinementCtx): void {
  refineStorableText(ev, ctx);
  const { amount, currency } = ev;
  if ((typeof amount === 'number' || typeof amount === 'string') && typeof currency === 'string') {
    const problem = amountDigitsProblem(amount, currency);
    if (problem) ctx.addIssue({ code: 'custom', message: problem, path: ['amount'] });
  }
}

const CANONICAL_EVENTS = z.discriminatedUnion('type', [
  z.object({ ...base, type: z.literal('deal.upserted'), dealId: id, ...dealFields }).strict(),
  z
    .object({
      ...base,
      type: z.literal('deal.stage_changed'),
      dealId: id,
      stage: dealFields.stage.unwrap(),
    })
    .strict(),
  z
    .object({
      ...base,
      type: z.literal('deal.won'),
      dealId: id,
      amount: ZAmount.optional(),
      currency: dealFields.currency,
    })
    .strict(),
  z.object({ ...base, type: z.literal('deal.lost'), dealId: id, lostReason: dealFields.lostReason }).strict(),
  z.object({ ...base, type: z.literal('deal.deleted'), dealId: id }).strict(),
  z
    .object({
      ...base,
      type: z.literal('lead.upserted'),
      leadId: id,
      owner: ZOwner.optional(),
      name: text(300).nullable().optional(),
      email: z.string().trim().email().nullable().optional(),
      mqlAt: ZInstant.nullable().optional(),
      convertedAt: ZInstant.nullable().optional(),
    })
    .strict(),
  z.object({ ...base, type: z.literal('lead.qualified'), leadId: id, owner: ZOwner.optional() }).strict(),
  z.object({ ...base, type: z.literal('lead.converted'), leadId: id, owner: ZOwner.optional() }).strict(),
  z
    .object({
      ...base,
      type: z.literal('customer.won'),
      customerId: id,
      owner: ZOwner.optional(),
      name: text(300).optional(),
      dealId: id.optional(),
      wonAt: ZInstant.optional(),
      churnedAt: ZInstant.nullable().optional(),
    })
    .strict(),
  z.object({ ...base, type: z.literal('customer.churned'), customerId: id }).strict(),
  z
    .object({
      ...base,
      type: z.literal('activity.logged'),
      activityId: id,
      /** Required when the activity is first logged. */
      owner: ZOwner.optional(),
      /** When it took place (default: occurredAt when first logged; an update without it keeps the time). */
      at: ZInstant.optional(),
      kind: z.enum(ACTIVITY_KINDS).optional(),
      /** Default 1 when first logged. */
      count: count.min(1).max(10_000).optional(),
      personalized: z.boolean().nullable().optional(),
      subject: text(500).nullable().optional(),
      dealId: id.nullable().optional(),
      recordingUrl: z
        .url({ protocol: /^https?$/ })
        .max(2000)
        .nullable()
        .optional(),
    })
    .strict(),
  z.object({ ...base, type: z.literal('activity.deleted'), activityId: id }).strict(),
  z
    .object({
      ...base,
      type: z.literal('social.snapshot'),
      owner: ZOwner,
      network: z.string().trim().toLowerCase().min(1).max(40).default('linkedin'),
      metric: z.enum(LINKEDIN_METRICS),
      value: count,
    })
    .strict(),
  z
    .object({
      ...base,
      type: z.literal('social.post'),
      owner: ZOwner,
      network: z.string().trim().toLowerCase().min(1).max(40).default('linkedin'),
      postId: id,
      shares: count.default(0),
      comments: count.default(0),
      likes: count.default(0),
    })
    .strict(),
  z
    .object({
      ...base,
      type: z.literal('training.result'),
      owner: ZOwner,
      resultId: id.optional(),
      course: z.string().trim().min(1).max(300),
      kind: z.enum(['quiz', 'mock_pitch']).default('quiz'),
      score: z.number().finite().nonnegative(),
      maxScore: z.number().finite().positive().default(100),
    })
    .strict()
    .refine((t) => t.score <= t.maxScore, { message: 'score must not exceed maxScore', path: ['score'] }),
  z
    .object({
      ...base,
      type: z.literal('rep.upserted'),
      name: z.string().trim().min(1).max(200),
      email: z.string().trim().email().nullable().optional(),
      slackUserId: ZOwner.shape.slackUserId,
      role: z.enum(['rep', 'manager', 'admin']).optional(),
      /** The manager, by name or email (created as a manager when unknown). */
      manager: z.string().trim().min(1).max(320).nullable().optional(),
      team: text(200).nullable().optional(),
    })
    .strict(),
]);
export const ZCanonicalEvent = CANONICAL_EVENTS.superRefine(eventRules);
export type TCanonicalEvent = z.infer<typeof ZCanonicalEvent>;
export type TEventType = TCanonicalEvent['type'];
export const EVENT_TYPES = ZCanonicalEvent.options.map((o) => o.shape.type.value) as TEventType[];

/** A canonical event as stored in the inbox: the source it came from rides along. */
export type TSourcedEvent = { source: string; event: TCanonicalEvent };

/** A zod error as one line per problem, naming the field path (e.g. `events[2].amount: expected ...`). */
export function describeZodError(error: z.ZodError, prefix = ''): string {
  return error.issues
    .slice(0, 5)
    .map((i) => {
      const path = i.path.reduce<string>(
        (acc, p) => (typeof p === 'number' ? `${acc}[${p}]` : acc ? `${acc}.${String(p)}` : String(p)),
        prefix,
      );
      return `${path || '(body)'}: ${i.message}`;
    })
    .join('; ');
}
