import { randomUUID } from 'node:crypto';
import { TZDate } from '@date-fns/tz';
import { closestMatch } from '../domain/closest.js';
import { AppError } from '../errors.js';
import type { TCanonicalEvent, TOwner } from '../ingest/events.js';
import { describeZodError, ZCanonicalEvent } from '../ingest/events.js';
import { storeAndApply } from '../ingest/inbox.js';
import { clipText } from '../ingest/storable-text.js';
import { buildDone, escapeMrkdwn } from '../views/help.js';
import { NOT_A_REP } from './permissions.js';
import type { TCommand, TCommandContext, TReply } from './types.js';

/**
 * Logging what the CRM does not know, in one line. Every log becomes canonical events stored in the inbox
 * (source `slack`) and applied at once, the same way a webhook's events are: one way in for all sources.
 */

const LOG_USAGE = [
  'log call|email|meeting [N] [personalized|generic] [date]',
  'log linkedin followers=N views=N requests_sent=N accepted=N inquiries=N referrals=N',
  'log post <network> shares=N comments=N likes=N [id=<post id or link>]',
];

const shown = (s: string) => `"${escapeMrkdwn(s.length > 40 ? `${s.slice(0, 40)}…` : s)}"`;

function bad(message: string, usage: string): never {
  throw new AppError('bad_request', `${message}\nUsage: \`/kpi ${usage}\``);
}

function ownerOf(ctx: TCommandContext): TOwner {
  if (!ctx.actor.repId) throw new AppError('not_found', NOT_A_REP);
  return ctx.actor.slackUserId ? { slackUserId: ctx.actor.slackUserId } : { name: ctx.actor.name };
}

function wholeNumber(field: string, raw: string, usage: string, min = 0, max = 1_000_000_000): number {
  if (!/^\d+$/.test(raw) || Number(raw) < min || Number(raw) > max)
    bad(
      `${field} must be a whole number from ${min} to ${max.toLocaleString('en-US')}, got ${shown(raw)}.`,
      usage,
    );
  return Number(raw);
}

