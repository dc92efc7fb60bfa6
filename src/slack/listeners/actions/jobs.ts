import type { AllMiddlewareArgs, BlockButtonAction, SlackActionMiddlewareArgs } from '@slack/bolt';
import { setRankOptIn, settleCoachingAlert } from '../../../services/alerts.js';
import type { TActor, TServiceContext } from '../../../services/context.js';
import { isServiceError } from '../../../services/errors.js';
import type { Workspace } from '../../../store/types.js';
import { escapeMrkdwn, mrkdwnOfMessage } from '../../../views/help.js';
import type { TSlackDeps } from '../../deps.js';

type TArgs = SlackActionMiddlewareArgs<BlockButtonAction> & AllMiddlewareArgs;

const serviceContext = (deps: TSlackDeps, workspace: Workspace, actor: TActor): TServiceContext => ({
  workspace,
  actor,
  now: deps.clock.now(),
  store: deps.store,
  logger: deps.logger,
});

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
        await setRankOptIn(serviceContext(deps, workspace, actor), { join });
        await say(
          respond,
          join
            ? 'Done: each week I will send you your own rank by direct message (only you see it). `/kpi leaderboard` shows it any time.'
            : 'Done: no more weekly rank messages. `/kpi leaderboard` still shows your rank any time.',
        );
      } catch (error) {
        // A refusal (not allowed, an alert no longer known) is said to the person; anything else is logged.
        if (isServiceError(error)) return void (await say(respond, mrkdwnOfMessage(error.message)));
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
        const settled = await settleCoachingAlert(serviceContext(deps, workspace, actor), {
          alertId: action.value ?? '',
          action: kind,
        });
        const note = settled.until
          ? `:zzz: Snoozed by <@${body.user.id}> until ${settled.until.toISOString().slice(0, 10)}: no alerts of this kind about ${escapeMrkdwn(settled.rep.name)} until then.`
          : `:white_check_mark: Marked handled by <@${body.user.id}>.`;
        // The alert keeps its words; the buttons give way to what was done.
        const blocks = (body.message?.blocks ?? []).filter((b: { type?: string }) => b.type !== 'actions');
        await respond({
          replace_original: true,
          text: `${body.message?.text ?? 'Coaching alert'} (${kind === 'snooze' ? 'snoozed' : 'handled'})`,
          blocks: [...blocks, { type: 'context', elements: [{ type: 'mrkdwn', text: note }] }],
        });
      } catch (error) {
        // A refusal (not allowed, an alert no longer known) is said to the person; anything else is logged.
        if (isServiceError(error)) return void (await say(respond, mrkdwnOfMessage(error.message)));
        logger.error(error);
        await say(respond, 'KPI Bot could not save that just now. Please try again in a minute.');
      }
    });
  };
}
