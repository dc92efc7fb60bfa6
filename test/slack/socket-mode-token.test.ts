import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { createLogger } from '../../src/logger.js';
import { startBot } from '../../src/main.js';
import { createMigratedDatabase } from '../support/db.js';
import { FakeSlack } from '../support/fake-slack.js';

/** Issue 13, part 7: a wrong SLACK_APP_TOKEN stops start-up with a line naming it, never a retry loop. */
let slack: FakeSlack;
let database: Awaited<ReturnType<typeof createMigratedDatabase>>;

beforeAll(async () => {
  slack = await new FakeSlack().start();
  database = await createMigratedDatabase();
});
afterAll(async () => {
  await slack?.stop();
  await database?.drop();
});

describe('Socket Mode with a bad app token', () => {
  it.each(['invalid_auth', 'not_allowed_token_type', 'account_inactive'])(
    'apps.connections.open says %s: start-up fails naming SLACK_APP_TOKEN, after one try',
    async (error) => {
      const before = slack.callsOf('apps.connections.open').length;
      slack.on('apps.connections.open', () => ({ ok: false, error }));
      const config = loadConfig({
        DATABASE_URL: database.url,
        PORT: '0',
        HOST: '127.0.0.1',
        SLACK_BOT_TOKEN: 'xoxb-test-0000-token',
        SLACK_APP_TOKEN: 'xapp-1-A0KPI-wrong',
        SLACK_API_URL: slack.apiUrl,
        KPI_JOBS: 'off',
      });
      await expect(startBot(config, { logger: createLogger('silent') })).rejects.toThrow(
        new RegExp(`SLACK_APP_TOKEN.*${error}`),
      );
      expect(slack.callsOf('apps.connections.open').length - before).toBeLessThanOrEqual(3);
    },
  );
});
