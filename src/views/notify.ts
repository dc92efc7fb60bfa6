import type { KnownBlock } from '@slack/types';
import type { TDigestDay, TNotifyItem, TNotifyView } from '../domain/notify.js';
import { clipMrkdwn, mrkdwnContext } from './blocks.js';
import { codeSpan, escapeMrkdwn } from './help.js';
import { plain, terminalSafe, WIDTH, wrap } from './terminal.js';
import type { TReply, TReplyData } from './types.js';

/** `/kpi notify`: what one person receives, each choice with its default marked, in Slack, a terminal and JSON. */

const DAY_WORDS: Record<TDigestDay, string> = {
  daily: 'every day',
  weekdays: 'Monday to Friday',
  monday: 'Mondays',
  tuesday: 'Tuesdays',
  wednesday: 'Wednesdays',
  thursday: 'Thursdays',
  friday: 'Fridays',
  saturday: 'Saturdays',
  sunday: 'Sundays',
};

/** How a view marks up a literal (a cron schedule, a command): a code span in Slack, as is in a terminal. */
type TMark = { code: (s: string) => string; strong: (s: string) => string };
const SLACK: TMark = { code: codeSpan, strong: (s) => `*${s}*` };
const TERMINAL: TMark = { code: (s) => s, strong: (s) => s };

const onOff = (on: boolean) => (on ? 'on' : 'off');

/** "(default)", or what the default would be when the person chose otherwise. */
function defaultNote(isDefault: boolean, defaultShown: string): string {
  return isDefault ? '(default)' : `(your choice; default ${defaultShown})`;
}

