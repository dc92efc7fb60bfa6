import { closestMatch } from '../domain/closest.js';
import { AppError } from '../errors.js';
import type { TServiceContext } from '../services/context.js';
import { isServiceError } from '../services/errors.js';
import {
  logActivity,
  logLinkedin,
  logPost,
  recordQuiz,
  type TLinkedinMetric,
  todayOf,
  yesterdayOf,
} from '../services/log.js';
import { escapeMrkdwn } from '../views/help.js';
import {
  buildLoggedActivity,
  buildLoggedLinkedin,
  buildLoggedPost,
  buildRecordedQuiz,
} from '../views/logged.js';
import type { TCommand, TCommandContext, TReply } from './types.js';

/**
 * `/kpi log` and `/kpi quiz`: the text grammar only. Each reads its words into the typed input of a service
 * (src/services/log.ts), which validates, records and returns a plain result; the reply is a view of it.
 */

const LOG_USAGE = [
  'log call|email|meeting [N] [personalized|generic] [date]',
  'log linkedin followers=N views=N requests_sent=N accepted=N inquiries=N referrals=N',
  'log post <network> shares=N comments=N likes=N [id=<post id or link>]',
];

const shown = (s: string) => `"${escapeMrkdwn(s.length > 40 ? `${s.slice(0, 40)}…` : s)}"`;

/** The command's refusal (mrkdwn), with its usage line and the input field it concerns, if one. */
function bad(message: string, usage: string, field?: string): never {
  throw new AppError('bad_request', `${message}\nUsage: \`/kpi ${usage}\``, field ? { field } : {});
}

/** Runs a service; its refusal becomes the command's, with the usage line (the message escaped for Slack). */
async function withUsage<T>(usage: string, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (isServiceError(error) && error.code === 'bad_request')
      bad(escapeMrkdwn(error.message), usage, error.field);
    throw error;
  }
}

/** A whole number as typed (digits only), else the command's refusal naming the word. */
function wholeNumber(field: string, raw: string, usage: string, min = 0, max = 1_000_000_000): number {
  if (!/^\d+$/.test(raw) || Number(raw) < min || Number(raw) > max)
    bad(
      `${field} must be a whole number from ${min} to ${max.toLocaleString('en-US')}, got ${shown(raw)}.`,
      usage,
      // The input field it concerns, as the services name it (N is the activity count).
      field === 'N' ? 'count' : field,
    );
  return Number(raw);
}

/** today, yesterday or YYYY-MM-DD (the service checks the date itself). */
function dayWord(raw: string, ctx: TServiceContext): string {
  const lower = raw.toLowerCase();
  return lower === 'today' ? todayOf(ctx) : lower === 'yesterday' ? yesterdayOf(ctx) : raw;
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

const ACTIVITY_WORDS: Record<string, 'call' | 'email' | 'meeting'> = {
  call: 'call',
  calls: 'call',
  email: 'email',
  emails: 'email',
  meeting: 'meeting',
  meetings: 'meeting',
};

const LINKEDIN_KEYS: Record<string, TLinkedinMetric> = {
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

async function logActivityCommand(kindWord: string, args: string[], ctx: TCommandContext): Promise<TReply> {
  const usage = LOG_USAGE[0] as string;
  const kind = ACTIVITY_WORDS[kindWord] as 'call' | 'email' | 'meeting';
  let count = 1;
  let personalized: boolean | null = null;
  let date: string | undefined;
  for (const w of args) {
    const lower = w.toLowerCase();
    // Anything number-like is a count (1e3 and 1,000.5 included, refused as counts rather than read as dates).
    if (/^[+-]?[\d.,]*\d[\d.,]*(e[+-]?\d*)?$/i.test(w) && !/^\d{4}-/.test(w))
      count = wholeNumber('N', w, usage, 1, 10_000);
    else if (lower === 'personalized' || lower === 'personalised') personalized = true;
    else if (lower === 'generic') personalized = false;
    else date = dayWord(w, ctx);
  }
  const logged = await withUsage(usage, () => logActivity(ctx, { kind, count, personalized, date }));
  return buildLoggedActivity(logged);
}

async function logLinkedinCommand(args: string[], ctx: TCommandContext): Promise<TReply> {
  const usage = LOG_USAGE[1] as string;
  const words = pairs(args, usage);
  if (words.size === 0) bad('Say which numbers to log.', usage);
  const values: { metric: TLinkedinMetric; value: number }[] = [];
  const labels: { metric: TLinkedinMetric; label: string; value: number }[] = [];
  for (const [key, raw] of words) {
    const metric = LINKEDIN_KEYS[key];
    if (!metric) {
      const near = closestMatch(key, Object.keys(LINKEDIN_KEYS));
      bad(`${shown(key)} is not a LinkedIn number${near ? ` (did you mean ${near}?)` : ''}.`, usage);
    }
    const value = wholeNumber(key, raw, usage);
    values.push({ metric, value });
    labels.push({ metric, label: key, value });
  }
  await withUsage(usage, () => logLinkedin(ctx, { values }));
  return buildLoggedLinkedin(labels);
}

async function logPostCommand(args: string[], ctx: TCommandContext): Promise<TReply> {
  const usage = LOG_USAGE[2] as string;
  const [network, ...rest] = args;
  if (!network || network.includes('=')) bad('Say which network the post is on, e.g. linkedin.', usage);
  if (!/^[a-z][a-z0-9_-]{0,39}$/i.test(network)) bad(`${shown(network)} is not a network name.`, usage);
  const values = pairs(rest, usage);
  const counts: Record<string, number> = { shares: 0, comments: 0, likes: 0 };
  let postId: string | undefined;
  for (const [key, raw] of values) {
    if (key === 'id') postId = raw;
    else if (key in counts) counts[key] = wholeNumber(key, raw, usage);
    else bad(`${shown(key)} is not something a post has (shares, comments, likes, id).`, usage);
  }
  const logged = await withUsage(usage, () =>
    logPost(ctx, {
      network,
      shares: counts.shares ?? 0,
      comments: counts.comments ?? 0,
      likes: counts.likes ?? 0,
      postId,
    }),
  );
  return buildLoggedPost(logged);
}

/** `/kpi log ...`: calls, emails, meetings, LinkedIn numbers, a post's engagement. */
export const logCommand: TCommand = {
  name: 'log',
  // All three forms, so help shows what the summary promises (the refusals give each form in full).
  usage:
    'log call|email|meeting [N] [personalized|generic] [date] | log linkedin <name>=N … | log post <network> <name>=N …',
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
    if (ACTIVITY_WORDS[word]) return logActivityCommand(word, rest, ctx);
    if (word === 'linkedin') return logLinkedinCommand(rest, ctx);
    if (word === 'post') return logPostCommand(rest, ctx);
    const near = what ? closestMatch(word, [...Object.keys(ACTIVITY_WORDS), 'linkedin', 'post']) : null;
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
    const recorded = await withUsage(usage, () => recordQuiz(ctx, { course, score, maxScore }));
    return buildRecordedQuiz(recorded);
  },
};

export const LOG_COMMANDS: TCommand[] = [logCommand, quizCommand];
