import { randomUUID } from 'node:crypto';
import { parseWorkspaceSettings } from '../domain/settings.js';
import { elapsedFraction, periodContaining, previousPeriod } from '../metrics/periods.js';
import { median } from '../metrics/stats.js';
import { evaluateRules, ruleConfig, type TCoachingInput } from '../reports/coaching-rules.js';
import { formatMetric, plural } from '../reports/format.js';
import { calendarOf } from '../reports/present.js';
import { repMetricsReport, type TRepMetricsReport } from '../reports/rep-metrics.js';
import { stalledDaysOf, stalledDealsByRep } from '../reports/stalled-deals.js';
import { claimAlert, claimQueuedAlerts, isAlertSnoozed, queuedAlerts } from '../store/alerts.js';
import { hasActivityBetween, recentRecordings, tracksTraining } from '../store/facts.js';
import { notifyPreferencesOfWorkspace } from '../store/notify-preferences.js';
import { activeManagerContact, activeReps, adminRepSlackIds } from '../store/reps.js';
import type { TDb } from '../store/store.js';
import type { Rep, Workspace } from '../store/types.js';
import type { TDigestItem } from '../views/jobs.js';
import {
  contentJson,
  contentOf,
  deliverBundle,
  digestItem,
  isDigestDay,
  orderDigestItems,
  stalledContent,
  type TAlertContent,
  type TBundle,
} from './digest.js';
import { inQuietHours } from './schedule.js';
import type { TJob, TJobContext, TJobResult } from './types.js';

/** Quiet hours when a workspace has not chosen its own: no direct messages from 20:00 to 08:00 local time. */
export const DEFAULT_QUIET_HOURS = { start: '20:00', end: '08:00' };
/** How far back recorded calls are offered for review. */
const RECORDINGS_DAYS = 30;

/** Slack ids of the workspace's KPI Bot admins: reps with the admin role and the `admins` setting. */
export async function workspaceAdmins(db: TDb, workspaceId: string, settingsJson: string): Promise<string[]> {
  const ids = [
    ...(await adminRepSlackIds(db, workspaceId)),
    ...(parseWorkspaceSettings(settingsJson).admins ?? []),
  ];
  return [...new Set(ids)];
}

type TCounts = {
  sent: number;
  snoozed: number;
  duplicate: number;
  failed: number;
  uncertain: number;
  noRecipient: number;
  /** Waiting for their manager's digest day and time. */
  queued: number;
  /** About reps whose manager has no Slack id (or who have no manager): sent to the admins, or to nobody. */
  noSlackManager: number;
  /** Digest messages that went out. */
  messages: number;
};

/** The workspace's quiet hours (its setting, else the default; null: none). */
export function quietHoursOf(workspace: Pick<Workspace, 'settings'>) {
  const settings = parseWorkspaceSettings(workspace.settings);
  return settings.quietHours === undefined ? DEFAULT_QUIET_HOURS : settings.quietHours;
}

/**
 * A job run that would direct-message people in quiet hours is held (sent when they end). Quiet hours are about
 * the people being messaged now (the terminal of local mode has none).
 */
export function quietHoursHold(ctx: TJobContext): TJobResult | null {
  const quiet = quietHoursOf(ctx.workspace);
  if (ctx.outbox.local || !inQuietHours(ctx.now, ctx.workspace.timezone, quiet)) return null;
  return {
    summary: `held: ${quiet?.start}–${quiet?.end} are quiet hours in ${ctx.workspace.timezone}; sent when they end`,
    held: true,
  };
}

/**
 * What the rules read for every active rep: this month's and last month's scorecards, the team's churn, recent
 * recorded calls, and whether training and outreach are tracked at all in this workspace.
 */
