import type { TResolvedNotify } from '../domain/notify.js';
import { abandonStaleAlertSends, claimQueuedAlerts, queuedAlerts } from '../store/alerts.js';
import { notifyPreferencesOfWorkspace } from '../store/notify-preferences.js';
import { activeManagerContact } from '../store/reps.js';
import { quietHoursOf } from './coaching-job.js';
import {
  contentOf,
  deliverBundle,
  digestItem,
  isDueAt,
  lastDigestMoment,
  orderDigestItems,
} from './digest.js';
import { SEND_CLAIM_STALE_MS } from './ledger.js';
import type { TMinuteContext, TMinuteTask } from './minute-tasks.js';
import { inQuietHours } from './schedule.js';

/**
 * The digest at a manager's chosen time (issue 17): every minute, for each manager with a Slack id who chose a
 * digest time (`/kpi notify`), the alerts queued for them since their last digest moment (their day and time in
 * the workspace's zone) are claimed and sent as ONE message. The recipient is decided now, not when the alert was
 * queued: the rep's current manager. Alerts queued on a day that is not a digest day wait for the next one.
 * Nothing is sent in quiet hours (the next minute after they end sends it). Claimed before sending, so two
 * replicas never send an alert twice; Slack refusing the message puts its alerts back in the queue for the
 * next digest moment; a cut-off send is uncertain (not sent again).
 *
 * Queued alerts whose manager no longer has a digest time (or no Slack id) are left to the next coaching run,
 * which sends them with its own digests.
 */
async function sendDueDigests(ctx: TMinuteContext): Promise<void> {
  const { db, workspace, now } = ctx;
  // A process that died mid-send left its alerts claimed: uncertain (maybe sent), never sent twice. The age is
  // far past any live run's (SEND_CLAIM_STALE_MS), so a run still sending is never taken for a dead one.
  const abandoned = await abandonStaleAlertSends(
    db,
    workspace.id,
    new Date(now.getTime() - SEND_CLAIM_STALE_MS),
  );
  if (abandoned)
    ctx.logger.warn(
      { alerts: abandoned },
      'coaching alerts left sending by a stopped process: marked uncertain',
    );
  if (!ctx.outbox.local && inQuietHours(now, workspace.timezone, quietHoursOf(workspace))) return;
  const queued = await queuedAlerts(db, workspace.id);
  if (queued.length === 0) return;
  const prefs = await notifyPreferencesOfWorkspace(db, workspace);
  const managers = new Map<string, { slackUserId: string | null } | null>();
  const moments = new Map<string, Date | undefined>();
  const due = new Map<string, typeof queued>();
  for (const q of queued) {
    const managerId = q.rep.managerId;
    if (!managerId) continue;
    if (!managers.has(managerId))
      managers.set(managerId, await activeManagerContact(db, workspace.id, managerId));
    const to = managers.get(managerId)?.slackUserId;
    if (!to) continue;
    const p: TResolvedNotify = prefs.of(to);
    if (!p.digestTime) continue;
    if (!moments.has(to)) moments.set(to, lastDigestMoment(p, workspace.timezone, now));
    if (isDueAt(q.createdAt, moments.get(to))) due.set(to, [...(due.get(to) ?? []), q]);
  }
  for (const [to, rows] of due) {
    const taken = new Set(
      await claimQueuedAlerts(
        db,
        workspace.id,
        rows.map((r) => r.id),
        ctx.by,
      ),
    );
    const items = rows
      .filter((r) => taken.has(r.id))
      .map((r) => digestItem(r.id, { id: r.rep.id, name: r.rep.name }, contentOf(r)));
    if (items.length === 0) continue;
    const outcome = await deliverBundle(ctx, {
      digest: { kind: 'manager', items: orderDigestItems(items) },
      to: [to],
      fromQueue: taken,
    });
    ctx.logger.info({ to, alerts: items.length, status: outcome.status }, 'manager digest at their time');
  }
}

export const managerDigestTask: TMinuteTask = { name: 'manager-digest', run: sendDueDigests };
