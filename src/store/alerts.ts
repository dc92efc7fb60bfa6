import { randomUUID } from 'node:crypto';
import type { TDb } from './types.js';

/**
 * The coaching alert log (AlertLog): one row per workspace, rep, rule and period, so an alert is sent once.
 * Statuses: sending → sent | failed (tried again next run) | uncertain (cut off: not again); snoozed, handled;
 * queued (waiting for its manager's digest day and time; its message holds the alert's content as JSON, and
 * its createdAt when it was queued).
 */

/**
 * Claims one alert (unique per workspace, rep, rule and period), recording its headline. A row left `failed` by
 * an earlier run is taken again; anything else means it was sent (or may have been) and is not sent twice.
 * Returns the alert's id when this run may send it, else null.
 */
export async function claimAlert(
  db: TDb,
  workspaceId: string,
  alert: {
    repId: string;
    rule: string;
    periodKey: string;
    headline: string;
    now: Date;
    /** sending (this run sends it now: the default) or queued (a digest at the manager's time sends it). */
    status?: 'sending' | 'queued';
  },
): Promise<string | null> {
  const id = randomUUID();
  const { repId, rule, periodKey, headline, now } = alert;
  const status = alert.status ?? 'sending';
  const inserted =
    await db.$executeRaw`INSERT INTO "AlertLog" ("id", "workspaceId", "repId", "rule", "periodKey", "status", "message", "createdAt", "updatedAt")
    VALUES (${id}, ${workspaceId}, ${repId}, ${rule}, ${periodKey}, ${status}, ${headline}, ${now}, ${now})
    ON CONFLICT ("workspaceId", "repId", "rule", "periodKey") DO NOTHING`;
  if (inserted === 1) return id;
  const existing = await db.alertLog.findUnique({
    where: { workspaceId_repId_rule_periodKey: { workspaceId, repId, rule, periodKey } },
  });
  if (existing?.status !== 'failed') return null;
  const retaken = await db.alertLog.updateMany({
    where: { id: existing.id, status: 'failed' },
    data: status === 'queued' ? { status, message: headline, createdAt: now } : { status, message: headline },
  });
  return retaken.count === 1 ? existing.id : null;
}

/** The workspace's alerts waiting for a digest (status queued), oldest first, with their rep's manager. */
export function queuedAlerts(db: TDb, workspaceId: string) {
  return db.alertLog.findMany({
    where: { workspaceId, status: 'queued' },
    include: { rep: { select: { id: true, name: true, managerId: true } } },
    orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
  });
}

/**
 * Claims queued alerts for sending (queued → sending), all in one conditional update marked with `by`, so two
 * processes never both take one. Returns the ids this process took (those another took first are left out).
 */
export async function claimQueuedAlerts(db: TDb, workspaceId: string, ids: string[], by: string) {
  if (ids.length === 0) return [];
  const mark = `sending:${by}`;
  await db.alertLog.updateMany({
    where: { workspaceId, id: { in: ids }, status: 'queued' },
    data: { status: mark },
  });
  const taken = await db.alertLog.findMany({ where: { workspaceId, status: mark }, select: { id: true } });
  await db.alertLog.updateMany({ where: { workspaceId, status: mark }, data: { status: 'sending' } });
  return taken.map((r) => r.id);
}

/**
 * Alerts a process claimed for sending and never finished (it died mid-send): after `olderThan` they are marked
 * uncertain (they may have reached Slack, so they are never sent again, as with a cut-off send). Returns how many.
 */
export async function abandonStaleAlertSends(db: TDb, workspaceId: string, olderThan: Date): Promise<number> {
  const stale = await db.alertLog.updateMany({
    where: {
      workspaceId,
      OR: [{ status: 'sending' }, { status: { startsWith: 'sending:' } }],
      updatedAt: { lt: olderThan },
    },
    data: { status: 'uncertain' },
  });
  return stale.count;
}

/**
 * Puts a claimed alert back in the queue after Slack refused its digest: the next digest day and time send it
 * (its queue time moves past `now`, so it is not tried again every minute).
 */
