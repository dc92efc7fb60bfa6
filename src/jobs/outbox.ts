import type { ImageBlock } from '@slack/types';
import type { WebClient } from '@slack/web-api';
import type { TChartSpec } from '../charts/spec.js';
import type { TLogger } from '../logger.js';
import { terminalSafe } from '../views/terminal.js';
import type { TMessage } from '../views/types.js';

export type { TMessage };

/**
 * Why a post did not go out. `delivered: 'no'` when Slack said so (an error answer, a rate limit); 'unknown'
 * when the request was cut off (time-out, network, a 5xx): it may have been posted, so it is not sent again.
 */
export class SendError extends Error {
  constructor(
    message: string,
    readonly code: string,
    readonly delivered: 'no' | 'unknown',
  ) {
    super(message);
  }
}

/** Where scheduled jobs send their messages: Slack, or the terminal in local mode. */
export type TOutbox = {
  /** Local mode: people without a Slack account are reached by name (the terminal shows it). */
  local?: boolean;
  /** Posts to a channel. Throws SendError. */
  post(channel: string, message: TMessage): Promise<{ ts?: string }>;
  /** A direct message to a Slack user. Throws SendError. */
  dm(userId: string, message: TMessage): Promise<{ ts?: string }>;
  /** The chart as an image block, when it can be made (never throws). */
  chart(spec: TChartSpec): Promise<ImageBlock | undefined>;
};

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Web API client options for job posts: no blind retries (a post is not idempotent); rate limits come back to us. */
export const JOB_CLIENT_OPTIONS = {
  retryConfig: { retries: 0 },
  rejectRateLimitedCalls: true,
  timeout: 15_000,
} as const;

type TSlackError = { code?: string; data?: { error?: string }; retryAfter?: number; message?: string };

/**
 * The Slack outbox. A rate-limited post is certain not to have gone out, so it waits as Slack asks and tries
 * again (up to three times); an error answer is final; anything else is "unknown" and never retried.
 */
export function createSlackOutbox(opts: {
  client: WebClient;
  chart: (spec: TChartSpec) => Promise<ImageBlock | undefined>;
  logger: TLogger;
  maxRateLimitWaitMs?: number;
}): TOutbox {
  async function send(channel: string, message: TMessage): Promise<{ ts?: string }> {
    for (let attempt = 1; ; attempt++) {
      try {
        const res = await opts.client.chat.postMessage({
          channel,
          text: message.text,
          blocks: message.blocks,
          unfurl_links: false,
        });
        return { ts: res.ts };
      } catch (error) {
        const e = error as TSlackError;
        if (e.code === 'slack_webapi_rate_limited_error' && attempt < 3) {
          const wait = Math.min((e.retryAfter ?? 1) * 1000, opts.maxRateLimitWaitMs ?? 60_000);
          opts.logger.warn({ channel, wait }, 'Slack rate-limited a job post; waiting as asked');
          await sleep(wait);
          continue;
        }
        if (e.code === 'slack_webapi_rate_limited_error')
          throw new SendError('Slack kept rate-limiting the post', 'ratelimited', 'no');
        if (e.code === 'slack_webapi_platform_error') {
          const code = e.data?.error ?? 'error';
          throw new SendError(`Slack refused the post: ${code}`, code, 'no');
        }
        throw new SendError(
          `the post may or may not have reached Slack (${e.message ?? 'request failed'})`,
          'unknown',
          'unknown',
        );
      }
    }
  }
  return {
    post: send,
    // Posting to a user id opens the app's direct message with them.
    dm: (userId, message) => send(userId, message),
    chart: opts.chart,
  };
}

/** Local mode: messages are written to the terminal (or a test's buffer) as text, and kept. */
export function createLocalOutbox(write: (text: string) => void) {
  const sent: { to: string; message: TMessage }[] = [];
  const outbox: TOutbox = {
    local: true,
    async post(channel, message) {
      sent.push({ to: channel, message });
      write(`${terminalSafe(`── to #${channel} ──\n${message.terminal}`)}\n`);
      return {};
    },
    async dm(userId, message) {
      sent.push({ to: `@${userId}`, message });
      write(`${terminalSafe(`── direct message to @${userId} ──\n${message.terminal}`)}\n`);
      return {};
    },
    async chart() {
      return undefined;
    },
  };
  return Object.assign(outbox, { sent });
}
