import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestBot } from '../support/bot.js';
import { postToSlackEndpoint, slashCommandBody, slashCommands } from '../support/slack-request.js';

let t: Awaited<ReturnType<typeof startTestBot>>;
const { send, slash } = slashCommands(() => t);

beforeAll(async () => {
  t = await startTestBot();
});
afterAll(async () => {
  await t?.close();
});

describe('the Slack HTTP receiver', () => {
  it('answers a signed /kpi help with the command overview, ephemeral', async () => {
    // Acknowledged 200 (slash checks the ack), then answered at the response URL.
    const reply = await slash('help');
    expect(reply.response_type).toBe('ephemeral');
    expect(reply.text).toContain('/kpi help');
    expect(JSON.stringify(reply.blocks)).toContain('KPI Bot commands');
  });

  it('treats an empty /kpi as help', async () => {
    const reply = await slash('');
    expect(JSON.stringify(reply.blocks)).toContain('KPI Bot commands');
  });

  it('suggests the closest command for a typo', async () => {
    const reply = await slash('hlep');
    expect(reply.text).toContain('Did you mean /kpi help');
    expect(reply.response_type).toBe('ephemeral');
  });

  it('answers /kpi me for a Slack user who is not a rep yet with how to get set up', async () => {
    const reply = await slash('me');
    expect(reply.response_type).toBe('ephemeral');
    expect(reply.text).toContain('not set up as a rep');
  });

  it("answers /kpi me for a rep with their scorecard, found by Slack user id in the request's workspace", async () => {
    const { db } = t.bot.store;
    const ws = await db.workspace.findUniqueOrThrow({ where: { slackTeamId: 'T0ACME' } });
    await db.rep.create({ data: { workspaceId: ws.id, name: 'Dana Scott', slackUserId: 'U0DANA' } });
    const reply = await slash('me last month');
    expect(JSON.stringify(reply.blocks)).toContain('Dana Scott');
    expect(reply.text).toMatch(/^Dana Scott, \w+ \d{4}: won \$0$/);
  });

  it('logs calls for the rep through /kpi log, and the scorecard counts them', async () => {
    const { db } = t.bot.store;
    const reply = await slash('log call 4 personalized');
    expect(reply.text).toMatch(/^Logged 4 personalized calls on \d{4}-\d{2}-\d{2}\.$/);
    const ws = await db.workspace.findUniqueOrThrow({ where: { slackTeamId: 'T0ACME' } });
    const dana = await db.rep.findFirstOrThrow({ where: { workspaceId: ws.id, slackUserId: 'U0DANA' } });
    const calls = await db.activity.findMany({ where: { workspaceId: ws.id, repId: dana.id, kind: 'call' } });
    expect(calls.map((c) => [c.count, c.personalized])).toEqual([[4, true]]);
    const bad = await slash('log call lots');
    expect(bad.text).toContain('Usage: `/kpi log call|email|meeting');
  });

  it('never lets echoed input ping a channel or break the reply', async () => {
    const reply = await slash(`<!channel>${'x'.repeat(5000)} & "unterminated`);
    const body = JSON.stringify(reply);
    expect(body).not.toContain('<!channel>');
    expect(body.length).toBeLessThan(6000);
    expect(reply.text).toMatch(/^Unknown command/);
  });

  const refused: [string, Parameters<typeof postToSlackEndpoint>[2]][] = [
    ['unsigned', { signature: null }],
    ['wrongly signed', { signature: `v0=${'0'.repeat(64)}` }],
    ['older than five minutes', { timestampSec: Math.floor(Date.now() / 1000) - 6 * 60 }],
    ['from the future', { timestampSec: Math.floor(Date.now() / 1000) + 6 * 60 }],
  ];
  it.each(refused)('rejects a %s request with 401 and does nothing', async (_name, opts) => {
    const before = t.slack.calls.length;
    await send('help', { ...opts, status: 401 });
    // Refused at the gate, before Bolt: nothing can follow. Checked without a sleep: a genuine command sent after
    // it is answered, and that reply is the only call Slack got since.
    const after = await send('help');
    await after.reply();
    expect(t.slack.calls.slice(before).map((c) => c.path)).toEqual([`/respond/${after.id}`]);
  });

  it('rejects a body signed with another secret', async () => {
    const body = slashCommandBody({ text: 'help', response_url: t.slack.responseUrl('other') });
    const { slackSignature } = await import('../support/slack-request.js');
    const ts = Math.floor(Date.now() / 1000);
    const res = await postToSlackEndpoint(t.baseUrl, body, {
      timestampSec: ts,
      signature: slackSignature(body, ts, 'another-secret-123'),
    });
    expect(res.status).toBe(401);
  });
});

describe('the HTTP server', () => {
  it('reports health with the store reachable', async () => {
    const res = await fetch(`${t.baseUrl}/healthz`);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ status: 'ok', mode: 'http' });
  });

  it('answers unknown paths with 404 and wrong methods with 405, as JSON', async () => {
    const missing = await fetch(`${t.baseUrl}/nope`);
    expect(missing.status).toBe(404);
    expect(await missing.json()).toMatchObject({ error: 'not_found' });
    const wrong = await fetch(`${t.baseUrl}/healthz`, { method: 'POST' });
    expect(wrong.status).toBe(405);
    expect(wrong.headers.get('allow')).toBe('GET');
  });
});

describe('start-up against Slack', () => {
  it('stops with a clear error when Slack refuses the bot token, and leaves nothing running', async () => {
    const { FakeSlack } = await import('../support/fake-slack.js');
    const { createMigratedDatabase } = await import('../support/db.js');
    const { loadConfig } = await import('../../src/config.js');
    const { startBot } = await import('../../src/main.js');
    const { createLogger } = await import('../../src/logger.js');
    const refusing = await new FakeSlack().start();
    refusing.on('auth.test', () => ({ ok: false, error: 'invalid_auth' }));
    const database = await createMigratedDatabase();
    try {
      const config = loadConfig({
        DATABASE_URL: database.url,
        PORT: '0',
        HOST: '127.0.0.1',
        SLACK_BOT_TOKEN: 'xoxb-revoked-token',
        SLACK_SIGNING_SECRET: 'abcdef0123456789',
        SLACK_API_URL: refusing.apiUrl,
      });
      await expect(startBot(config, { logger: createLogger('silent') })).rejects.toThrow(
        /could not verify SLACK_BOT_TOKEN with Slack .*invalid_auth/,
      );
      expect(refusing.callsOf('auth.test')).toHaveLength(1);
    } finally {
      await refusing.stop();
      await database.drop();
    }
  });
});
