import { addWeeks } from 'date-fns';
import { z } from 'zod';
import { alertOfWorkspace, settleAlert, wasAlertSentTo } from '../store/alerts.js';
import type { TServiceContext } from './context.js';
import { inputOf, ServiceError } from './errors.js';
import { setRankDm } from './notify.js';
import { actorRep, isAdmin } from './permissions.js';

/**
 * What people do with the jobs' messages: "Snooze 1 week" and "Mark handled" on a coaching alert, and the
 * weekly rank opt-in on the leaderboard post.
 */

const ZAlertAction = z.object({
  alertId: z
    .string()
    .trim()
    .min(1, { error: 'Say which alert.' })
    .max(100, { error: 'That is no alert id.' }),
  action: z.enum(['snooze', 'handled'], { error: 'Say snooze or handled.' }),
});

export type TAlertSettled = {
  action: 'snooze' | 'handled';
  rep: { id: string; name: string };
  /** Snoozed: the rule stays quiet for this rep until then. */
  until?: Date;
};

/**
 * Snoozes a coaching alert for a week (the rule stays quiet for that rep, across periods) or marks it handled.
 * Only someone it may have reached (not a recipient Slack refused) or a KPI Bot admin may; an alert of another
 * workspace is unknown here.
 */
export async function settleCoachingAlert(
  ctx: TServiceContext,
  raw: { alertId?: string; action: 'snooze' | 'handled' },
): Promise<TAlertSettled> {
  const input = inputOf(ZAlertAction, raw);
  const alert = await alertOfWorkspace(ctx.store.db, ctx.workspace.id, input.alertId);
  if (!alert) throw new ServiceError('not_found', 'That alert is no longer known to KPI Bot.', 'alertId');
  const who = ctx.actor.slackUserId ?? '';
  if (!(who && wasAlertSentTo(alert, who)) && !isAdmin(ctx, await actorRep(ctx))) {
    ctx.logger.info({ actor: who || ctx.actor.name, alert: alert.id }, 'permission denied: coaching alert');
    throw new ServiceError(
      'forbidden',
      'Sorry, only the manager it was sent to or a KPI Bot admin can change this alert.',
    );
  }
  const rep = { id: alert.repId, name: alert.rep.name };
  if (input.action === 'snooze') {
    const until = addWeeks(ctx.now, 1);
    await settleAlert(ctx.store.db, alert, { snoozedUntil: until });
    return { action: 'snooze', rep, until };
  }
  await settleAlert(ctx.store.db, alert, { handledAt: ctx.now, handledBySlackId: who });
  return { action: 'handled', rep };
}

/**
 * Joins or leaves the weekly rank direct messages (the "DM me my rank" button): the person's own rank DM
 * preference, as `/kpi notify rank on|off` sets it (src/services/notify.ts). Only reps join: the leaderboard
 * ranks reps.
 */
export async function setRankOptIn(
  ctx: TServiceContext,
  input: { join: boolean },
): Promise<{ join: boolean }> {
  await setRankDm(ctx, input.join);
  return { join: input.join };
}
