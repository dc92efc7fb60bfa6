import type { AllMiddlewareArgs, SlackCommandMiddlewareArgs } from '@slack/bolt';
import type { TSlackDeps } from '../../deps.js';
import { buildErrorReply } from '../../views/help.js';
import { withShareButton } from '../../views/share.js';

/**
 * `/kpi ...`: acknowledge at once (Slack allows 3 seconds), then answer through the response URL. The work after
 * the ack is tracked so a graceful shutdown finishes it.
 */
export function kpiCommand(deps: TSlackDeps) {
  return async ({ command, ack, respond, logger }: SlackCommandMiddlewareArgs & AllMiddlewareArgs) => {
    await ack();
    await deps.inflight.run(async () => {
      let reply: Awaited<ReturnType<typeof deps.router.execute>>;
      try {
        const { workspace, actor } = await deps.resolveActor(
          command.team_id,
          command.user_id,
          command.user_name,
        );
        reply = await deps.router.execute(command.text, {
          workspace,
          actor,
          now: deps.clock.now(),
          store: deps.store,
          logger: deps.logger,
        });
      } catch (error) {
        logger.error(error);
        reply = buildErrorReply('KPI Bot could not reach its data just now. Please try again in a minute.');
      }
      await respond({ response_type: reply.visibility, text: reply.text, blocks: withShareButton(reply) });
    });
  };
}
