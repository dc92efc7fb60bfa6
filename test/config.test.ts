import { describe, expect, it } from 'vitest';
import { CONFIG_VARIABLES, ConfigError, loadConfig } from '../src/config.js';
import { envChannelDefaults } from '../src/main.js';

function errorLines(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).lines;
  }
  throw new Error('expected a ConfigError');
}

describe('loadConfig', () => {
  it('defaults to local mode on the embedded SQLite file', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      DATABASE_URL: 'file:./data/kpi.db',
      PORT: 3000,
      KPI_TIMEZONE: 'UTC',
      LOG_LEVEL: 'info',
      slackMode: 'local',
    });
    expect(config.SLACK_BOT_TOKEN).toBeUndefined();
  });

  it('selects HTTP mode with a bot token and signing secret, Socket Mode with an app token', () => {
    const http = loadConfig({ SLACK_BOT_TOKEN: 'xoxb-1-2-abc', SLACK_SIGNING_SECRET: 'abcdef0123456789' });
    expect(http.slackMode).toBe('http');
    const socket = loadConfig({ SLACK_BOT_TOKEN: 'xoxb-1-2-abc', SLACK_APP_TOKEN: 'xapp-1-A1-2-abc' });
    expect(socket.slackMode).toBe('socket');
  });

  it('takes valid values and normalises the Slack API URL', () => {
    const config = loadConfig({
      DATABASE_URL: 'postgresql://kpi@db:5432/kpi',
      PORT: '8080',
      SLACK_API_URL: 'http://127.0.0.1:9999/api',
      KPI_TIMEZONE: 'America/New_York',
      LOG_LEVEL: 'debug',
    });
    expect(config).toMatchObject({
      DATABASE_URL: 'postgresql://kpi@db:5432/kpi',
      PORT: 8080,
      SLACK_API_URL: 'http://127.0.0.1:9999/api/',
      KPI_TIMEZONE: 'America/New_York',
      LOG_LEVEL: 'debug',
    });
  });

  it('selects OAuth distribution with client id and secret, and names every missing or conflicting variable', () => {
    const oauth = {
      SLACK_CLIENT_ID: '1234567890.9876543210',
      SLACK_CLIENT_SECRET: '0123456789abcdef0123456789abcdef',
      SLACK_SIGNING_SECRET: 'abcdef0123456789',
      SLACK_STATE_SECRET: 'state-secret-0123456789',
      KPI_ENCRYPTION_KEY: 'ab'.repeat(32),
    };
    expect(loadConfig(oauth).slackMode).toBe('oauth');
    const missing = errorLines({ SLACK_CLIENT_ID: oauth.SLACK_CLIENT_ID });
    expect(missing.map((l) => l.split(' ')[0])).toEqual([
      'SLACK_CLIENT_SECRET',
      'SLACK_SIGNING_SECRET',
      'SLACK_STATE_SECRET',
      'KPI_ENCRYPTION_KEY',
    ]);
    expect(errorLines({ ...oauth, SLACK_BOT_TOKEN: 'xoxb-1-2-abc' })[0]).toMatch(/exclude each other/);
    const weakKey = errorLines({ ...oauth, KPI_ENCRYPTION_KEY: 'password123' });
    expect(weakKey).toHaveLength(1);
    expect(weakKey[0]).toMatch(/^KPI_ENCRYPTION_KEY must be 32 random bytes/);
    // A secret is never echoed back.
    expect(weakKey[0]).not.toContain('password123');
  });

  it('treats empty values as unset', () => {
    expect(loadConfig({ PORT: '', SLACK_BOT_TOKEN: '  ' }).slackMode).toBe('local');
  });

  const bad: [string, string][] = [
    ['DATABASE_URL', 'mysql://root@localhost/kpi'],
    ['PORT', 'abc'],
    ['PORT', '70000'],
    ['PORT', '-1'],
    ['PORT', '3.5'],
    ['SLACK_BOT_TOKEN', 'xoxp-user-token'],
    ['SLACK_SIGNING_SECRET', 'short'],
    ['SLACK_APP_TOKEN', 'xoxb-not-an-app-token'],
    ['SLACK_API_URL', 'not a url'],
    ['SLACK_API_URL', 'ftp://slack.example/api'],
    ['KPI_TIMEZONE', 'Mars/Olympus_Mons'],
    ['LOG_LEVEL', 'loud'],
  ];
  it.each(bad)('rejects %s=%s with one line naming it, what it expects and an example', (name, value) => {
    const env: Record<string, string> = { [name]: value };
    // Socket/HTTP token checks need their companions so only the bad value is reported.
    if (name === 'SLACK_SIGNING_SECRET' || name === 'SLACK_APP_TOKEN') env.SLACK_BOT_TOKEN = 'xoxb-1-2-abc';
    if (name === 'SLACK_BOT_TOKEN') env.SLACK_SIGNING_SECRET = 'abcdef0123456789';
    const lines = errorLines(env);
    expect(lines).toHaveLength(1);
    const [line] = lines;
    expect(line).toMatch(new RegExp(`^${name} must be `));
    expect(line).toContain(`(example: ${name}=`);
    expect(line).not.toContain('\n');
  });

  it('never echoes a secret value in the error', () => {
    const lines = errorLines({
      SLACK_BOT_TOKEN: 'xoxp-secret-user-token-123',
      SLACK_SIGNING_SECRET: 'abcdef0123456789',
    });
    expect(lines.join(' ')).not.toContain('secret-user-token');
  });

  it('reports every bad variable, one line each', () => {
    const lines = errorLines({ PORT: 'x', LOG_LEVEL: 'loud', KPI_TIMEZONE: 'Nowhere' });
    expect(lines.map((l) => l.split(' ')[0]).sort()).toEqual(['KPI_TIMEZONE', 'LOG_LEVEL', 'PORT']);
  });

  it('refuses half-configured Slack credentials', () => {
    expect(errorLines({ SLACK_BOT_TOKEN: 'xoxb-1-2-abc' })[0]).toMatch(/^SLACK_SIGNING_SECRET must be set/);
    expect(errorLines({ SLACK_SIGNING_SECRET: 'abcdef0123456789' })[0]).toMatch(
      /^SLACK_BOT_TOKEN must be set/,
    );
  });

  it('documents every variable in docs/configuration.md', async () => {
    const { readFile } = await import('node:fs/promises');
    const readme = await readFile(new URL('../docs/configuration.md', import.meta.url), 'utf8');
    for (const name of CONFIG_VARIABLES) expect(readme, name).toContain(`\`${name}\``);
  });
});

