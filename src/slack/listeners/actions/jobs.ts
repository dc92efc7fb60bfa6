import type { AllMiddlewareArgs, BlockButtonAction, SlackActionMiddlewareArgs } from '@slack/bolt';
import { addWeeks } from 'date-fns';
import { parseWorkspaceSettings } from '../../../domain/settings.js';
import { isAdmin } from '../../../services/permissions.js';
import { alertOfWorkspace, settleAlert, wasAlertSentTo } from '../../../store/alerts.js';
import { repOfWorkspace } from '../../../store/reps.js';
import { updateWorkspaceSettings } from '../../../store/workspaces.js';
import { escapeMrkdwn } from '../../../views/help.js';
import type { TSlackDeps } from '../../deps.js';

type TArgs = SlackActionMiddlewareArgs<BlockButtonAction> & AllMiddlewareArgs;

const say = (respond: TArgs['respond'], text: string) =>
  respond({ response_type: 'ephemeral', replace_original: false, text });

/**
 * "DM me my rank each week" on the leaderboard post, and "Stop these messages" in the rank message: the
 * person's Slack id joins or leaves the workspace's opt-in list (only reps can join).
 */
export function rankOptAction(deps: TSlackDeps, join: boolean) {
  return async ({ ack, body, respond, logger }: TArgs) => {
    await ack();
    await deps.inflight.run(async () => {
      try {
        const teamId = body.team?.id ?? body.user.team_id ?? '';
        const { workspace, actor } = await deps.resolveActor(teamId, body.user.id, body.user.name ?? '');
        const me = actor.repId ? await repOfWorkspace(deps.store.db, workspace.id, actor.repId) : null;
        if (join && me?.role !== 'rep') {
          await say(
            respond,
            me
              ? 'The leaderboard ranks reps; as a manager or admin you see everyone with `/kpi team`.'
              : 'Ranks are for reps. Ask a KPI Bot admin to add you as a rep first.',
          );
          return;
        }
        await updateWorkspaceSettings(deps.store.db, workspace.id, (ws) => {
          const list = new Set(parseWorkspaceSettings(ws.settings).rankOptIn ?? []);
          if (join) list.add(body.user.id);
          else list.delete(body.user.id);
          return { rankOptIn: [...list] };
        });
        await say(
          respond,
          join
            ? 'Done: each week I will send you your own rank by direct message (only you see it). `/kpi leaderboard` shows it any time.'
            : 'Done: no more weekly rank messages. `/kpi leaderboard` still shows your rank any time.',
        );
      } catch (error) {
        logger.error(error);
        await say(respond, 'KPI Bot could not save that just now. Please try again in a minute.');
      }
    });
  };
}

/**
 * "Snooze 1 week" and "Mark handled" on a coaching alert: only the person it was sent to, or an admin, may act
 * on it. A snooze keeps the rule quiet for that rep for a week, across periods.
 */
export function alertAction(deps: TSlackDeps, kind: 'snooze' | 'handled') {
  return async ({ ack, body, action, respond, logger }: TArgs) => {
    await ack();
    await deps.inflight.run(async () => {
      try {
        const teamId = body.team?.id ?? body.user.team_id ?? '';
        const { workspace, actor } = await deps.resolveActor(teamId, body.user.id, body.user.name ?? '');
        const alert = await alertOfWorkspace(deps.store.db, workspace.id, action.value ?? '');
        if (!alert) {
          await say(respond, 'That alert is no longer known to KPI Bot.');
          return;
        }
        const me = actor.repId ? await repOfWorkspace(deps.store.db, workspace.id, actor.repId) : null;
        if (!wasAlertSentTo(alert, body.user.id) && !isAdmin({ workspace, actor }, me)) {
          deps.logger.info({ actor: body.user.id, alert: alert.id }, 'permission denied: coaching alert');
          await say(
            respond,
            'Sorry, only the manager it was sent to or a KPI Bot admin can change this alert.',
          );
          return;
        }
        const now = deps.clock.now();
        const until = addWeeks(now, 1);
        await settleAlert(
          deps.store.db,
          alert,
          kind === 'snooze' ? { snoozedUntil: until } : { handledAt: now, handledBySlackId: body.user.id },
        );
        const note =
          kind === 'snooze'
            ? `:zzz: Snoozed by <@${body.user.id}> until ${until.toISOString().slice(0, 10)}: no alerts of this kind about ${escapeMrkdwn(alert.rep.name)} until then.`
            : `:white_check_mark: Marked handled by <@${body.user.id}>.`;
        // The alert keeps its words; the buttons give way to what was done.
        const blocks = (body.message?.blocks ?? []).filter((b: { type?: string }) => b.type !== 'actions');
        await respond({
          replace_original: true,
          text: `${body.message?.text ?? 'Coaching alert'} (${kind === 'snooze' ? 'snoozed' : 'handled'})`,
          blocks: [...blocks, { type: 'context', elements: [{ type: 'mrkdwn', text: note }] }],
        });
      } catch (error) {
        logger.error(error);
        await say(respond, 'KPI Bot could not save that just now. Please try again in a minute.');
      }
    });
  };
}
