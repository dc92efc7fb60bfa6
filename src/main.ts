import type { AddressInfo } from 'node:net';
import { systemClock, type TClock } from './clock.js';
import { createSlackActorResolver } from './commands/context.js';
import { createCommandRouter, type TCommandRouter } from './commands/execute.js';
import { COMMANDS } from './commands/index.js';
import type { TConfig } from './config.js';
import { healthRoute } from './http/health.js';
import { createMetrics, metricsRoute, type TMetrics } from './http/metrics.js';
import { createHttpServer, type THttpLimits } from './http/server.js';
import { createSlackGate } from './http/slack-gate.js';
import { Inflight } from './inflight.js';
import { createInboxBatcher, startInboxWorker, type TInboxWorker } from './ingest/inbox.js';
import { webhookUrl } from './ingest/webhook-keys.js';
import { webhookRoutes } from './ingest/webhooks.js';
import { createScheduler, type TScheduler } from './jobs/runner.js';
import { createLogger, type TLogger } from './logger.js';
import { parseEncryptionKey } from './secret-box.js';
// Type-only: Bolt is loaded when Slack is connected, never in local mode (about 100 MB).
import type { TSlackApp } from './slack/app.js';
import { createChartImages } from './slack/charts.js';
import type { THomeTiming } from './slack/home-dashboard.js';
import { createSlackUserLookup } from './slack/lookup.js';
import { jobOutbox, LOCAL_LEADERBOARD } from './slack/outboxes.js';
import { inboxStats } from './store/inbox-stats.js';
import { teamUninstalled } from './store/installations.js';
import { applyMigrations } from './store/migrate.js';
import { createSeenRequests } from './store/seen-requests.js';
import { openStore, type TStore } from './store/store.js';
import { ensureWorkspace, LOCAL_TEAM_ID, workspaceIdOfTeam } from './store/workspaces.js';

export type TBot = {
  /** The port the HTTP server listens on (useful with PORT=0). */
  port: number;
  store: TStore;
  router: TCommandRouter;
  logger: TLogger;
  /** Applies stored webhook events; kick() after storing, idle() to wait for a pass. */
  inbox: TInboxWorker;
  /** The scheduled jobs (started unless KPI_JOBS=off); tick(now) runs what is due, as the minute timer does. */
  jobs: TScheduler;
  /** Work acknowledged but not finished (replies, dashboards); drain() waits for it. */
  inflight: Inflight;
  /** App Home dashboards (not in local mode); scheduled() counts the refreshes still to come. */
  home: TSlackApp['home'] | undefined;
  /** Stops taking requests, finishes in-flight work, closes the store. Safe to call twice. */
  stop(reason?: string): Promise<void>;
};

/** How many replies (or dashboards) are computed at once after their acks; the rest queue. */
export const WORK_CONCURRENCY = 4;

export type TStartOptions = {
  logger?: TLogger;
  clock?: TClock;
  /** How long shutdown waits for in-flight work before closing anyway. */
  drainTimeoutMs?: number;
  /** How often the inbox worker looks for due retries (default 2 s). */
  inboxPollMs?: number;
  /** App Home refresh timing (default: at most once a minute per person, 5 s after facts settle). */
  homeTiming?: THomeTiming;
  /** HTTP server limits (time-outs, connection cap); the defaults suit production. */
  httpLimits?: Partial<THttpLimits>;
};

type TWiring = {
  config: TConfig;
  opts: TStartOptions;
  logger: TLogger;
  clock: TClock;
  store: TStore;
  /** Counters and gauges for GET /metrics (served only with KPI_METRICS_TOKEN). */
  metrics: TMetrics;
};

/** Slack (unless local mode): Bolt, the listeners and their dependencies. Bolt is loaded only here. */
async function startSlack(
  w: TWiring,
  parts: { router: TCommandRouter; inflight: Inflight; charts: ReturnType<typeof createChartImages> },
  workspaceKeySecret: Buffer | undefined,
): Promise<TSlackApp | undefined> {
  const { config, store } = w;
  if (config.slackMode === 'local') return undefined;
  const resolveActor = createSlackActorResolver(store.db, { timezone: config.KPI_TIMEZONE });
  const { createSlackApp } = await import('./slack/app.js');
  return createSlackApp(config, {
    store,
    router: parts.router,
    logger: w.logger,
    clock: w.clock,
    inflight: parts.inflight,
    resolveActor,
    charts: parts.charts,
    webhookUrl: (teamId, path) =>
      webhookUrl({ publicUrl: config.KPI_PUBLIC_URL, path, teamId, key: workspaceKeySecret }),
    homeTiming: w.opts.homeTiming,
    metrics: w.metrics,
  });
}

/**
 * The input half: webhook routes that store what arrives, and the inbox worker that applies it. `slack` gives
 * the worker an owner-by-email look-up (single-workspace mode) and tells dashboards when facts change.
 */