async function coachingInputs(ctx: TJobContext): Promise<{ rep: Rep; input: TCoachingInput }[]> {
  const { db, workspace, slot } = ctx;
  const reps = await activeReps(db, workspace.id);
  const trainingTracked = await tracksTraining(db, workspace.id);
  // Pace alerts on outreach only where outreach is recorded at all (a CRM export of deals alone has none).
  const outreachTracked = await hasActivityBetween(
    db,
    workspace.id,
    new Date(slot.getTime() - 90 * 86_400_000),
    slot,
  );
  const cal = calendarOf(workspace);
  const current = periodContaining('month', slot, cal);
  const last = previousPeriod(current, cal);
  const reports = new Map<string, { now: TRepMetricsReport; last: TRepMetricsReport }>();
  for (const rep of reps) {
    reports.set(rep.id, {
      now: await repMetricsReport(db, workspace, rep, current, slot),
      last: await repMetricsReport(db, workspace, rep, last, slot),
    });
  }
  const churnOf = (id: string) => reports.get(id)?.last.metrics['churn.first_year_churn_rate'];
  const out: { rep: Rep; input: TCoachingInput }[] = [];
  for (const rep of reps) {
    const r = reports.get(rep.id);
    if (!r) continue;
    const team = reps.filter((x) => x.managerId === rep.managerId && x.id !== rep.id);
    const teamChurn = median(
      team.map((x) => churnOf(x.id)).filter((v): v is number => typeof v === 'number'),
    );
    const recordings = await recentRecordings(
      db,
      workspace.id,
      rep.id,
      { from: new Date(slot.getTime() - RECORDINGS_DAYS * 86_400_000), to: slot },
      3,
    );
    out.push({
      rep,
      input: {
        repName: rep.name,
        current: {
          key: r.now.period.key,
          label: r.now.period.label,
          elapsed: elapsedFraction(current, slot),
          metrics: r.now.metrics as Record<string, number | null>,
          pace: r.now.pace,
          bottleneck: (r.now.metrics['funnel.bottleneck'] as TCoachingInput['current']['bottleneck']) ?? null,
        },
        last: {
          key: r.last.period.key,
          label: r.last.period.label,
          metrics: r.last.metrics as Record<string, number | null>,
          diagnosis: r.last.diagnosis,
          teamChurn,
        },
        trainingTracked,
        outreachTracked,
        recordings: recordings.map((a) => ({
          url: a.recordingUrl as string,
          subject: a.subject,
          at: a.occurredAt.toISOString(),
        })),
        formatMoney: (v) => formatMetric(v, 'money', workspace.currency, workspace.locale),
      },
    });
  }
  return out;
}

/** Tells the workspace's admins when alerts could not be delivered (refused, or cut off mid-way). */
async function reportUndelivered(ctx: TJobContext, admins: string[], counts: TCounts): Promise<void> {
  const missed = counts.failed + counts.uncertain;
  if (!missed) return;
  const text = `KPI Bot could not deliver ${missed} coaching alert${missed === 1 ? '' : 's'} (${ctx.slot.toISOString()}): ${
    counts.failed
  } refused by Slack (tried again on the next run), ${counts.uncertain} cut off (not sent again). The bot's log has the details.`;
  for (const admin of admins)
    await ctx.outbox
      .dm(admin, { text, blocks: [{ type: 'section', text: { type: 'plain_text', text } }], terminal: text })
      .catch((error: unknown) =>
        ctx.logger.error({ err: error, admin }, 'could not tell an admin about alerts'),
      );
}

/**
 * Where a rep's alerts go now: `now` to their manager (a Slack id; in local mode a manager without one is reached
 * by name), `queue` when the manager chose a digest time or today is not one of their digest days, `admins` when
 * the manager has no Slack id (`manager`, their name) or the rep has no active manager (null).
 */
type TRoute = { kind: 'now'; to: string } | { kind: 'queue' } | { kind: 'admins'; manager: string | null };

/** Routes by manager id, reading each manager and the workspace's preferences once. */
async function routerOf(ctx: TJobContext) {
  const { db, workspace } = ctx;
  const prefs = await notifyPreferencesOfWorkspace(db, workspace);
  const contacts = new Map<string, { slackUserId: string | null; name: string } | null>();
  return async (managerId: string | null): Promise<TRoute> => {
    if (managerId) {
      if (!contacts.has(managerId))
        contacts.set(managerId, await activeManagerContact(db, workspace.id, managerId));
      const m = contacts.get(managerId);
      if (m?.slackUserId) {
        const p = prefs.of(m.slackUserId);
        if (p.digestTime || !isDigestDay(p.digestDay, ctx.now, workspace.timezone)) return { kind: 'queue' };
        return { kind: 'now', to: m.slackUserId };
      }
      if (m && ctx.outbox.local) return { kind: 'now', to: m.name };
      if (m) return { kind: 'admins', manager: m.name };
    }
    return { kind: 'admins', manager: null };
  };
}

