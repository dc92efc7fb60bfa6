import type { AllMiddlewareArgs, BlockButtonAction, SlackActionMiddlewareArgs } from '@slack/bolt';
import type { ImageBlock } from '@slack/types';
import { buildErrorReply } from '../../../views/help.js';
import { deliverReply } from '../../deliver.js';
import { commandContext, type TSlackDeps } from '../../deps.js';

/**
 * "Share in channel": re-runs the read-only command as the person who clicked (so permissions hold and the
 * numbers are current) and posts the reply to the channel through the action's response URL.
 */
export function shareAction(deps: TSlackDeps) {
  return async ({
    ack,
    body,
    action,
    respond,
    client,
    logger,
  }: SlackActionMiddlewareArgs<BlockButtonAction> & AllMiddlewareArgs) => {
    await ack();
    await deps.inflight.run(async () => {
      const text = action.value ?? '';
      const teamId = body.team?.id ?? body.user.team_id ?? '';
      try {
        const command = deps.router.commands.find((c) => c.name === text.split(/\s+/)[0]?.toLowerCase());
        if (!command?.shareable) {
          await respond({
            response_type: 'ephemeral',
            replace_original: false,
            text: 'That reply cannot be shared.',
          });
          return;
        }
        const reply = await deps.router.execute(
          text,
          await commandContext(deps, teamId, body.user.id, body.user.name ?? ''),
        );
        if (!reply.shareText) {
          // The command refused this time (e.g. permissions changed): tell only the clicker.
          await respond({
            response_type: 'ephemeral',
            replace_original: false,
            text: reply.text,
            blocks: reply.blocks,
          });
          return;
        }
        // The channel's version of the reply: nothing in it marks the person who shared it as "you".
        const shown = reply.channel ?? reply;
        const image = shown.chart ? await deps.charts.imageBlock(client, teamId, shown.chart) : undefined;
        await deliverReply({
          respond,
          client,
          channelId: body.channel?.id,
          userId: body.user.id,
          logger: deps.logger,
          onChartRefused: (b) => deps.charts.forget(b as ImageBlock, client),
          message: {
            response_type: 'in_channel',
            replace_original: false,
            text: shown.text,
            blocks: [
              ...shown.blocks,
              ...(image ? [image] : []),
              { type: 'context', elements: [{ type: 'mrkdwn', text: `Shared by <@${body.user.id}>` }] },
            ],
          },
        });
      } catch (error) {
        logger.error(error);
        const reply = buildErrorReply('KPI Bot could not share that just now. Please try again in a minute.');
        await respond({
          response_type: 'ephemeral',
          replace_original: false,
          text: reply.text,
          blocks: reply.blocks,
        });
      }
    });
  };
}