export async function requeueAlert(db: TDb, alertId: string, now: Date): Promise<void> {
  // Queued as of the next whole minute: the digest moment it just missed (this minute) does not count it again.
  const queuedAt = new Date(Math.floor(now.getTime() / 60_000) * 60_000 + 60_000);
  await db.$transaction([
    db.alertRecipient.deleteMany({ where: { alertLogId: alertId } }),
    db.alertLog.updateMany({
      where: { id: alertId, status: 'sending' },
      data: { status: 'queued', createdAt: queuedAt },
    }),
  ]);
}

/** Whether a rule is snoozed for a rep at an instant. */
export async function isAlertSnoozed(
  db: TDb,
  workspaceId: string,
  repId: string,
  rule: string,
  at: Date,
): Promise<boolean> {
  const snoozed = await db.alertLog.findFirst({
    where: { workspaceId, repId, rule, snoozedUntil: { gt: at } },
    select: { id: true },
  });
  return snoozed !== null;
}

/**
 * How sending an alert to one recipient ended: `delivered`; `refused` (Slack said no: it never reached them);
 * `uncertain` (cut off: it may have reached them, so it is not sent again).
 */
export type TAlertDelivery = 'delivered' | 'refused' | 'uncertain';
export type TAlertRecipient = { slackUserId: string; delivery: TAlertDelivery };

const DELIVERY_RANK: Record<TAlertDelivery, number> = { refused: 0, uncertain: 1, delivered: 2 };

/**
 * Records how sending a claimed alert ended: its status, the message as sent, and each recipient with how the
 * sending to them ended (one AlertRecipient row each; a retry of a failed alert replaces the earlier rows).
 * `alertId` is the id claimAlert returned for the workspace. A recipient named twice counts once, with the
 * better outcome.
 */
export async function recordAlertSent(
  db: TDb,
  alertId: string,
  result: { status: 'sent' | 'failed' | 'uncertain'; message: string; recipients: TAlertRecipient[] },
): Promise<void> {
  const recipients = new Map<string, TAlertDelivery>();
  for (const { slackUserId, delivery } of result.recipients) {
    const before = recipients.get(slackUserId);
    if (before === undefined || DELIVERY_RANK[delivery] > DELIVERY_RANK[before])
      recipients.set(slackUserId, delivery);
  }
  // One batched transaction: the alert's outcome and its recipients land together.
  await db.$transaction([
    db.alertRecipient.deleteMany({ where: { alertLogId: alertId } }),
    db.alertRecipient.createMany({
      data: [...recipients].map(([slackUserId, delivery]) => ({
        alertLogId: alertId,
        slackUserId,
        delivery,
      })),
    }),
    db.alertLog.update({ where: { id: alertId }, data: { status: result.status, message: result.message } }),
  ]);
}

/**
 * An alert of the workspace with its rep's name and its recipients, or null (an id of another workspace finds
 * nothing).
 */
export function alertOfWorkspace(db: TDb, workspaceId: string, alertId: string) {
  return db.alertLog.findFirst({
    where: { id: alertId, workspaceId },
    include: {
      rep: { select: { name: true } },
      recipients: { select: { slackUserId: true, delivery: true }, orderBy: { slackUserId: 'asc' } },
    },
  });
}

/**
 * Whether a Slack user is among the people an alert may have reached (delivered, or cut off while sending):
 * they hold its buttons. A recipient Slack refused never saw it.
 */
export function wasAlertSentTo(
  alert: { recipients: { slackUserId: string; delivery: string }[] },
  slackUserId: string,
) {
  return alert.recipients.some((r) => r.slackUserId === slackUserId && r.delivery !== 'refused');
}

/**
 * Snoozes an alert until an instant, or marks it handled by a Slack user. `alert` is a row alertOfWorkspace
 * returned (so of the asker's workspace).
 */
export async function settleAlert(
  db: TDb,
  alert: { id: string; workspaceId: string },
  change: { snoozedUntil: Date } | { handledAt: Date; handledBySlackId: string },
): Promise<void> {
  await db.alertLog.update({
    where: { id: alert.id },
    data:
      'snoozedUntil' in change
        ? { status: 'snoozed', snoozedUntil: change.snoozedUntil }
        : { status: 'handled', handledAt: change.handledAt, handledBySlackId: change.handledBySlackId },
  });
}