/** The digest's days and time in words: "Mondays at 07:30 (Europe/Berlin)", "every day, with the coaching run …". */
export function digestWhen(d: NonNullable<TNotifyView['digest']>, timezone: string, mark: TMark): string {
  const days = DAY_WORDS[d.day];
  if (d.time)
    return `${days} at ${d.time} (${timezone})${
      d.heldUntil ? `, held to ${d.heldUntil}: ${d.time} is in this workspace's quiet hours` : ''
    }`;
  const run = d.coachingRun.enabled
    ? `${mark.code(d.coachingRun.schedule)}, ${timezone}`
    : 'which is off in this workspace';
  return `${days}, with the coaching run (${run})`;
}

/** Each choice as a label and its value (with its default marked). */
function rows(v: TNotifyView, mark: TMark): [string, string][] {
  const rankNote = !v.rank.isDefault
    ? defaultNote(false, 'off')
    : v.rank.legacyOptIn
      ? '(you asked from the leaderboard post)'
      : '(default)';
  const out: [string, string][] = [
    [
      'Weekly rank DM',
      !v.rank.ranked && !v.rank.on
        ? 'not for you: the weekly board ranks active reps'
        : `${mark.strong(onOff(v.rank.on))} ${rankNote}`,
    ],
    ['Milestone DMs', `${mark.strong(onOff(v.milestones.on))} ${defaultNote(v.milestones.isDefault, 'on')}`],
    ['Stalled-deal DMs', `${mark.strong(onOff(v.stalled.on))} ${defaultNote(v.stalled.isDefault, 'on')}`],
  ];
  if (v.digest)
    out.push([
      'Manager digest',
      `${mark.strong(digestWhen(v.digest, v.timezone, mark))} ${v.digest.isDefault ? '(default)' : '(your choice; default: every day, with the coaching run)'}`,
    ]);
  return out;
}

/** "Saved: …" for what was just changed (plain words; the view marks nothing up in it). */
function savedText(v: TNotifyView, changed: TNotifyItem, mark: TMark): string {
  switch (changed) {
    case 'rank':
      return `Saved: your weekly rank DM is now ${onOff(v.rank.on)}.`;
    case 'milestones':
      return `Saved: milestone DMs are now ${onOff(v.milestones.on)}.`;
    case 'stalled':
      return `Saved: stalled-deal DMs are now ${onOff(v.stalled.on)}.`;
    case 'digest':
      return v.digest ? `Saved: your digest goes out ${digestWhen(v.digest, v.timezone, mark)}.` : 'Saved.';
    case 'reset':
      return 'Saved: everything is back to its default.';
  }
}

const HOW = [
  'rank on|off',
  'milestones on|off',
  'stalled on|off',
  'digest <daily|weekdays|monday…sunday> [HH:MM]',
  'digest default',
  'reset',
];

/** What the milestone and stalled-deal messages are, in a sentence. */
const WHAT = (v: TNotifyView) =>
  `Milestone DMs: when you pass 50% and 90% of a target (and 100% when the workspace has no celebrations channel). Stalled-deal DMs: weekly, your open deals that have sat in their stage longer than the team usually does, are older than the team usually takes to close, or, where your CRM logs activity on deals, have had none logged for ${v.stalled.days} days.`;

const howTo = (v: TNotifyView, mark: TMark) =>
  `${WHAT(v)} Change with ${HOW.filter((h) => v.digest || !h.startsWith('digest'))
    .filter((h) => v.rank.ranked || v.rank.on || !h.startsWith('rank'))
    .map((h) => mark.code(`/kpi notify ${h}`))
    .join(', ')}.${v.digest ? ` Digest times are in ${v.timezone}.` : ''}`;

/**
 * Said to someone without a Slack id (only the local shell has such askers: in Slack everyone has one). In local
 * mode the jobs do reach them, by name, printed in the bot's terminal, with the defaults.
 */
const NO_SLACK =
  "You have no Slack id here. In local mode the scheduled messages to you (your stalled deals; a manager's digest) go to the bot's log, data/kpi.log, while it runs, and kpi jobs run prints them; they follow these defaults. Choices are kept for people with a Slack id.";

/** The Block Kit of `/kpi notify`: the choices in one section, how to change them in a context. */
export function notifyBlocks(v: TNotifyView): KnownBlock[] {
  const lines = [
    ...(v.changed ? [`:white_check_mark: ${savedText(v, v.changed, SLACK)}`] : []),
    `*What KPI Bot sends you* (${escapeMrkdwn(v.person.name)})`,
    ...rows(v, SLACK).map(([label, value]) => `• ${label}: ${value}`),
  ];
  return [
    { type: 'section', text: { type: 'mrkdwn', text: clipMrkdwn(lines.join('\n')) } },
    mrkdwnContext([v.reachable ? howTo(v, SLACK) : escapeMrkdwn(`${WHAT(v)} ${NO_SLACK}`)]),
  ];
}

/** The text fallback (notifications, screen readers): the same choices on one line. */
export function notifyFallback(v: TNotifyView): string {
  // Nothing here comes from people (the name is left out), so only the schedule needs marking, as code.
  const choices = rows(v, { code: codeSpan, strong: (s) => s })
    .map(([label, value]) => `${label} ${value}`)
    .join('; ');
  const saved = v.changed ? `${savedText(v, v.changed, { code: codeSpan, strong: (s) => s })} ` : '';
  return clipMrkdwn(`${saved}What KPI Bot sends you: ${choices}.`);
}

/** The terminal view: a line for what changed, the choices in two columns, how to change them. */
export function notifyText(v: TNotifyView): string {
  const lines = [
    ...(v.changed ? [`✓ ${savedText(v, v.changed, TERMINAL)}`] : []),
    `What KPI Bot sends you (${plain(v.person.name)})`,
    ...rows(v, TERMINAL).flatMap(([label, value]) =>
      wrap(value, WIDTH - 20).map((l, i) => `${i === 0 ? `  ${label.padEnd(18)}` : ' '.repeat(20)}${l}`),
    ),
    ...wrap(v.reachable ? howTo(v, TERMINAL) : `${WHAT(v)} ${NO_SLACK}`),
  ];
  return terminalSafe(lines.join('\n'));
}

/** As data: each choice, whether it is the default, the digest's days and time (HH:MM in `timezone`). */
export function notifyJson(v: TNotifyView): TReplyData {
  return {
    type: 'notify',
    person: { name: v.person.name, slackUserId: v.person.slackUserId },
    timezone: v.timezone,
    rank: {
      on: v.rank.on,
      isDefault: v.rank.isDefault,
      legacyOptIn: v.rank.legacyOptIn,
      ranked: v.rank.ranked,
    },
    milestones: { on: v.milestones.on, isDefault: v.milestones.isDefault },
    stalled: { on: v.stalled.on, isDefault: v.stalled.isDefault, days: v.stalled.days },
    digest: v.digest
      ? {
          day: v.digest.day,
          time: v.digest.time,
          isDefault: v.digest.isDefault,
          coachingRun: { enabled: v.digest.coachingRun.enabled, schedule: v.digest.coachingRun.schedule },
        }
      : null,
    reachable: v.reachable,
    changed: v.changed,
  };
}

/** `/kpi notify` (and after a change): visible to the asker only. */
export function buildNotify(v: TNotifyView): TReply {
  return {
    text: notifyFallback(v),
    blocks: notifyBlocks(v),
    terminal: notifyText(v),
    data: notifyJson(v),
    visibility: 'ephemeral',
  };
}
