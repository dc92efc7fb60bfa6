import { parseWorkspaceSettings } from '../domain/settings.js';
import { elapsedFraction, periodContaining, previousPeriod } from '../metrics/periods.js';
import { median } from '../metrics/stats.js';
import { evaluateRules, ruleConfig, type TAlert, type TCoachingInput } from '../reports/coaching-rules.js';
import { formatMetric } from '../reports/format.js';
import { calendarOf } from '../reports/present.js';
import { repMetricsReport, type TRepMetricsReport } from '../reports/rep-metrics.js';
import { claimAlert, isAlertSnoozed, recordAlertSent, type TAlertRecipient } from '../store/alerts.js';
import { hasActivityBetween, recentRecordings, tracksTraining } from '../store/facts.js';
import { activeManagerContact, activeReps, adminRepSlackIds } from '../store/reps.js';
import type { TDb } from '../store/store.js';
import type { Rep } from '../store/types.js';
import { buildCoachingAlert } from '../views/jobs.js';
import { SendError } from './outbox.js';
import { inQuietHours } from './schedule.js';
import type { TJob, TJobContext } from './types.js';

/** Quiet hours when a workspace has not chosen its own: no direct messages from 20:00 to 08:00 local time. */
export const DEFAULT_QUIET_HOURS = { start: '20:00', end: '08:00' };
/** How far back recorded calls are offered for review. */
const RECORDINGS_DAYS = 30;

/**
 * Who gets a rep's alerts: their manager, else the workspace's admins. In local mode a manager without a Slack
 * account is reached by name (the terminal shows it).
 */
async function recipientsOf(
  db: TDb,
  workspaceId: string,
  rep: Rep,
  admins: string[],
  local: boolean,
): Promise<string[]> {
  if (rep.managerId) {
    const manager = await activeManagerContact(db, workspaceId, rep.managerId);
    if (manager?.slackUserId) return [manager.slackUserId];
    if (manager && local) return [manager.name];
  }
  return admins;
}

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
};
type TOutcome = keyof TCounts;

/** Quiet hours are about the people being messaged now (the terminal of local mode has none). */
function quietHoursHold(ctx: TJobContext) {
  const settings = parseWorkspaceSettings(ctx.workspace.settings);
  const quiet = settings.quietHours === undefined ? DEFAULT_QUIET_HOURS : settings.quietHours;
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

/**
 * One alert, once: skipped when its rule is snoozed for the rep, when nobody can receive it, or when the alert
 * log already has it; else claimed, sent to each recipient, and its outcome recorded. `beforeFirstSend` marks the
 * run as sending (once per run). Returns the outcome and whom it reached.
 */
async function deliverAlert(
  ctx: TJobContext,
  rep: Rep,
  alert: TAlert,
  opts: { admins: string[]; beforeFirstSend: () => Promise<void>; sentSoFar: () => number },
): Promise<{ outcome: TOutcome; delivered: string[] }> {
  const { db, workspace, slot } = ctx;
  if (await isAlertSnoozed(db, workspace.id, rep.id, alert.rule, slot))
    return { outcome: 'snoozed', delivered: [] };
  const to = await recipientsOf(db, workspace.id, rep, opts.admins, Boolean(ctx.outbox.local));
  if (to.length === 0) return { outcome: 'noRecipient', delivered: [] };
  const alertId = await claimAlert(db, workspace.id, {
    repId: rep.id,
    rule: alert.rule,
    periodKey: alert.periodKey,
    headline: alert.headline,
    now: ctx.now,
  });
  if (!alertId) return { outcome: 'duplicate', delivered: [] };
  await opts.beforeFirstSend();
  const message = buildCoachingAlert(alert, alertId);
  const recipients: TAlertRecipient[] = [];
  for (const userId of to) {
    try {
      await ctx.outbox.dm(userId, message);
      recipients.push({ slackUserId: userId, delivery: 'delivered' });
      await ctx.sent({ alerts: opts.sentSoFar() + 1 });
    } catch (error) {
      ctx.logger.warn({ err: error, rule: alert.rule, to: userId }, 'coaching alert not sent');
      const refused = error instanceof SendError && error.delivered === 'no';
      recipients.push({ slackUserId: userId, delivery: refused ? 'refused' : 'uncertain' });
    }
  }
  const delivered = recipients.filter((r) => r.delivery === 'delivered').map((r) => r.slackUserId);
  const cutOff = recipients.some((r) => r.delivery === 'uncertain');
  // Sent to anyone: sent. Refused everywhere: failed (tried again next run). Cut off: uncertain (not again).
  const status = delivered.length > 0 ? 'sent' : cutOff ? 'uncertain' : 'failed';
  await recordAlertSent(db, alertId, { status, message: message.text, recipients });
  return { outcome: status, delivered };
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

function summaryOf(counts: TCounts): string {
  return `${counts.sent} alert${counts.sent === 1 ? '' : 's'} sent${
    counts.duplicate ? `, ${counts.duplicate} already sent this period` : ''
  }${counts.snoozed ? `, ${counts.snoozed} snoozed` : ''}${counts.failed ? `, ${counts.failed} failed (retried next run)` : ''}${
    counts.uncertain ? `, ${counts.uncertain} uncertain` : ''
  }${counts.noRecipient ? `, ${counts.noRecipient} with nobody to send to` : ''}`;
}

/**
 * Daily coaching alerts: each active rep's numbers through the rules; each alert that is new for its rep,
 * rule and period goes to the rep's manager (admins when there is none) by direct message. Snoozed rules stay
 * quiet until the snooze ends; in quiet hours nothing is sent and the next run sends it.
 */
export const coachingAlertsJob: TJob = {
  name: 'coaching-alerts',
  defaultSchedule: '30 8 * * *',
  async run(ctx) {
    const held = quietHoursHold(ctx);
    if (held) return held;
    const config = ruleConfig(parseWorkspaceSettings(ctx.workspace.settings).alerts ?? {});
    const admins = await workspaceAdmins(ctx.db, ctx.workspace.id, ctx.workspace.settings);
    const counts: TCounts = { sent: 0, snoozed: 0, duplicate: 0, failed: 0, uncertain: 0, noRecipient: 0 };
    const sentAlerts: { rep: string; rule: string; to: string[] }[] = [];
    let sendingMarked = false;
    const beforeFirstSend = async () => {
      if (sendingMarked) return;
      await ctx.sending();
      sendingMarked = true;
    };
    for (const { rep, input } of await coachingInputs(ctx)) {
      for (const alert of evaluateRules(input, config)) {
        const { outcome, delivered } = await deliverAlert(ctx, rep, alert, {
          admins,
          beforeFirstSend,
          sentSoFar: () => counts.sent,
        });
        counts[outcome] += 1;
        if (outcome === 'sent') sentAlerts.push({ rep: rep.name, rule: alert.rule, to: delivered });
      }
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