describe('server-wide default channels', () => {
  const base = { KPI_LEADERBOARD_CHANNEL: 'C0BOARD', KPI_CELEBRATIONS_CHANNEL: 'C0WINS' };
  it('apply to the one workspace of a bot token or Socket Mode', () => {
    for (const slackMode of ['http', 'socket'] as const)
      expect(envChannelDefaults({ ...base, slackMode }, true)).toEqual({
        leaderboard: 'C0BOARD',
        celebrations: 'C0WINS',
        ignored: [],
      });
  });
  it('are ignored with OAuth (a channel id belongs to one workspace), and named so the log says so', () => {
    expect(envChannelDefaults({ ...base, slackMode: 'oauth' }, true)).toEqual({
      leaderboard: undefined,
      celebrations: undefined,
      ignored: ['KPI_LEADERBOARD_CHANNEL', 'KPI_CELEBRATIONS_CHANNEL'],
    });
    expect(
      envChannelDefaults(
        { slackMode: 'oauth', KPI_LEADERBOARD_CHANNEL: undefined, KPI_CELEBRATIONS_CHANNEL: undefined },
        true,
      ).ignored,
    ).toEqual([]);
  });
  it('local mode posts the leaderboard to the terminal unless a channel is named; no celebrations by default', () => {
    expect(
      envChannelDefaults(
        { slackMode: 'local', KPI_LEADERBOARD_CHANNEL: undefined, KPI_CELEBRATIONS_CHANNEL: undefined },
        false,
      ),
    ).toEqual({ leaderboard: 'leaderboard', celebrations: undefined, ignored: [] });
  });
});