/** today, yesterday or YYYY-MM-DD, as a local date of the workspace (never in the future). */
function dateOf(raw: string, ctx: TCommandContext, usage: string): string {
  const local = new TZDate(ctx.now.getTime(), ctx.workspace.timezone);
  const iso = (d: TZDate) =>
    `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
  const lower = raw.toLowerCase();
  if (lower === 'today') return iso(local);
  if (lower === 'yesterday')
    return iso(
      new TZDate(local.getFullYear(), local.getMonth(), local.getDate() - 1, ctx.workspace.timezone),
    );
  if (!/^\d{4}-\d{2}-\d{2}$/.test(raw))
    bad(`I could not read ${shown(raw)} as a date (today, yesterday or 2026-11-02).`, usage);
  const [y, m, d] = raw.split('-').map(Number) as [number, number, number];
  const check = new Date(Date.UTC(y, m - 1, d));
  if (check.getUTCMonth() !== m - 1 || check.getUTCDate() !== d)
    bad(`${shown(raw)} is not a valid date.`, usage);
  if (raw > iso(local)) bad(`${shown(raw)} is in the future.`, usage);
  if (raw < '1970-01-01') bad(`${shown(raw)} is before 1970; KPI Bot keeps dates from 1970-01-01 on.`, usage);
  return raw;
}

function pairs(words: string[], usage: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const w of words) {
    const m = /^([a-z_]+)=(.+)$/i.exec(w);
    if (!m) bad(`Expected name=value, got ${shown(w)}.`, usage);
    out.set((m[1] ?? '').toLowerCase(), m[2] ?? '');
  }
  return out;
}

async function record(ctx: TCommandContext, events: TCanonicalEvent[]): Promise<void> {
  const items = events.map((event) => {
    const parsed = ZCanonicalEvent.safeParse(event);
    // What the command let through but the event rules refuse (a name with a character the store cannot
    // hold, a number out of range): the rule's own words, as a refusal, never an internal error.
    if (!parsed.success) throw new AppError('bad_request', describeZodError(parsed.error));
    const checked = parsed.data;
    return {
      workspaceId: ctx.workspace.id,
      source: 'slack',
      eventId: randomUUID(),
      eventType: checked.type,
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

const ACTIVITY_KINDS: Record<string, 'call' | 'email' | 'meeting'> = {
  call: 'call',
  calls: 'call',
  email: 'email',
  emails: 'email',
  meeting: 'meeting',
  meetings: 'meeting',
};

const LINKEDIN_KEYS: Record<string, string> = {
  followers: 'followers',
  views: 'profile_views',
  profile_views: 'profile_views',
  requests_sent: 'requests_sent',
  sent: 'requests_sent',
  accepted: 'requests_accepted',
  requests_accepted: 'requests_accepted',
  inquiries: 'inquiries',
  referrals: 'referrals',
};

async function logActivity(kindWord: string, args: string[], ctx: TCommandContext): Promise<TReply> {
  const usage = LOG_USAGE[0] as string;
  const kind = ACTIVITY_KINDS[kindWord] as 'call' | 'email' | 'meeting';
  let count = 1;
  let personalized: boolean | null = null;
  let day: string | undefined;
  for (const w of args) {
    const lower = w.toLowerCase();
    if (/^[+-]?\d+([.,]\d+)?$/.test(w)) count = wholeNumber('N', w, usage, 1, 10_000);
    else if (lower === 'personalized' || lower === 'personalised') personalized = true;
    else if (lower === 'generic') personalized = false;
    else day = dateOf(w, ctx, usage);
  }
  const owner = ownerOf(ctx);
  const date = day ?? dateOf('today', ctx, usage);
  await record(ctx, [
    {
      type: 'activity.logged',
      activityId: randomUUID(),
      owner,
      kind,
      count,
      personalized,
      at: `${date}T12:00`,
      occurredAt: ctx.now.getTime(),
    },
  ]);
  const what = `${count} ${personalized === true ? 'personalized ' : personalized === false ? 'generic ' : ''}${kind}${count === 1 ? '' : 's'}`;
  return buildDone(`Logged ${what} on ${date}.`);
}

async function logLinkedIn(args: string[], ctx: TCommandContext): Promise<TReply> {
  const usage = LOG_USAGE[1] as string;
  const values = pairs(args, usage);
  if (values.size === 0) bad('Say which numbers to log.', usage);
  const events: TCanonicalEvent[] = [];
  const owner = ownerOf(ctx);
  for (const [key, raw] of values) {
    const metric = LINKEDIN_KEYS[key];
    if (!metric) {
      const near = closestMatch(key, Object.keys(LINKEDIN_KEYS));
      bad(`${shown(key)} is not a LinkedIn number${near ? ` (did you mean ${near}?)` : ''}.`, usage);
    }
    const value = wholeNumber(key, raw, usage);
    events.push({
      type: 'social.snapshot',
      owner,
      network: 'linkedin',
      metric: metric as 'followers',
      value,
      occurredAt: ctx.now.getTime(),
    });
  }
  await record(ctx, events);
  return buildDone(
    `Logged your LinkedIn numbers: ${[...values].map(([k, v]) => `${k} ${Number(v).toLocaleString('en-US')}`).join(', ')}.`,
  );
}

async function logPost(args: string[], ctx: TCommandContext): Promise<TReply> {
  const usage = LOG_USAGE[2] as string;
  const [network, ...rest] = args;
  if (!network || network.includes('=')) bad('Say which network the post is on, e.g. linkedin.', usage);
  if (!/^[a-z][a-z0-9_-]{0,39}$/i.test(network)) bad(`${shown(network)} is not a network name.`, usage);
  const values = pairs(rest, usage);
  const counts: Record<string, number> = { shares: 0, comments: 0, likes: 0 };
  let postId: string | undefined;
  for (const [key, raw] of values) {
    if (key === 'id') postId = clipText(raw.replace(/^<|>$/g, ''), 200);
    else if (key in counts) counts[key] = wholeNumber(key, raw, usage);
    else bad(`${shown(key)} is not something a post has (shares, comments, likes, id).`, usage);
  }
  await record(ctx, [
    {
      type: 'social.post',
      owner: ownerOf(ctx),
      network: network.toLowerCase(),
      postId: postId ?? randomUUID(),
      shares: counts.shares ?? 0,
      comments: counts.comments ?? 0,
      likes: counts.likes ?? 0,
      occurredAt: ctx.now.getTime(),
    },
  ]);
  return buildDone(
    `Logged a ${network.toLowerCase()} post: ${counts.shares} shares, ${counts.comments} comments, ${counts.likes} likes.`,
  );
}

/** `/kpi log ...`: calls, emails, meetings, LinkedIn numbers, a post's engagement. */
export const logCommand: TCommand = {
  name: 'log',
  usage: LOG_USAGE[0] as string,
  summary: 'Log outreach, LinkedIn numbers or a post the CRM does not know about.',
  examples: [
    'log call 3 personalized',
    'log email 10 generic yesterday',
    'log linkedin followers=812 views=140',
    'log post linkedin shares=4 comments=2 likes=30',
  ],
  async run(args, ctx) {
    const [what, ...rest] = args;
    const word = (what ?? '').toLowerCase();
    if (ACTIVITY_KINDS[word]) return logActivity(word, rest, ctx);
    if (word === 'linkedin') return logLinkedIn(rest, ctx);
    if (word === 'post') return logPost(rest, ctx);
    const near = what ? closestMatch(word, [...Object.keys(ACTIVITY_KINDS), 'linkedin', 'post']) : null;
    throw new AppError(
      'bad_request',
      `${what ? `I cannot log ${shown(what)}${near ? ` (did you mean ${near}?)` : ''}.` : 'Say what to log.'}\nUsage:\n${LOG_USAGE.map((u) => `\`/kpi ${u}\``).join('\n')}`,
    );
  },
};

/** `/kpi quiz "<course>" <score>[/<max>]`: a product-training result. */
export const quizCommand: TCommand = {
  name: 'quiz',
  usage: 'quiz "<course>" <score>[/<max>]',
  summary: 'Record a product quiz score (out of 100 unless you say /max).',
  examples: ['quiz "GTX Pro" 42/50', 'quiz Onboarding 88'],
  async run(args, ctx) {
    const usage = this.usage;
    const [course, raw, ...extra] = args;
    if (!course || !raw) bad('Say the course and the score.', usage);
    if (extra.length)
      bad(
        `Put a course name of several words in quotes ("${escapeMrkdwn(args.slice(0, -1).join(' '))}").`,
        usage,
      );
    const m = /^(\d+(?:\.\d+)?)(?:%|\/(\d+(?:\.\d+)?))?$/.exec(raw);
    if (!m) bad(`The score must look like 42/50, 84 or 84%, got ${shown(raw)}.`, usage);
    const score = Number(m[1]);
    const maxScore = m[2] ? Number(m[2]) : 100;
    if (maxScore <= 0 || score > maxScore) bad(`The score ${shown(raw)} is more than its maximum.`, usage);
    if (course.length > 300) bad('The course name is too long (300 characters at most).', usage);
    await record(ctx, [
      {
        type: 'training.result',
        owner: ownerOf(ctx),
        course,
        kind: 'quiz',
        score,
        maxScore,
        occurredAt: ctx.now.getTime(),
      },
    ]);
    return buildDone(
      `Recorded ${score}/${maxScore} (${Math.round((score / maxScore) * 100)}%) for ${course}.`,
    );
  },
};

export const LOG_COMMANDS: TCommand[] = [logCommand, quizCommand];
