import type { RequestListener, ServerResponse } from 'node:http';
import { App, HTTPReceiver } from '@slack/bolt';
import { WebClient } from '@slack/web-api';
import { BoundedMap } from '../bounded-map.js';
import type { TConfig } from '../config.js';
import { AppError, isStoreUnavailable } from '../errors.js';
import { slackKindOf, type TMetrics } from '../http/metrics.js';
import { JOB_CLIENT_OPTIONS } from '../jobs/outbox.js';
import { errorForLog, toBoltLogger } from '../logger.js';
import { parseEncryptionKey } from '../secret-box.js';
import type { TSlackDeps } from './deps.js';
import { createHomeDashboard, type THomeDashboard } from './home-dashboard.js';
import { installFailurePage } from './install-pages.js';
import { createInstallationStore, type TInstallationStore } from './installation-store.js';
import * as actions from './listeners/actions/index.js';
import * as commands from './listeners/commands/index.js';
import * as events from './listeners/events/index.js';
import * as modals from './listeners/views/modals.js';
import { createWorkspaceAdminCheck } from './workspace-admins.js';

export type TClientFor = (
  teamId: string,
  opts?: { quick?: boolean; job?: boolean },
) => Promise<WebClient | undefined>;

export type TSlackApp = {
  app: App;
  /** A workspace's Web API client (its token), for work outside a request: App Home refreshes, jobs. */
  clientFor: TClientFor;
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

/**
 * Socket Mode: checks the app-level token once (apps.connections.open) before Bolt's socket client starts, so a
 * wrong or revoked token stops start-up with a line naming SLACK_APP_TOKEN instead of a reconnect loop (the
 * socket client retries some refusals for ever). A network error or a 5xx is retried twice, a refusal is final.
 */
async function verifyAppToken(
  config: TConfig,
  apiUrl: { slackApiUrl?: string },
  logger: ReturnType<typeof toBoltLogger>,
): Promise<void> {
  const client = new WebClient(config.SLACK_APP_TOKEN, {
    ...apiUrl,
    retryConfig: { retries: 2, minTimeout: 200, maxTimeout: 1000 },
    timeout: 10_000,
    logger,
  });
  try {
    await client.apps.connections.open();
  } catch (error) {
    const reason = (error as { data?: { error?: string } }).data?.error ?? (error as Error).message;
    const where = config.SLACK_API_URL ?? 'https://slack.com/api/';
    throw new AppError(
      'unauthorized',
      `could not verify SLACK_APP_TOKEN with Slack (apps.connections.open at ${where}: ${reason}); it must be an app-level token (xapp-…) with connections:write, from Basic Information → App-Level Tokens`,
    );
  }
}

/** Web API calls after the ack: two quick retries (429s wait as Slack asks), 10 s per attempt. */
export const WEB_API_OPTIONS = {
  retryConfig: { retries: 2, factor: 2, minTimeout: 300, maxTimeout: 2_000 },
  timeout: 10_000,
} as const;
/** Web API calls before an ack (users.info for admin rights): one attempt, 1.5 s. */
export const QUICK_OPTIONS = { retryConfig: { retries: 0 }, timeout: 1_500 } as const;

/**
 * What Bolt answers when processing a signed request fails before a listener acknowledged it: nothing about the
 * request reaches the log but the error itself (without what it carries); the answer is 401 when Slack's
 * request names no workspace KPI Bot is installed in, 503 when the store is away (Slack shows its own error and
 * the person can try again), else 400 (the payload is not one KPI Bot can act on). Never a crash.
 */
function processEventErrorHandler(log: TSlackDeps['logger']) {
  return async (args: { error: Error; response: ServerResponse }): Promise<boolean> => {
    const { error, response } = args;
    if (response.headersSent) {
      log.error({ err: errorForLog(error) }, 'a Slack request failed after it was acknowledged');
      return false;
    }
    const name = (error as { code?: string }).code ?? error.name;
    const status = /authoriz/i.test(String(name)) ? 401 : isStoreUnavailable(error) ? 503 : 400;
    log[status === 400 ? 'warn' : 'error'](
      { err: errorForLog(error), status },
      'a Slack request could not be processed',
    );
    response.writeHead(status, { 'content-type': 'application/json; charset=utf-8' });
    response.end(
      JSON.stringify({
        ok: false,
        error: status === 401 ? 'unauthorized' : status === 503 ? 'store_unavailable' : 'bad_request',
      }),
    );
    return true;
  };
}

/** The bot scopes KPI Bot asks for at install (manifest.yml lists the same). */
export const BOT_SCOPES = [
  'commands',
  'chat:write',
  'chat:write.public',
  'im:write',
  'files:write',
  'users:read',
  'users:read.email',
];

type TBoltLogger = ReturnType<typeof toBoltLogger>;

/**
 * The Web API client of each workspace, from its bot token: the one token (HTTP and Socket Mode), or the
 * workspace's installation (OAuth). Clients are kept per token and kind: `quick` for calls made before an ack
 * (no retries, 1.5 s at most), `job` for scheduled posts (no blind retries: a post is not idempotent; rate
 * limits handled by the job), else WEB_API_OPTIONS.
 */
function createClients(
  config: TConfig,
  base: Omit<TSlackDeps, 'home'>,
  logger: TBoltLogger,
  metrics: TMetrics | undefined,
) {
  // Every client (ours and Bolt's, OAuth's, Socket Mode's) is built from these, so each call is counted.
  const apiUrl = {
    ...(config.SLACK_API_URL ? { slackApiUrl: config.SLACK_API_URL } : {}),
    ...(metrics ? { fetch: metrics.slackFetch(config.SLACK_API_URL ?? 'https://slack.com/api/') } : {}),
  };
  let installations: TInstallationStore | undefined;
  let tokenFor: (teamId: string) => Promise<string | undefined> = async () => config.SLACK_BOT_TOKEN;
  /** Enterprise Grid: the enterprise of each team seen in a request, to find an org-wide installation. */
  const enterpriseOf = new BoundedMap<string, string>(10_000);
  if (config.slackMode === 'oauth') {
    const key = parseEncryptionKey(config.KPI_ENCRYPTION_KEY ?? '');
    if (!key) throw new AppError('bad_request', 'KPI_ENCRYPTION_KEY is not a 32-byte key');
    const store = createInstallationStore(base.store.db, key, {
      logger: base.logger,
      timezone: config.KPI_TIMEZONE,
    });
    installations = store;
    tokenFor = (teamId) =>
      store
        .fetchInstallation({ teamId, enterpriseId: enterpriseOf.get(teamId), isEnterpriseInstall: false })
        .then((i) => i.bot?.token)
        .catch(() => undefined);
  }
  const clients = new BoundedMap<string, WebClient>(1_000);
  const clientFor: TClientFor = async (teamId, opts = {}) => {
    const token = await tokenFor(teamId);
    if (!token) return undefined;
    const kind = opts.quick ? 'quick' : opts.job ? 'job' : 'normal';
    const cacheKey = `${kind}:${token}`;
    let client = clients.get(cacheKey);
    if (!client) {
      const options =
        kind === 'quick' ? QUICK_OPTIONS : kind === 'job' ? JOB_CLIENT_OPTIONS : WEB_API_OPTIONS;
      client = new WebClient(token, { ...apiUrl, ...options, logger });
      clients.set(cacheKey, client);
    }
    return client;
  };
  return { apiUrl, installations, enterpriseOf, clientFor };
}

/** What the listeners are given: the base dependencies, who is a Slack workspace admin, App Home dashboards. */
function createDeps(config: TConfig, base: Omit<TSlackDeps, 'home'>, clientFor: TClientFor): TSlackDeps {
  const workspaceAdmin = createWorkspaceAdminCheck(clientFor, base.logger);
  const resolveActor: TSlackDeps['resolveActor'] = async (teamId, userId, userName) => {
    const resolved = await base.resolveActor(teamId, userId, userName);
    if (config.KPI_SLACK_ADMINS === 'off') return resolved;
    return {
      ...resolved,
      actor: { ...resolved.actor, workspaceAdmin: await workspaceAdmin(teamId, userId) },
    };
  };
  const withActor = { ...base, resolveActor };
  return { ...withActor, home: createHomeDashboard(withActor, clientFor, base.homeTiming) };
}

/** Bolt's HTTP receiver for /slack/events (our own server serves it), with OAuth's install routes when asked. */
function httpReceiver(
  config: TConfig,
  log: TSlackDeps['logger'],
  logger: TBoltLogger,
  oauth?: { installations: TInstallationStore | undefined; clientOptions: object },
): HTTPReceiver {
  return new HTTPReceiver({
    signingSecret: config.SLACK_SIGNING_SECRET ?? '',
    endpoints: ['/slack/events'],
    processBeforeResponse: false,
    processEventErrorHandler: processEventErrorHandler(log),
    logger,
    ...(oauth
      ? {
          clientId: config.SLACK_CLIENT_ID,
          clientSecret: config.SLACK_CLIENT_SECRET,
          stateSecret: config.SLACK_STATE_SECRET,
          scopes: BOT_SCOPES,
          installationStore: oauth.installations,
          ...(config.KPI_PUBLIC_URL ? { redirectUri: `${config.KPI_PUBLIC_URL}/slack/oauth_redirect` } : {}),
          installerOptions: {
            installPath: '/slack/install',
            redirectUriPath: '/slack/oauth_redirect',
            directInstall: true,
            callbackOptions: { failure: installFailurePage },
            // oauth.v2.access goes to SLACK_API_URL too.
            clientOptions: oauth.clientOptions,
          },
        }
      : {}),
  });
}

/**
 * The Bolt app of the configured mode: OAuth distribution (any number of workspaces install the app at
 * /slack/install; their tokens are kept encrypted in the database), Socket Mode (SLACK_APP_TOKEN), or HTTP mode
 * with one workspace's bot token. Tokens are checked with Slack first, so a wrong one stops start-up with a line
 * naming it.
 */
async function createBolt(
  config: TConfig,
  log: TSlackDeps['logger'],
  logger: TBoltLogger,
  clients: { apiUrl: object; installations: TInstallationStore | undefined; clientOptions: object },
): Promise<{ app: App; teamId: string | undefined; requestListener?: RequestListener; socket: boolean }> {
  const { clientOptions } = clients;
  if (config.slackMode === 'oauth') {
    const receiver = httpReceiver(config, log, logger, clients);
    const app = new App({ receiver, logger, clientOptions, deferInitialization: true });
    log.info('OAuth distribution: workspaces install KPI Bot at /slack/install');
    return { app, teamId: undefined, requestListener: receiver.requestListener, socket: false };
  }
  const identity = await verifyBotToken(config, clientOptions, logger);
  log.info({ team: identity.teamId, botUserId: identity.botUserId }, 'Slack accepted the bot token');
  const bot = { token: config.SLACK_BOT_TOKEN, botId: identity.botId, botUserId: identity.botUserId };
  if (config.slackMode === 'socket') {
    await verifyAppToken(config, clients.apiUrl, logger);
    const app = new App({
      ...bot,
      appToken: config.SLACK_APP_TOKEN,
      socketMode: true,
      logger,
      clientOptions,
      // The Socket Mode client has a Web API client of its own (apps.connections.open).
      installerOptions: { clientOptions },
      deferInitialization: true,
    });
    return { app, teamId: identity.teamId, socket: true };
  }
  const receiver = httpReceiver(config, log, logger);
  const app = new App({ ...bot, receiver, logger, clientOptions, deferInitialization: true });
  return { app, teamId: identity.teamId, requestListener: receiver.requestListener, socket: false };
}

/**
 * Times each Slack request from the moment Bolt is handed it to its ack, by kind. Both receivers (HTTP and
 * Socket Mode) hand requests over through app.processEvent, and every listener acks through the event's ack,
 * so this is the one place that sees them all.
 */
function countAcks(app: App, metrics: TMetrics): void {
  const processEvent = app.processEvent.bind(app);
  app.processEvent = (event) => {
    const started = process.hrtime.bigint();
    const kind = slackKindOf(event.body);
    const ack: typeof event.ack = async (response) => {
      const result = await event.ack(response);
      metrics.slackAck(kind, Number(process.hrtime.bigint() - started) / 1e9);
      return result;
    };
    return processEvent({ ...event, ack });
  };
}

/**
 * Builds the Slack side of the bot: each workspace's Web API client, the listeners' dependencies, and the Bolt
 * app of the configured mode with every listener registered. The Web API client honours SLACK_API_URL; every
 * call gives up within seconds, not Slack's default of ten retries over half an hour (a reply or a dashboard
 * late by minutes is worse than one sent without its chart).
 */
export async function createSlackApp(
  config: TConfig,
  base: Omit<TSlackDeps, 'home'> & { metrics?: TMetrics },
): Promise<TSlackApp> {
  const { metrics } = base;
  const logger = toBoltLogger(base.logger);
  const { apiUrl, installations, enterpriseOf, clientFor } = createClients(config, base, logger, metrics);
  const clientOptions = { ...apiUrl, ...WEB_API_OPTIONS };
  const deps = createDeps(config, base, clientFor);
  const bolt = await createBolt(config, base.logger, logger, { apiUrl, installations, clientOptions });
  const { app } = bolt;
  await app.init();
  if (metrics) countAcks(app, metrics);
  app.use(async ({ context, next }) => {
    if (context.teamId && context.enterpriseId) enterpriseOf.set(context.teamId, context.enterpriseId);
    await next();
  });
  commands.register(app, deps);
  events.register(app, deps, installations);
  actions.register(app, deps);
  modals.register(app, deps);
  return {
    app,
    clientFor,
    home: deps.home,
    teamId: bolt.teamId,
    ...(bolt.requestListener ? { requestListener: bolt.requestListener } : {}),
    start: async () => {
      if (bolt.socket) await app.start();
    },
    stop: async () => {
      deps.home.stop();
      if (bolt.socket) await app.stop();
    },
  };
}
