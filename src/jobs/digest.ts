import { z } from 'zod';
import { DEFAULT_STALLED_DAYS, type TDigestDay, type TResolvedNotify } from '../domain/notify.js';
import { RULES, type TAlert, type TRuleId } from '../reports/coaching-rules.js';
import { plural } from '../reports/format.js';
import type { TStalledDeal } from '../reports/stalled-deals.js';
import { recordAlertSent, requeueAlert, type TAlertRecipient } from '../store/alerts.js';
import type { TDb } from '../store/store.js';
import { clipPlainText } from '../views/blocks.js';
import { buildCoachingDigest, digestItemText, type TDigest, type TDigestItem } from '../views/jobs.js';
import {
  stalledDealText,
  stalledDealTitle,
  stalledRuleCounts,
  stalledSummaryLine,
} from '../views/stalled.js';
import { SendError, type TOutbox } from './outbox.js';
import { slotAtOrBefore } from './schedule.js';

/**
 * The manager digest (issue 17): a coaching run's alerts go to each manager as ONE message, grouped by rep, most
 * serious first; alerts about reps whose manager has no Slack id go to the admins in one message each. This file
 * holds what the coaching job (coaching-job.ts) and the digest minute task (digest-task.ts) share: the severity
 * order, the items, the digest day and time, and sending one digest with its outcomes recorded per alert.
 */

/** The rule id of a rep's stalled deals in the digest (one item per rep and week). */
export const STALLED_RULE = 'stalled_deals';
export type TDigestRule = TRuleId | typeof STALLED_RULE;

/**
 * Most serious first: money already lost (sales declining, losing more than creating, first-year churn) before
 * where it is leaking (a funnel bottleneck), before activity behind pace, before skills (training), and stalled
 * deals last (a weekly list to look at, not a change).
 */
export const SEVERITY: readonly TDigestRule[] = [
  'sales_decline',
  'lost_outpacing_created',
  'churn_above_team',
  'funnel_bottleneck',
  'outreach_behind_pace',
  'personalized_behind_pace',
  'training_gap',
  STALLED_RULE,
];

/** A rule's place in SEVERITY (0 most serious); an unknown rule after every known one. */
export function severityOf(rule: string): number {
  const i = SEVERITY.indexOf(rule as TDigestRule);
  return i < 0 ? SEVERITY.length : i;
}

/** The title a digest shows for a rule. */
export function ruleTitle(rule: string): string {
  if (rule === STALLED_RULE) return 'Stalled deals';
  return (RULES as Record<string, { title: string }>)[rule]?.title ?? rule;
}

/**
 * The items in digest order: grouped by rep, the reps with the most serious alert first (then the one with more
 * alerts, then by name), each rep's items most serious first. In the admins' message (items naming their
 * `manager`) the reps are first grouped by manager, by name, reps with no manager last, so each team's part can
 * be forwarded. The order depends on the items alone, not on the order they come in (ties end on the ids).
 */
export function orderDigestItems(items: readonly TDigestItem[]): TDigestItem[] {
  const teams = new Map<string, TDigestItem[]>();
  for (const i of items) {
    const key = i.manager === undefined ? '' : i.manager === null ? '\u0001' : `\u0000${i.manager}`;
    teams.set(key, [...(teams.get(key) ?? []), i]);
  }
  // No manager ('\u0001') after every named one ('\u0000name'); in a manager's own digest there is one team.
  const keys = [...teams.keys()].sort((a, b) =>
    a.startsWith('\u0001') !== b.startsWith('\u0001')
      ? a.startsWith('\u0001')
        ? 1
        : -1
      : a.localeCompare(b) || (a < b ? -1 : a > b ? 1 : 0),
  );
  return keys.flatMap((k) => orderTeamItems(teams.get(k) ?? []));
}

