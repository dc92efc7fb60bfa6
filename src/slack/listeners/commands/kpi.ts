import type { AllMiddlewareArgs, SlackCommandMiddlewareArgs } from '@slack/bolt';
import type { ImageBlock } from '@slack/types';
import type { TReply } from '../../../commands/types.js';
import { buildErrorReply } from '../../../views/help.js';
import type { TModalKind } from '../../../views/modals.js';
import { withShareButton } from '../../../views/share.js';
import { deliverReply } from '../../deliver.js';
import { commandContext, type TSlackDeps } from '../../deps.js';
import { openModal } from '../views/modals.js';

/** Commands given without details that open a modal in Slack (the shell answers them with usage). */
const MODAL_SHORTHANDS: Record<string, TModalKind> = {
  log: 'activity',
  'log linkedin': 'linkedin',
  quiz: 'quiz',
  target: 'target',
  'target set': 'target',
};

/**
 * `/kpi ...`: acknowledge at once (Slack allows 3 seconds), then answer through the response URL. The work after
 * the ack is tracked so a graceful shutdown finishes it.
 */
export function kpiCommand(deps: TSlackDeps) {
  return async ({
    command,
    ack,
    respond,
    client,
    logger,
  }: SlackCommandMiddlewareArgs & AllMiddlewareArgs) => {
    await ack();
    const modal = MODAL_SHORTHANDS[command.text.trim().toLowerCase().replace(/\s+/g, ' ')];
    if (modal) {
      // `/kpi log` with nothing more opens the form instead of a usage message.
      try {
        await openModal(deps, modal, {
          client,
          triggerId: command.trigger_id,
          teamId: command.team_id,
          userId: command.user_id,
        });
        return;
      } catch (error) {
        logger.error(error);
      }
    }
    await deps.inflight.run(async () => {
      let reply: Awaited<ReturnType<typeof deps.router.execute>>;
      try {
        reply = await deps.router.execute(
          command.text,
          await commandContext(deps, command.team_id, command.user_id, command.user_name),
        );
      } catch (error) {
        logger.error(error);
        reply = buildErrorReply('KPI Bot could not reach its data just now. Please try again in a minute.');
      }
      if (reply.file) reply = await sendFile(client, command.user_id, reply, logger);
      if (reply.chart) {
        const image = await deps.charts.imageBlock(client, command.team_id, reply.chart);
        if (image) reply = { ...reply, blocks: [...reply.blocks, image] };
      }
      await deliverReply({
        respond,
        client,
        channelId: command.channel_id,
        userId: command.user_id,
        message: { response_type: reply.visibility, text: reply.text, blocks: withShareButton(reply) },
        logger: deps.logger,
        onChartRefused: (b) => deps.charts.forget(b as ImageBlock, client),
      });
    });
  };
}

/** Sends a reply's file to the asker by direct message (files.uploadV2 into the DM), and says so in the reply. */
async function sendFile(
  client: AllMiddlewareArgs['client'],
  userId: string,
  reply: TReply,
  logger: AllMiddlewareArgs['logger'],
): Promise<TReply> {
  const file = reply.file;
  if (!file) return reply;
  try {
    const dm = await client.conversations.open({ users: userId });
    const channel = dm.channel?.id;
    if (!channel) throw new Error('conversations.open returned no channel');
    await client.filesUploadV2({
      channel_id: channel,
      file: Buffer.from(file.content, 'utf8'),
      filename: file.filename,
      title: file.title,
    });
    const note = 'I sent you the CSV file in a direct message.';
    return {
      ...reply,
      text: `${reply.text} ${note}`,
      blocks: [...reply.blocks, { type: 'context', elements: [{ type: 'mrkdwn', text: note }] }],
    };
  } catch (error) {
    logger.error(error);
    return buildErrorReply(
      'I could not send you the file just now (Slack refused the upload). Please try again in a minute.',
    );
  }
}
