import type { AllMiddlewareArgs, SlackCommandMiddlewareArgs } from '@slack/bolt';
import type { TReply } from '../../../commands/types.js';
import { buildErrorReply } from '../../../views/help.js';
import type { TModalKind } from '../../../views/modals.js';
import { withShareButton } from '../../../views/share.js';
import { deliverReply, replaceWithChart } from '../../deliver.js';
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
 * `/kpi ...`: acknowledge at once (Slack allows 3 seconds), then answer through the response URL: the reply's text
 * and blocks first, then, for a reply with a chart, the same reply with its chart (replacing the first). The work
 * after the ack is tracked so a graceful shutdown finishes it.
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
      const shown = reply;
      // The numbers first, the picture after: a reply does not wait for its chart to be drawn and uploaded, and
      // in a burst of commands the replies already waiting go out before any of their charts is drawn (the
      // chart's work is queued behind them).
      const how = await deliverReply({
        respond,
        client,
        channelId: command.channel_id,
        userId: command.user_id,
        message: { response_type: shown.visibility, text: shown.text, blocks: withShareButton(shown) },
        logger: deps.logger,
      });
      // Only a reply sent through the response URL can be replaced with the version that has the chart. What the
      // replacement needs is taken, and no more: a queued chart does not keep the whole report alive.
      const { chart, visibility, text, blocks, shareText } = shown;
      if (!chart || how !== 'respond') return;
      void deps.inflight
        .run(async () => {
          // Shutting down: the user has the figures; the picture is not worth holding the drain for.
          if (deps.inflight.stopping) return;
          const image = await deps.charts.imageBlock(client, command.team_id, chart);
          if (!image) return;
          await replaceWithChart({
            respond,
            logger: deps.logger,
            message: {
              response_type: visibility,
              replace_original: true,
              text,
              blocks: withShareButton({
                visibility,
                ...(shareText ? { shareText } : {}),
                blocks: [...blocks, image],
              }),
            },
            onChartRefused: () => deps.charts.forget(image, client),
          });
        })
        .catch((error: unknown) => logger.error(error));
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