/** One team's items: by rep, most serious first (orderDigestItems). */
function orderTeamItems(items: readonly TDigestItem[]): TDigestItem[] {
  const byRep = new Map<string, TDigestItem[]>();
  for (const i of items) byRep.set(i.rep.id, [...(byRep.get(i.rep.id) ?? []), i]);
  const cmpItem = (a: TDigestItem, b: TDigestItem) =>
    severityOf(a.rule) - severityOf(b.rule) ||
    a.rule.localeCompare(b.rule) ||
    (a.alertId < b.alertId ? -1 : a.alertId > b.alertId ? 1 : 0);
  const groups = [...byRep.values()].map((g) => [...g].sort(cmpItem));
  const top = (g: TDigestItem[]) => severityOf((g[0] as TDigestItem).rule);
  groups.sort((a, b) => {
    const ra = (a[0] as TDigestItem).rep;
    const rb = (b[0] as TDigestItem).rep;
    return (
      top(a) - top(b) ||
      b.length - a.length ||
      ra.name.localeCompare(rb.name) ||
      (ra.id < rb.id ? -1 : ra.id > rb.id ? 1 : 0)
    );
  });
  return groups.flat();
}

/** What an alert says, as the alert log keeps it while it waits in the queue (JSON in its message). */
const ZAlertContent = z.object({
  rule: z.string(),
  periodKey: z.string(),
  headline: z.string(),
  facts: z.string(),
  reason: z.string(),
  nextStep: z.string(),
  links: z.array(z.object({ url: z.string(), label: z.string() })),
});
export type TAlertContent = z.infer<typeof ZAlertContent>;

export const contentJson = (a: TAlertContent | TAlert) =>
  JSON.stringify({
    rule: a.rule,
    periodKey: a.periodKey,
    headline: a.headline,
    facts: a.facts,
    reason: a.reason,
    nextStep: a.nextStep,
    links: a.links,
  });

/** The content of a queued alert, or a plain one from its message when it holds none (an older row). */
export function contentOf(row: { rule: string; periodKey: string; message: string }): TAlertContent {
  try {
    const parsed = ZAlertContent.safeParse(JSON.parse(row.message));
    if (parsed.success) return parsed.data;
  } catch {
    // not JSON: the row's message is the headline
  }
  return {
    rule: row.rule,
    periodKey: row.periodKey,
    headline: row.message,
    facts: '',
    reason: '',
    nextStep: '',
    links: [],
  };
}

/** A digest item from an alert's content. */
export function digestItem(
  alertId: string,
  rep: { id: string; name: string },
  c: TAlertContent,
): TDigestItem {
  return {
    alertId,
    rep,
    rule: c.rule,
    title: ruleTitle(c.rule),
    headline: c.headline,
    facts: c.facts,
    reason: c.reason,
    nextStep: c.nextStep,
    links: c.links,
  };
}

/** At most this many stalled deals are named in one item (the rest counted in its summary line). */
const STALLED_SHOWN = 3;

/**
 * A rep's stalled deals of the week as one digest item: a summary ("31 stalled · oldest open 185 days ·
 * $X open value where known"), the STALLED_SHOWN most stalled deals in the DM's own words (stalledDealText), and
 * which rules caught how many. Plain text: the digest view escapes it.
 */
export function stalledContent(
  rep: { name: string },
  deals: readonly TStalledDeal[],
  weekKey: string,
  locale: string,
  stalledDays = DEFAULT_STALLED_DAYS,
): TAlertContent {
  const shown = deals.slice(0, STALLED_SHOWN);
  const more = deals.length - shown.length;
  const opts = { stalledDays, locale };
  return {
    rule: STALLED_RULE,
    periodKey: weekKey,
    headline: `${rep.name} has ${plural(deals.length, 'stalled deal')}`,
    // One paragraph (the digest shows an item's facts on one line): the summary, then (1) (2) (3).
    facts: [
      `${stalledSummaryLine(deals, locale)}.`,
      ...shown.map((d, i) => `(${i + 1}) ${stalledDealText(d, opts)}`),
      ...(more > 0 ? [`…and ${more} more.`] : []),
    ].join(' '),
    reason: stalledRuleCounts(deals, stalledDays),
    nextStep:
      'Pick the deal to revive this week and agree its next step with the rep; close the ones that are dead.',
    links: shown
      .filter((d) => d.link)
      .map((d) => ({ url: d.link as string, label: clipPlainText(stalledDealTitle(d), 60) })),
  };
}

const WEEKDAYS = ['sunday', 'monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday'] as const;

/** The weekday of an instant in a time zone ("monday"). */
function weekdayIn(at: Date, timezone: string): (typeof WEEKDAYS)[number] {
  const name = new Intl.DateTimeFormat('en-US', { timeZone: timezone, weekday: 'long' }).format(at);
  return name.toLowerCase() as (typeof WEEKDAYS)[number];
}