async function startIngest(
  w: TWiring,
  slack: TSlackApp | undefined,
  workspaceKeySecret: Buffer | undefined,
): Promise<{ inbox: TInboxWorker; webhooks: ReturnType<typeof webhookRoutes> }> {
  const { config, store, logger, clock } = w;
  const defaultTeam = slack?.teamId ?? LOCAL_TEAM_ID;
  // With OAuth distribution there is no default workspace: webhooks name theirs (?workspace=T…).
  const defaultWorkspaceId =
    config.slackMode === 'oauth'
      ? null
      : (await ensureWorkspace(store.db, defaultTeam, { timezone: config.KPI_TIMEZONE })).id;
  const receiver = createInboxBatcher(store.db);
  const inbox = startInboxWorker(store.db, {
    receiving: receiver.receiving,
    logger,
    // A CRM owner's email finds their Slack account (users:read.email), who then becomes a rep.
    lookupSlackUser:
      slack && config.SLACK_BOT_TOKEN
        ? createSlackUserLookup({
            token: config.SLACK_BOT_TOKEN,
            slackApiUrl: config.SLACK_API_URL,
            workspaceId: defaultWorkspaceId ?? '',
            fetch: w.metrics.slackFetch(config.SLACK_API_URL ?? 'https://slack.com/api/'),
          })
        : undefined,
    now: () => clock.now(),
    pollMs: w.opts.inboxPollMs,
    enabled: config.KPI_INBOX_WORKER === 'on',
    onApplied: (workspaceId) => {
      w.metrics.eventsApplied();
      slack?.home.factsChanged(workspaceId);
    },
  });
  const webhooks = webhookRoutes({
    db: store.db,
    inbox: receiver,
    logger,
    clock,
    secrets: {
      hubspotClientSecret: config.HUBSPOT_CLIENT_SECRET,
      hubspotLegacyVersions: config.HUBSPOT_SIGNATURE_VERSIONS,
      pipedriveUser: config.PIPEDRIVE_WEBHOOK_USER,
      pipedrivePassword: config.PIPEDRIVE_WEBHOOK_PASSWORD,
      genericSecret: config.KPI_WEBHOOK_SECRET,
      publicUrl: config.KPI_PUBLIC_URL,
    },
    ratePerSecond: config.KPI_WEBHOOK_RATE_LIMIT,
    workspaceKeySecret,
    resolveWorkspace: (teamId) => webhookWorkspace(w, defaultWorkspaceId, teamId),
    onStored: () => inbox.kick(),
  });
  return { inbox, webhooks };
}

/** The workspace a webhook writes into: the one it names, or the default one; none once it uninstalled. */
async function webhookWorkspace(
  w: TWiring,
  defaultWorkspaceId: string | null,
  teamId: string | null | undefined,
) {
  const { config, store } = w;
  if (!teamId) return defaultWorkspaceId;
  const workspaceId = await workspaceIdOfTeam(store.db, teamId);
  if (!workspaceId || config.slackMode !== 'oauth') return workspaceId;
  // A workspace that uninstalled KPI Bot takes no more events.
  return (await teamUninstalled(store.db, teamId)) ? null : workspaceId;
}

/**
 * The HTTP server on PORT: health, webhooks, and Slack's requests through the gate (routes Slack uses only,
 * signed and fresh before the body is read, acted on once: replays and Slack's retries are answered without
 * acting again). Work already acknowledged waits while Slack requests are being answered, so a burst's acks all
 * go out first (webhooks and health checks do not hold replies back).
 */
async function serveHttp(
  w: TWiring,
  parts: {
    slack: TSlackApp | undefined;
    webhooks: ReturnType<typeof webhookRoutes>;
    inflight: Inflight;
    state: { stopping: boolean; mode: TConfig['slackMode'] };
  },
): Promise<ReturnType<typeof createHttpServer>> {
  const { config, store, logger } = w;
  const { slack, state } = parts;
  const slackGate = slack?.requestListener
    ? createSlackGate({
        bolt: slack.requestListener,
        signingSecret: config.SLACK_SIGNING_SECRET ?? '',
        oauth: config.slackMode === 'oauth',
        seen: createSeenRequests(store.db),
        logger,
      })
    : undefined;
  const token = config.KPI_METRICS_TOKEN;
  const server = createHttpServer({
    routes: [
      healthRoute(store, state),
      ...parts.webhooks,
      ...(token ? [metricsRoute(w.metrics, token)] : []),
    ],
    slack: slackGate,
    metrics: w.metrics,
    logger,
    limits: { maxConnections: config.KPI_HTTP_MAX_CONNECTIONS, ...w.opts.httpLimits },
  });
  let answering = 0;
  server.on('request', (req, res) => {
    if (!req.url?.startsWith('/slack/')) return;
    answering += 1;
    res.once('close', () => {
      answering -= 1;
    });
  });
  parts.inflight.busy = () => answering > 0 && !state.stopping;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.PORT, config.HOST, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return server;
}