/** The run's summary, as the ledger and `kpi jobs` show it. */
function summaryOf(counts: TCounts): string {
  return `${counts.sent} alert${counts.sent === 1 ? '' : 's'} sent${
    counts.messages ? ` in ${plural(counts.messages, 'message')}` : ''
  }${counts.duplicate ? `, ${counts.duplicate} already sent this period` : ''}${
    counts.queued ? `, ${counts.queued} queued for a manager's digest time` : ''
  }${counts.snoozed ? `, ${counts.snoozed} snoozed` : ''}${counts.failed ? `, ${counts.failed} failed (retried next run)` : ''}${
    counts.uncertain ? `, ${counts.uncertain} uncertain` : ''
  }${counts.noSlackManager ? `, ${counts.noSlackManager} about reps whose manager has no Slack id` : ''}${
    counts.noRecipient ? `, ${counts.noRecipient} with nobody to send to` : ''
  }`;
}

/** Every candidate alert of a run: each rep's rules, and once a week each rep's stalled deals. */
async function candidatesOf(ctx: TJobContext): Promise<{ rep: Rep; content: TAlertContent }[]> {
  const config = ruleConfig(parseWorkspaceSettings(ctx.workspace.settings).alerts ?? {});
  const out: { rep: Rep; content: TAlertContent }[] = [];
  const reps: Rep[] = [];
  for (const { rep, input } of await coachingInputs(ctx)) {
    reps.push(rep);
    for (const alert of evaluateRules(input, config))
      out.push({ rep, content: JSON.parse(contentJson(alert)) });
  }
  // Stalled deals: one item per rep and week (the week's key as its period), whatever the rep's own weekly DM.
  const stalled = await stalledDealsByRep(ctx.db, ctx.workspace, ctx.slot);
  const week = periodContaining('week', ctx.slot, calendarOf(ctx.workspace)).key;
  for (const rep of reps) {
    const deals = stalled.get(rep.id) ?? [];
    if (deals.length)
      out.push({
        rep,
        content: stalledContent(rep, deals, week, ctx.workspace.locale, stalledDaysOf(ctx.workspace)),
      });
  }
  return out;
}

/**
 * Daily coaching alerts as one digest per manager (issue 17): every active rep's numbers through the rules (and
 * once a week their stalled deals); each alert new for its rep, rule and period is claimed in the alert log, then
 * each manager with a Slack id gets ONE message with every new alert about their reps, grouped by rep, most
 * serious first. A manager who chose a digest time (or whose digest day is not today) has them queued for the
 * digest minute task. Alerts about reps whose manager has no Slack id (or who have none) go to the admins, one
 * message each, naming who lacks a Slack id. Snoozed rules stay quiet; in quiet hours nothing is sent and the
 * run is held until they end.
 */
export const coachingAlertsJob: TJob = {
  name: 'coaching-alerts',
  defaultSchedule: '30 8 * * *',
  async run(ctx) {
    const held = quietHoursHold(ctx);
    if (held) return held;
    const { db, workspace } = ctx;
    const admins = await workspaceAdmins(db, workspace.id, workspace.settings);
    const counts: TCounts = {
      sent: 0,
      snoozed: 0,
      duplicate: 0,
      failed: 0,
      uncertain: 0,
      noRecipient: 0,
      queued: 0,
      noSlackManager: 0,
      messages: 0,
    };
    let sendingMarked = false;
    const beforeFirstSend = async () => {
      if (sendingMarked) return;
      await ctx.sending();
      sendingMarked = true;
    };
    const route = await routerOf(ctx);
    const toManager = new Map<string, TDigestItem[]>();
    const toAdmins: TDigestItem[] = [];
    const managersWithoutSlack = new Set<string>();
    const repsWithoutManager = new Set<string>();
    const place = (r: Exclude<TRoute, { kind: 'queue' }>, item: TDigestItem) => {
      if (r.kind === 'now') return void toManager.set(r.to, [...(toManager.get(r.to) ?? []), item]);
      toAdmins.push({ ...item, manager: r.manager });
      counts.noSlackManager += 1;
      if (r.manager === null) repsWithoutManager.add(item.rep.name);
      else managersWithoutSlack.add(r.manager);
    };
    for (const { rep, content } of await candidatesOf(ctx)) {
      if (await isAlertSnoozed(db, workspace.id, rep.id, content.rule, ctx.slot)) {
        counts.snoozed += 1;
        continue;
      }
      const r = await route(rep.managerId);
      if (r.kind === 'admins' && admins.length === 0) {
        // Left unclaimed: once the workspace has an admin (or the manager a Slack id) a run sends it.
        counts.noRecipient += 1;
        counts.noSlackManager += 1;
        continue;
      }
      // Claimed before anything is sent: from here a crash leaves the run uncertain, never sent twice.
      if (r.kind !== 'queue') await beforeFirstSend();
      const id = await claimAlert(db, workspace.id, {
        repId: rep.id,
        rule: content.rule,
        periodKey: content.periodKey,
        headline: contentJson(content),
        now: ctx.now,
        status: r.kind === 'queue' ? 'queued' : 'sending',
      });
      if (!id) counts.duplicate += 1;
      else if (r.kind === 'queue') counts.queued += 1;
      else place(r, digestItem(id, { id: rep.id, name: rep.name }, content));
    }
    // Alerts queued earlier whose recipient now gets them with this run (the manager's digest day came, their
    // time was cleared, or they lost their Slack id) go in the same messages.
    const waiting: { id: string; r: Exclude<TRoute, { kind: 'queue' }> }[] = [];
    const queued = await queuedAlerts(db, workspace.id);
    for (const q of queued) {
      const r = await route(q.rep.managerId);
      if (r.kind === 'queue' || (r.kind === 'admins' && admins.length === 0)) continue;
      waiting.push({ id: q.id, r });
    }
    const fromQueue = new Set<string>();
    if (waiting.length) {
      await beforeFirstSend();
      const taken = new Set(
        await claimQueuedAlerts(
          db,
          workspace.id,
          waiting.map((w) => w.id),
          randomUUID(),
        ),
      );
      for (const w of waiting) {
        const q = queued.find((x) => x.id === w.id);
        if (!q || !taken.has(w.id)) continue;
        fromQueue.add(w.id);
        place(w.r, digestItem(q.id, { id: q.rep.id, name: q.rep.name }, contentOf(q)));
      }
    }
    const bundles: TBundle[] = [...toManager].map(([to, items]) => ({
      digest: { kind: 'manager', items: orderDigestItems(items) },
      to: [to],
      fromQueue,
    }));
    if (toAdmins.length)
      bundles.push({
        digest: {
          kind: 'admins',
          items: orderDigestItems(toAdmins),
          managersWithoutSlack: [...managersWithoutSlack].sort(),
          repsWithoutManager: [...repsWithoutManager].sort(),
        },
        to: admins,
        fromQueue,
      });
    const sentAlerts: { rep: string; rule: string; to: string[] }[] = [];
    for (const bundle of bundles) {
      const outcome = await deliverBundle({ ...ctx, datedAt: ctx.slot }, bundle, async () => {
        counts.messages += 1;
        await ctx.sent({ messages: counts.messages });
      });
      const settled = bundle.digest.items.filter(
        (i) => !(outcome.status === 'failed' && fromQueue.has(i.alertId)),
      );
      counts[outcome.status] += settled.length;
      if (outcome.status === 'failed') counts.queued += bundle.digest.items.length - settled.length;
      if (outcome.status === 'sent')
        for (const i of bundle.digest.items)
          sentAlerts.push({ rep: i.rep.name, rule: i.rule, to: outcome.delivered });
    }
    await reportUndelivered(ctx, admins, counts);
    if (counts.noRecipient)
      ctx.logger.warn(
        { alerts: counts.noRecipient },
        'coaching alerts with nobody to go to: set managers with Slack accounts, or KPI Bot admins',
      );
    return { summary: summaryOf(counts), ...counts, alerts: sentAlerts };
  },
};