/** Whether a digest day setting includes the local day of an instant. */
export function isDigestDay(day: TDigestDay, at: Date, timezone: string): boolean {
  if (day === 'daily') return true;
  const today = weekdayIn(at, timezone);
  if (day === 'weekdays') return today !== 'saturday' && today !== 'sunday';
  return today === day;
}

/** The cron days field of a digest day. */
function cronDays(day: TDigestDay): string {
  if (day === 'daily') return '*';
  if (day === 'weekdays') return '1-5';
  return String(WEEKDAYS.indexOf(day));
}

/**
 * The latest moment a manager's digest was due at or before `now` (their day and time in the workspace's zone),
 * within the last eight days; undefined when they chose no time (their digest goes with the coaching run).
 */
export function lastDigestMoment(prefs: TResolvedNotify, timezone: string, now: Date): Date | undefined {
  if (!prefs.digestTime) return undefined;
  const [hh, mm] = prefs.digestTime.split(':');
  const expr = `${Number(mm)} ${Number(hh)} * * ${cronDays(prefs.digestDay)}`;
  return slotAtOrBefore(expr, timezone, now, 8 * 86_400_000);
}

/** Whether an alert queued at `queuedAt` is due in the digest of `moment` (the same minute counts). */
export const isDueAt = (queuedAt: Date, moment: Date | undefined) =>
  moment !== undefined && Math.floor(queuedAt.getTime() / 60_000) * 60_000 <= moment.getTime();

/** One message to send: the digest and whom it goes to; `fromQueue` marks the items that waited in the queue. */
export type TBundle = { digest: TDigest; to: string[]; fromQueue: Set<string> };

export type TBundleOutcome = {
  status: 'sent' | 'failed' | 'uncertain';
  delivered: string[];
  items: number;
};

/**
 * Sends one digest to each of its recipients and records, for every alert in it, the outcome and each recipient
 * with how the sending to them ended. Sent to anyone: sent. Refused everywhere: failed (a new alert is tried again
 * on the next run; one that waited in the queue goes back to it, for the next digest day and time). Cut off:
 * uncertain (not again). `afterSend` is told after each message that went out.
 */
export async function deliverBundle(
  io: {
    db: TDb;
    outbox: TOutbox;
    logger: { warn(o: unknown, m: string): void };
    now: Date;
    workspace: { timezone: string };
    /** The day the digest is dated by: the coaching run's slot (what its figures stand for); else `now`. */
    datedAt?: Date;
  },
  bundle: TBundle,
  afterSend: () => Promise<void> = async () => {},
): Promise<TBundleOutcome> {
  // Dated by the day its figures stand for (the run's slot; a digest at a manager's time: now), in the
  // workspace's zone, so a run replayed with --at is dated by that slot.
  const message = buildCoachingDigest(bundle.digest, {
    at: io.datedAt ?? io.now,
    timezone: io.workspace.timezone,
  });
  const recipients: TAlertRecipient[] = [];
  for (const userId of bundle.to) {
    try {
      await io.outbox.dm(userId, message);
      recipients.push({ slackUserId: userId, delivery: 'delivered' });
      await afterSend();
    } catch (error) {
      io.logger.warn(
        { err: error, to: userId, alerts: bundle.digest.items.length },
        'coaching digest not sent',
      );
      const refused = error instanceof SendError && error.delivered === 'no';
      recipients.push({ slackUserId: userId, delivery: refused ? 'refused' : 'uncertain' });
    }
  }
  const delivered = recipients.filter((r) => r.delivery === 'delivered').map((r) => r.slackUserId);
  const cutOff = recipients.some((r) => r.delivery === 'uncertain');
  const status = delivered.length > 0 ? 'sent' : cutOff ? 'uncertain' : 'failed';
  for (const item of bundle.digest.items) {
    if (status === 'failed' && bundle.fromQueue.has(item.alertId))
      await requeueAlert(io.db, item.alertId, io.now);
    else await recordAlertSent(io.db, item.alertId, { status, message: digestItemText(item), recipients });
  }
  return { status, delivered, items: bundle.digest.items.length };
}