/** Wiring only: config -> store -> commands -> Slack -> ingestion -> HTTP server -> jobs. */
export async function startBot(config: TConfig, opts: TStartOptions = {}): Promise<TBot> {
  const logger = opts.logger ?? createLogger(config.LOG_LEVEL);
  const clock = opts.clock ?? systemClock;

  const applied = await applyMigrations(config.DATABASE_URL);
  if (applied.length) logger.info({ applied }, 'migrations applied');
  const store = await openStore(config.DATABASE_URL);
  const metrics = createMetrics({
    inbox: () => inboxStats(store.db, clock.now()),
    now: () => clock.now(),
    logger,
    processMetrics: Boolean(config.KPI_METRICS_TOKEN),
  });
  const w: TWiring = { config, opts, logger, clock, store, metrics };

  const router = createCommandRouter(COMMANDS);
  // Replies, dashboards and shares after the ack: four at a time keeps acks prompt under a burst.
  const inflight = new Inflight(WORK_CONCURRENCY);
  const state = { stopping: false, mode: config.slackMode };

  // Many workspaces on one server: each one's webhook URLs carry its own key (see /kpi settings webhooks).
  const workspaceKeySecret =
    config.slackMode === 'oauth'
      ? (parseEncryptionKey(config.KPI_ENCRYPTION_KEY ?? '') ?? undefined)
      : undefined;
  const charts = createChartImages(logger);
  let slack: TSlackApp | undefined;
  try {
    slack = await startSlack(w, { router, inflight, charts }, workspaceKeySecret);
  } catch (error) {
    await store.close();
    throw error;
  }
  const { inbox, webhooks } = await startIngest(w, slack, workspaceKeySecret);

  const server = await serveHttp(w, { slack, webhooks, inflight, state });
  await slack?.start();
  const port = (server.address() as AddressInfo).port;
  const channels = envChannelDefaults(config, Boolean(slack));
  for (const name of channels.ignored)
    logger.warn(
      { variable: name },
      `${name} is ignored with OAuth (many workspaces): each workspace sets its own channel`,
    );
  const jobs = createScheduler({
    db: store.db,
    logger,
    clock,
    catchUpMs: config.KPI_JOBS_CATCHUP_HOURS * 3_600_000,
    defaultChannel: channels.leaderboard,
    defaultCelebrationsChannel: channels.celebrations,
    outboxFor: (workspace) =>
      jobOutbox(workspace, slack ? { clientFor: slack.clientFor, charts } : undefined, logger),
    onRun: metrics.jobRun,
  });
  if (config.KPI_JOBS === 'on') jobs.start();
  logger.info({ port, mode: config.slackMode, store: store.provider }, 'KPI Bot is listening');

  let stopping: Promise<void> | undefined;
  const stop = (reason = 'stop requested') => {
    stopping ??= (async () => {
      state.stopping = true;
      inflight.stopping = true;
      logger.info({ reason }, 'shutting down');
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      await jobs.stop();
      await slack?.stop();
      await inbox.stop();
      const drained = await inflight.drain(opts.drainTimeoutMs ?? 10_000);
      if (!drained) logger.warn({ pending: inflight.size }, 'in-flight work did not finish in time');
      server.closeAllConnections();
      await closed;
      await store.close();
      logger.info('stopped');
    })();
    return stopping;
  };

  return { port, store, router, logger, inbox, jobs, inflight, home: slack?.home, stop };
}

/**
 * The server-wide default channels (KPI_LEADERBOARD_CHANNEL, KPI_CELEBRATIONS_CHANNEL) for workspaces that have
 * not chosen their own. A channel id belongs to one Slack workspace: with many workspaces on one server (OAuth) a
 * server-wide default would post every workspace's figures to the operator's channel, so there they are ignored
 * (and named in `ignored`). Local mode's leaderboard goes to the terminal.
 */
export function envChannelDefaults(
  config: Pick<TConfig, 'slackMode' | 'KPI_LEADERBOARD_CHANNEL' | 'KPI_CELEBRATIONS_CHANNEL'>,
  slack: boolean,
): { leaderboard: string | undefined; celebrations: string | undefined; ignored: string[] } {
  if (config.slackMode === 'oauth')
    return {
      leaderboard: undefined,
      celebrations: undefined,
      ignored: (['KPI_LEADERBOARD_CHANNEL', 'KPI_CELEBRATIONS_CHANNEL'] as const).filter((n) => config[n]),
    };
  return {
    leaderboard: config.KPI_LEADERBOARD_CHANNEL ?? (slack ? undefined : LOCAL_LEADERBOARD),
    celebrations: config.KPI_CELEBRATIONS_CHANNEL,
    ignored: [],
  };
}
