import type {
  AllMiddlewareArgs,
  BlockButtonAction,
  BlockOverflowAction,
  SlackActionMiddlewareArgs,
} from '@slack/bolt';
import { setRankOptIn, settleCoachingAlert } from '../../../services/alerts.js';
import type { TActor, TServiceContext } from '../../../services/context.js';
import { isServiceError } from '../../../services/errors.js';
import type { Workspace } from '../../../store/types.js';
import { clipMrkdwn } from '../../../views/blocks.js';
import { escapeMrkdwn, mrkdwnOfMessage } from '../../../views/help.js';
import { ALERT_ITEM_BLOCK } from '../../../views/jobs.js';
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

type TOverflowArgs = SlackActionMiddlewareArgs<BlockOverflowAction> & AllMiddlewareArgs;

/** A digest item's menu value: "snooze:<alert id>" or "handled:<alert id>"; anything else is refused. */
const ITEM_VALUE = /^(snooze|handled):([A-Za-z0-9_-]{1,100})$/;

/**
 * "Snooze 1 week" / "Mark handled" in the menu of one item of a coaching digest: the same service and the same
 * permission as the alert buttons (only someone the digest reached, or an admin). The digest keeps every other
 * item as it was; the item acted on loses its menu and says what was done.
 */
export function alertItemAction(deps: TSlackDeps) {
  return async ({ ack, body, action, respond, logger }: TOverflowArgs) => {
    await ack();
    await deps.inflight.run(async () => {
      try {
        const m = ITEM_VALUE.exec(action.selected_option?.value ?? '');
        if (!m) return void (await say(respond, 'That is not an action KPI Bot knows.'));
        const kind = m[1] as 'snooze' | 'handled';
        const teamId = body.team?.id ?? body.user.team_id ?? '';
        const { workspace, actor } = await deps.resolveActor(teamId, body.user.id, body.user.name ?? '');
        const settled = await settleCoachingAlert(serviceContext(deps, workspace, actor), {
          alertId: m[2] as string,
          action: kind,
        });
        const note = settled.until
          ? `:zzz: Snoozed by <@${body.user.id}> until ${settled.until.toISOString().slice(0, 10)}: no alerts of this kind about ${escapeMrkdwn(settled.rep.name)} until then.`
          : `:white_check_mark: Marked handled by <@${body.user.id}>.`;
        type TBlock = {
          type: string;
          block_id?: string;
          text?: { type: string; text: string };
          accessory?: unknown;
        };
        const blocks = ((body.message?.blocks ?? []) as TBlock[]).map((b) => {
          if (b.block_id !== `${ALERT_ITEM_BLOCK}${m[2]}` || b.type !== 'section' || !b.text) return b;
          const { accessory: _menu, ...rest } = b;
          return { ...rest, text: { type: 'mrkdwn', text: `${clipMrkdwn(b.text.text, 2800)}\n${note}` } };
        });
        await respond({ replace_original: true, text: body.message?.text ?? 'Coaching digest', blocks });
      } catch (error) {
        if (isServiceError(error)) return void (await say(respond, mrkdwnOfMessage(error.message)));
        logger.error(error);
        await say(respond, 'KPI Bot could not save that just now. Please try again in a minute.');
      }
    });
  };
}
