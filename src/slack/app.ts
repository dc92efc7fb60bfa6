import type { RequestListener } from 'node:http';
import { App, HTTPReceiver } from '@slack/bolt';
import { WebClient } from '@slack/web-api';
import type { TConfig } from '../config.js';
import { AppError } from '../errors.js';
import { toBoltLogger } from '../logger.js';
import type { TSlackDeps } from './deps.js';
import { createHomeDashboard, type THomeDashboard } from './home-dashboard.js';
import * as actions from './listeners/actions/index.js';
import * as commands from './listeners/commands/index.js';
import * as events from './listeners/events/index.js';
import * as modals from './listeners/views/modals.js';

export type TSlackApp = {
  app: App;
  /** App Home dashboards: main.ts tells them when facts change. */
  home: THomeDashboard;
  /** The Slack team the bot token belongs to (auth.test): the default workspace of webhooks. */
  teamId: string | undefined;
  /** HTTP mode: Bolt's request handler for /slack/events, served by our own HTTP server. */
  requestListener?: RequestListener;
  /** Socket Mode: opens the WebSocket to Slack. HTTP mode: nothing to do. */
  start(): Promise<void>;
  stop(): Promise<void>;
};

/**
 * Checks the bot token once at start-up (auth.test) with few retries, so a wrong token or an unreachable Slack
 * stops start-up with a clear line instead of Bolt retrying for half an hour. Bolt is then given the bot's ids
 * and does not ask again.
 */
async function verifyBotToken(
  config: TConfig,
  clientOptions: { slackApiUrl?: string },
  logger: ReturnType<typeof toBoltLogger>,
) {
  const client = new WebClient(config.SLACK_BOT_TOKEN, {
    ...clientOptions,
    retryConfig: { retries: 2, minTimeout: 200, maxTimeout: 1000 },
    logger,
  });
  try {
    const auth = await client.auth.test();
    if (!auth.user_id || !auth.bot_id) throw new Error('auth.test did not name a bot user');
    return { botId: auth.bot_id, botUserId: auth.user_id, teamId: auth.team_id };
  } catch (error) {
    const reason = (error as { data?: { error?: string } }).data?.error ?? (error as Error).message;
    const where = config.SLACK_API_URL ?? 'https://slack.com/api/';
    throw new AppError(
      'unauthorized',
      `could not verify SLACK_BOT_TOKEN with Slack (auth.test at ${where}: ${reason})`,
    );
  }
}

const FIVE_MINUTES_SEC = 5 * 60;

/**
 * Bolt refuses requests stamped more than five minutes ago; Slack's rule is five minutes either way, so a
 * request stamped in the future is refused here too (401, as Bolt answers a stale one).
 */
function refuseFutureTimestamps(next: RequestListener): RequestListener {
  return (req, res) => {
    const ts = Number(req.headers['x-slack-request-timestamp']);
    if (Number.isFinite(ts) && ts - Date.now() / 1000 > FIVE_MINUTES_SEC) {
      res.writeHead(401).end();
      req.resume();
      return;
    }
    next(req, res);
  };
}

/**
 * Builds the Bolt app: HTTP mode (Events API, signed requests verified by Bolt's receiver) unless
 * SLACK_APP_TOKEN selects Socket Mode. The Web API client honours SLACK_API_URL.
 */
export async function createSlackApp(config: TConfig, base: Omit<TSlackDeps, 'home'>): Promise<TSlackApp> {
  let appRef: App | undefined;
  const home = createHomeDashboard(base, async () => appRef?.client, base.homeTiming);
  const deps: TSlackDeps = { ...base, home };
  const logger = toBoltLogger(deps.logger);
  const clientOptions = config.SLACK_API_URL ? { slackApiUrl: config.SLACK_API_URL } : {};
  const identity = await verifyBotToken(config, clientOptions, logger);
  deps.logger.info({ team: identity.teamId, botUserId: identity.botUserId }, 'Slack accepted the bot token');
  if (config.slackMode === 'socket') {
    const app = new App({
      token: config.SLACK_BOT_TOKEN,
      appToken: config.SLACK_APP_TOKEN,
      socketMode: true,
      botId: identity.botId,
      botUserId: identity.botUserId,
      logger,
      clientOptions,
      // The Socket Mode client has a Web API client of its own (apps.connections.open).
      installerOptions: { clientOptions },
      deferInitialization: true,
    });
    await app.init();
    appRef = app;
    commands.register(app, deps);
    events.register(app, deps);
    actions.register(app, deps);
    modals.register(app, deps);
    return {
      app,
      home,
      teamId: identity.teamId,
      start: async () => {
        await app.start();
      },
      stop: async () => {
        home.stop();
        await app.stop();
      },
    };
  }
  const receiver = new HTTPReceiver({
    signingSecret: config.SLACK_SIGNING_SECRET ?? '',
    endpoints: ['/slack/events'],
    processBeforeResponse: false,
    logger,
  });
  const app = new App({
    token: config.SLACK_BOT_TOKEN,
    receiver,
    botId: identity.botId,
    botUserId: identity.botUserId,
    logger,
    clientOptions,
    deferInitialization: true,
  });
  await app.init();
  appRef = app;
  commands.register(app, deps);
  events.register(app, deps);
  actions.register(app, deps);
  modals.register(app, deps);
  return {
    app,
    home,
    teamId: identity.teamId,
    requestListener: refuseFutureTimestamps(receiver.requestListener),
    start: async () => {},
    stop: async () => home.stop(),
  };
}
