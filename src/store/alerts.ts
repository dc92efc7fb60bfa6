import { randomUUID } from 'node:crypto';
import type { TDb } from './types.js';

/**
 * The coaching alert log (AlertLog): one row per workspace, rep, rule and period, so an alert is sent once.
 * Statuses: sending → sent | failed (tried again next run) | uncertain (cut off: not again); snoozed, handled.
 */

/**
 * Claims one alert (unique per workspace, rep, rule and period), recording its headline. A row left `failed` by
 * an earlier run is taken again; anything else means it was sent (or may have been) and is not sent twice.
 * Returns the alert's id when this run may send it, else null.
 */
export async function claimAlert(
  db: TDb,
  workspaceId: string,
  alert: { repId: string; rule: string; periodKey: string; headline: string; now: Date },
): Promise<string | null> {
  const id = randomUUID();
  const { repId, rule, periodKey, headline, now } = alert;
  const inserted =
    await db.$executeRaw`INSERT INTO "AlertLog" ("id", "workspaceId", "repId", "rule", "periodKey", "status", "message", "createdAt", "updatedAt")
    VALUES (${id}, ${workspaceId}, ${repId}, ${rule}, ${periodKey}, ${'sending'}, ${headline}, ${now}, ${now})
    ON CONFLICT ("workspaceId", "repId", "rule", "periodKey") DO NOTHING`;
  if (inserted === 1) return id;
  const existing = await db.alertLog.findUnique({
    where: { workspaceId_repId_rule_periodKey: { workspaceId, repId, rule, periodKey } },
  });
  if (existing?.status !== 'failed') return null;
  const retaken = await db.alertLog.updateMany({
    where: { id: existing.id, status: 'failed' },
    data: { status: 'sending' },
  });
  return retaken.count === 1 ? existing.id : null;
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
 * Records how sending a claimed alert ended: its status, who it went to (comma-joined Slack ids) and the message
 * as sent. `alertId` is the id claimAlert returned for the workspace.
 */
export async function recordAlertSent(
  db: TDb,
  alertId: string,
  result: { status: 'sent' | 'failed' | 'uncertain'; recipientSlackId: string; message: string },
): Promise<void> {
  await db.alertLog.update({ where: { id: alertId }, data: result });
}

/** An alert of the workspace with its rep's name, or null (an id of another workspace finds nothing). */
export function alertOfWorkspace(db: TDb, workspaceId: string, alertId: string) {
  return db.alertLog.findFirst({
    where: { id: alertId, workspaceId },
    include: { rep: { select: { name: true } } },
  });
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
