import type { RespondFn } from '@slack/bolt';
import type { KnownBlock } from '@slack/types';
import type { WebClient } from '@slack/web-api';
import type { TLogger } from '../logger.js';

export type TDelivery = {
  response_type: 'ephemeral' | 'in_channel';
  replace_original?: boolean;
  text: string;
  blocks: KnownBlock[];
};

/** Waits between attempts at the response URL: Slack's transient errors (429, 5xx, a file not ready yet). */
export const RESPOND_DELAYS_MS = [400, 1200];

/**
 * Waits between attempts to add a reply's chart: one retry, so that a reply and its chart together never post
 * more than five times to one response URL (Slack takes at most five in 30 minutes), whatever failed.
 */
export const CHART_DELAYS_MS = [1200];

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const isImage = (b: KnownBlock) => b.type === 'image';

/**
 * Sends a reply so that the user gets it whatever Slack says: through the response URL, retried briefly (a 429,
 * a 5xx, or Slack not having processed a just-uploaded chart yet); then without the chart; then, if the response
 * URL itself is dead (expired, or Slack refuses it), through the Web API as an ephemeral message (or a channel
 * post for a shared reply), with its blocks and at last as text alone. Returns how it went out, or 'lost' after everything failed, which is logged with the
 * reply's text so it can be found.
 */
export async function deliverReply(input: {
  respond: RespondFn;
  client: WebClient;
  channelId: string | undefined;
  userId: string;
  message: TDelivery;
  logger: TLogger;
  delays?: number[];
  /** Told of image blocks Slack would not take (the reply went out without them). */
  onChartRefused?: (image: KnownBlock) => void;
}): Promise<'respond' | 'respond_without_chart' | 'web_api' | 'lost'> {
  const { respond, client, message, logger } = input;
  const delays = input.delays ?? RESPOND_DELAYS_MS;
  const hasChart = message.blocks.some(isImage);
  for (let attempt = 0; attempt <= delays.length; attempt++) {
    try {
      await respond(message);
      return 'respond';
    } catch (error) {
      logger.warn({ err: error, attempt: attempt + 1 }, 'reply through the response URL failed');
      if (attempt < delays.length) await sleep(delays[attempt] as number);
    }
  }
  const plain = { ...message, blocks: message.blocks.filter((b) => !isImage(b)) };
  if (hasChart) for (const b of message.blocks.filter(isImage)) input.onChartRefused?.(b);
  if (hasChart) {
    try {
      await respond(plain);
      return 'respond_without_chart';
    } catch (error) {
      logger.warn({ err: error }, 'reply without its chart through the response URL failed too');
    }
  }
  if (input.channelId) {
    // Blocks first; then the text alone, in case the blocks are what Slack refuses.
    for (const blocks of [plain.blocks, undefined]) {
      try {
        const content = { channel: input.channelId, text: plain.text, ...(blocks ? { blocks } : {}) };
        if (message.response_type === 'in_channel') await client.chat.postMessage(content);
        else await client.chat.postEphemeral({ ...content, user: input.userId });
        return 'web_api';
      } catch (error) {
        logger.warn({ err: error, withBlocks: Boolean(blocks) }, 'reply through the Web API failed');
      }
    }
  }
  logger.error(
    { user: input.userId, channel: input.channelId, text: message.text },
    'reply could not be delivered',
  );
  return 'lost';
}

/** The HTTP status a failed post through a response URL got (Bolt's RespondError), if it got one. */
function statusOf(error: unknown): number | undefined {
  const status = (error as { statusCode?: unknown } | null)?.statusCode;
  return typeof status === 'number' ? status : undefined;
}

/**
 * Replaces a reply already delivered through the response URL with its version carrying the chart, retried once
 * a moment later (Slack may not have processed a just-uploaded file yet). If Slack still refuses
 * it, the reply the user has stays as it is (its text and blocks, without the chart); only when Slack refused
 * the content (a 400; not an expired URL, a rate limit, an outage or no answer) is the chart reported refused,
 * which deletes its file and holds the picture back for an hour. Returns whether the chart went out.
 */
export async function replaceWithChart(input: {
  respond: RespondFn;
  message: TDelivery & { replace_original: true };
  logger: TLogger;
  delays?: number[];
  onChartRefused?: () => void;
}): Promise<boolean> {
  const delays = input.delays ?? CHART_DELAYS_MS;
  let refused = false;
  for (let attempt = 0; attempt <= delays.length; attempt++) {
    try {
      await input.respond(input.message);
      return true;
    } catch (error) {
      const status = statusOf(error);
      // Slack answers 400 to blocks it will not show (a file not processed yet, or gone); 404 to a response URL
      // that expired or was used up, which will not take the chart later either; 429 and 5xx are passing.
      refused = status === 400;
      input.logger.warn({ err: error, attempt: attempt + 1, status }, 'the reply’s chart could not be added');
      if (status === 404 || status === 410) break;
      if (attempt < delays.length) await sleep(delays[attempt] as number);
    }
  }
  if (refused) input.onChartRefused?.();
  return false;
}
