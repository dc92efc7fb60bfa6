import type { TClock } from '../../src/clock.js';
import { loadConfig } from '../../src/config.js';
import { createLogger, type TLogger } from '../../src/logger.js';
import { startBot, type TBot, type TStartOptions } from '../../src/main.js';
import { createMigratedDatabase } from './db.js';
import { FakeSlack } from './fake-slack.js';
import { SIGNING_SECRET } from './slack-request.js';

/** The real bot in HTTP mode on a free loopback port, its Web API pointed at a fake Slack. */
export async function startTestBot(
  opts: {
    drainTimeoutMs?: number;
    env?: Record<string, string>;
    inboxPollMs?: number;
    homeTiming?: TStartOptions['homeTiming'];
    clock?: TClock;
    /** Another logger (e.g. one writing to a buffer the test reads); default silent. */
    logger?: TLogger;
    httpLimits?: TStartOptions['httpLimits'];
    /** Another database (e.g. a second replica on the first bot's database); default a new one. */
    databaseUrl?: string;
  } = {},
) {
  const slack = await new FakeSlack().start();
  const database = opts.databaseUrl
    ? { url: opts.databaseUrl, drop: async () => {} }
    : await createMigratedDatabase();
  const config = loadConfig({
    DATABASE_URL: database.url,
    PORT: '0',
    HOST: '127.0.0.1',
    SLACK_BOT_TOKEN: 'xoxb-test-0000-token',
    SLACK_SIGNING_SECRET: SIGNING_SECRET,
    SLACK_API_URL: slack.apiUrl,
    LOG_LEVEL: 'silent',
    // Scheduled jobs run when a test ticks them (bot.jobs.tick), never on the wall clock.
    KPI_JOBS: 'off',
    ...opts.env,
  });
  const bot: TBot = await startBot(config, {
    logger: opts.logger ?? createLogger('silent'),
    httpLimits: opts.httpLimits,
    drainTimeoutMs: opts.drainTimeoutMs,
    inboxPollMs: opts.inboxPollMs,
    homeTiming: opts.homeTiming,
    ...(opts.clock ? { clock: opts.clock } : {}),
  });
  return {
    bot,
    slack,
    databaseUrl: database.url,
    baseUrl: `http://127.0.0.1:${bot.port}`,
    async close() {
      await bot.stop('test finished');
      await slack.stop();
      await database.drop();
    },
  };
}
