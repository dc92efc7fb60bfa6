import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { workspaceWebhookKey } from '../../src/ingest/webhook-keys.js';
import { open, parseEncryptionKey, seal } from '../../src/secret-box.js';
import { startTestBot } from '../support/bot.js';
import { postToSlackEndpoint, slashCommands } from '../support/slack-request.js';
import {
  PIPEDRIVE_UPDATE_DEAL,
  postEvents,
  postHubSpot,
  postPipedrive,
  WEBHOOK_ENV,
} from '../support/webhooks.js';

const KEY = randomBytes(32).toString('hex');
const GLOBEX_TOKEN = 'xoxb-globex-secret-token-0001';
const ORG_TOKEN = 'xoxb-org-wide-secret-token-0002';

let t: Awaited<ReturnType<typeof startTestBot>>;
let seq = 0;
const { send, slash } = slashCommands(() => t);

beforeAll(async () => {
  t = await startTestBot({
    env: {
      SLACK_BOT_TOKEN: '',
      SLACK_CLIENT_ID: '1234567890.9876543210',
      SLACK_CLIENT_SECRET: '0123456789abcdef0123456789abcdef',
      SLACK_STATE_SECRET: 'state-secret-for-tests-0001',
      KPI_ENCRYPTION_KEY: KEY,
      ...WEBHOOK_ENV,
    },
  });
  t.slack.on('oauth.v2.access', (call) =>
    call.body.code === 'org-code'
      ? {
          ok: true,
          app_id: 'A0KPI',
          authed_user: { id: 'U0ORGADMIN' },
          scope: 'commands,chat:write',
          token_type: 'bot',
          access_token: ORG_TOKEN,
          bot_user_id: 'U0ORGBOT',
          team: null,
          enterprise: { id: 'E0ORG', name: 'Initech Org' },
          is_enterprise_install: true,
        }
      : call.body.code === 'good-code'
        ? {
            ok: true,
            app_id: 'A0KPI',
            authed_user: { id: 'U0G1' },
            scope: 'commands,chat:write',
            token_type: 'bot',
            access_token: GLOBEX_TOKEN,
            bot_user_id: 'U0GLOBEXBOT',
            team: { id: 'T0GLOBEX', name: 'Globex' },
            enterprise: null,
            is_enterprise_install: false,
          }
        : { ok: false, error: 'invalid_code' },
  );
  t.slack.on('auth.test', () => ({
    ok: true,
    team_id: 'T0GLOBEX',
    user_id: 'U0GLOBEXBOT',
    bot_id: 'B0GLOBEX',
  }));
  t.slack.on('users.info', (call) => ({
    ok: true,
    user: {
      id: call.body.user,
      // U0G1 administers Globex; U0STRANGER administers another workspace and meets Globex in a shared channel.
      team_id:
        call.body.user === 'U0STRANGER'
          ? 'T0OTHER'
          : call.headers.authorization === `Bearer ${ORG_TOKEN}`
            ? 'T0GRID1'
            : 'T0GLOBEX',
      is_admin: ['U0G1', 'U0STRANGER', 'U0GRIDADMIN'].includes(String(call.body.user)),
      is_stranger: call.body.user === 'U0STRANGER',
    },
  }));
});
afterAll(async () => {
  await t?.close();
});

/** Goes through Slack's install flow as a browser would; returns the redirect page's status. */
async function install(code = 'good-code') {
  const start = await fetch(`${t.baseUrl}/slack/install`, { redirect: 'manual' });
  expect(start.status).toBe(302);
  const location = new URL(start.headers.get('location') ?? '');
  expect(location.origin + location.pathname).toBe('https://slack.com/oauth/v2/authorize');
  expect(location.searchParams.get('client_id')).toBe('1234567890.9876543210');
  expect(location.searchParams.get('scope')?.split(',')).toContain('commands');
  const state = location.searchParams.get('state') ?? '';
  const cookie = (start.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
  const done = await fetch(
    `${t.baseUrl}/slack/oauth_redirect?code=${code}&state=${encodeURIComponent(state)}`,
    {
      headers: { cookie },
      redirect: 'manual',
    },
  );
  return done.status;
}

async function event(team: string, ev: Record<string, unknown>) {
  seq += 1;
  const body = JSON.stringify({
    token: 'deprecated',
    team_id: team,
    api_app_id: 'A0KPI',
    type: 'event_callback',
    event_id: `EvO${seq}`,
    event_time: Math.floor(Date.now() / 1000),
    event: ev,
  });
  return (await postToSlackEndpoint(t.baseUrl, body, { contentType: 'application/json' })).status;
}

describe('OAuth distribution', () => {
  it('installs a workspace through /slack/install and keeps its token encrypted at rest', async () => {
    expect(await install()).toBe(200);
    const { db } = t.bot.store;
    const row = await db.installation.findFirstOrThrow({ where: { teamId: 'T0GLOBEX' } });
    expect(row.encryptedData).not.toContain(GLOBEX_TOKEN);
    expect(row.encryptedData).not.toContain('xoxb');
    expect(JSON.parse(open(row.encryptedData, Buffer.from(KEY, 'hex'), row.installKey)).bot.token).toBe(
      GLOBEX_TOKEN,
    );
    const ws = await db.workspace.findUniqueOrThrow({ where: { slackTeamId: 'T0GLOBEX' } });
    expect(ws.name).toBe('Globex');
    expect(row.workspaceId).toBe(ws.id);
    // No default "local" workspace in this mode.
    expect(await db.workspace.count({ where: { slackTeamId: 'local' } })).toBe(0);
  });

  it('refuses a forged state or a bad code, storing nothing', async () => {
    const before = await t.bot.store.db.installation.count();
    const forged = await fetch(`${t.baseUrl}/slack/oauth_redirect?code=good-code&state=forged`, {
      redirect: 'manual',
    });
    expect(forged.status).toBeGreaterThanOrEqual(400);
    expect(await install('bad-code')).toBeGreaterThanOrEqual(400);
    expect(await t.bot.store.db.installation.count()).toBe(before);
  });

  it("answers the installed workspace's commands with its own token", async () => {
    expect((await slash('help', { team: 'T0GLOBEX', user: 'U0G2' })).text).toMatch(/KPI Bot/);
    expect(
      await event('T0GLOBEX', {
        type: 'app_home_opened',
        user: 'U0G2',
        tab: 'home',
        channel: 'D1',
        event_ts: '1',
      }),
    ).toBe(200);
    const publish = await t.slack.waitFor((c) => c.method === 'views.publish' && c.body.user_id === 'U0G2');
    expect(publish.headers.authorization).toBe(`Bearer ${GLOBEX_TOKEN}`);
  });

  it("treats the Slack workspace's admins as KPI Bot admins (users.info)", async () => {
    const admin = await slash('target set team sales.won_total 5000', { team: 'T0GLOBEX', user: 'U0G1' });
    expect(admin.text).toMatch(/^Target set: everyone, Won revenue \$5,000\.00 a month/);
    const info = t.slack.callsOf('users.info').find((c) => c.body.user === 'U0G1');
    expect(info?.headers.authorization).toBe(`Bearer ${GLOBEX_TOKEN}`);
    const member = await slash('target set team sales.won_total 9000', { team: 'T0GLOBEX', user: 'U0G2' });
    expect(member.text).toMatch(/targets are set by KPI Bot admins/);
    // An admin of another workspace, met in a shared channel, is not an admin here.
    const stranger = await slash('target set team sales.won_total 7000', {
      team: 'T0GLOBEX',
      user: 'U0STRANGER',
    });
    expect(stranger.text).toMatch(/targets are set by KPI Bot admins/);
    expect(t.slack.callsOf('users.info').some((c) => c.body.user === 'U0STRANGER')).toBe(true);
    expect(await t.bot.store.db.target.count()).toBe(1);
  });

  it("gives each workspace its own webhook URLs, and refuses another workspace's key", async () => {
    const member = await slash('settings webhooks', { team: 'T0GLOBEX', user: 'U0G2' });
    expect(member.text).toMatch(/KPI Bot admins/);
    const { text } = await slash('settings webhooks', { team: 'T0GLOBEX', user: 'U0G1' });
    const query = /\/webhooks\/events(\?workspace=T0GLOBEX&key=[A-Za-z0-9_-]{32})`/.exec(text)?.[1];
    expect(query).toBeDefined();
    expect(text).toContain(`/webhooks/hubspot${query}`);
    const event = JSON.stringify({
      id: 'oauth-call-1',
      type: 'activity.logged',
      activityId: 'call-1',
      owner: { email: 'g2@globex.example' },
      kind: 'call',
      count: 1,
      occurredAt: new Date().toISOString(),
    });
    const globex = await t.bot.store.db.workspace.findUniqueOrThrow({ where: { slackTeamId: 'T0GLOBEX' } });
    const inbox = () => t.bot.store.db.inboxEvent.count({ where: { workspaceId: globex.id } });
    const before = await inbox();
    // The source's secret alone does not choose a workspace.
    const unnamed = await postEvents(t.baseUrl, event);
    expect(unnamed.status).toBe(400);
    expect(unnamed.body.message).toMatch(/^workspace: /);
    const noKey = await postEvents(t.baseUrl, event, { query: '?workspace=T0GLOBEX' });
    expect(noKey.status).toBe(401);
    expect(noKey.body.message).toMatch(/^key: /);
    const otherKey = /key=([^&`]+)/.exec(query ?? '')?.[1] ?? '';
    const forged = await postEvents(t.baseUrl, event, { query: `?workspace=T0OTHER&key=${otherKey}` });
    expect(forged.status).toBe(401);
    expect(
      (
        await postPipedrive(
          t.baseUrl,
          JSON.stringify(PIPEDRIVE_UPDATE_DEAL),
          undefined,
          '?workspace=T0GLOBEX&key=x',
        )
      ).status,
    ).toBe(401);
    expect((await postHubSpot(t.baseUrl, '[]', { query: '?workspace=T0GLOBEX' })).status).toBe(401);
    expect(await inbox()).toBe(before);
    const ok = await postEvents(t.baseUrl, event, { query });
    expect(ok.body).toMatchObject({ ok: true });
    expect(ok.status).toBe(200);
    expect(await inbox()).toBe(before + 1);
  });

  it('serves an Enterprise Grid org-wide install in its workspaces, and uninstalls it', async () => {
    const start = await fetch(`${t.baseUrl}/slack/install`, { redirect: 'manual' });
    const state = new URL(start.headers.get('location') ?? '').searchParams.get('state') ?? '';
    const cookie = (start.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
    const done = await fetch(
      `${t.baseUrl}/slack/oauth_redirect?code=org-code&state=${encodeURIComponent(state)}`,
      {
        headers: { cookie },
        redirect: 'manual',
      },
    );
    expect(done.status).toBe(200);
    const { db } = t.bot.store;
    const row = await db.installation.findUniqueOrThrow({ where: { installKey: 'E0ORG:-' } });
    expect(row.isEnterpriseInstall).toBe(true);
    const set = await slash('target set team sales.won_total 4000', {
      team: 'T0GRID1',
      user: 'U0GRIDADMIN',
      enterprise: 'E0ORG',
      enterpriseInstall: true,
    });
    // The workspace admin is asked about with the org's token, found by the team's enterprise.
    expect(set.text).toMatch(/^Target set: everyone/);
    const info = t.slack.callsOf('users.info').find((c) => c.body.user === 'U0GRIDADMIN');
    expect(info?.headers.authorization).toBe(`Bearer ${ORG_TOKEN}`);
    const uninstalled = JSON.stringify({
      token: 'deprecated',
      team_id: 'T0GRID1',
      enterprise_id: 'E0ORG',
      api_app_id: 'A0KPI',
      type: 'event_callback',
      event_id: 'EvORG1',
      event_time: Math.floor(Date.now() / 1000),
      authorizations: [
        {
          enterprise_id: 'E0ORG',
          team_id: null,
          user_id: 'U0ORGBOT',
          is_bot: true,
          is_enterprise_install: true,
        },
      ],
      is_enterprise_install: true,
      event: { type: 'app_uninstalled', event_ts: '3' },
    });
    expect(
      (await postToSlackEndpoint(t.baseUrl, uninstalled, { contentType: 'application/json' })).status,
    ).toBe(200);
    await expect
      .poll(
        async () =>
          (await db.installation.findUniqueOrThrow({ where: { installKey: 'E0ORG:-' } })).encryptedData,
      )
      .toBe('');
    // Globex (not part of the org) is untouched.
    expect(
      (await db.installation.findFirstOrThrow({ where: { teamId: 'T0GLOBEX' } })).uninstalledAt,
    ).toBeNull();
  });

  it('does not serve a workspace that never installed the app', async () => {
    // Bolt cannot authorize it, so no listener runs: the 401 is written after Bolt gave up on the request, and
    // nothing can be posted to its response URL after that (no sleep needed to see that nothing was).
    const refused = await send('help', { team: 'T0NEVER', user: 'U0X', status: 401 });
    expect(refused.posts()).toEqual([]);
    expect(await t.bot.store.db.workspace.count({ where: { slackTeamId: 'T0NEVER' } })).toBe(0);
  });

  it('deletes the tokens on tokens_revoked and app_uninstalled, and can be installed again', async () => {
    const { db } = t.bot.store;
    expect(
      await event('T0GLOBEX', { type: 'tokens_revoked', tokens: { bot: ['U0GLOBEXBOT'] }, event_ts: '1' }),
    ).toBe(200);
    await expect
      .poll(
        async () => (await db.installation.findFirstOrThrow({ where: { teamId: 'T0GLOBEX' } })).encryptedData,
      )
      .toBe('');
    expect(await install()).toBe(200);
    expect(
      (await db.installation.findFirstOrThrow({ where: { teamId: 'T0GLOBEX' } })).uninstalledAt,
    ).toBeNull();
    expect(await event('T0GLOBEX', { type: 'app_uninstalled', event_ts: '2' })).toBe(200);
    await expect
      .poll(
        async () => (await db.installation.findFirstOrThrow({ where: { teamId: 'T0GLOBEX' } })).uninstalledAt,
      )
      .not.toBeNull();
    expect((await db.installation.findFirstOrThrow({ where: { teamId: 'T0GLOBEX' } })).encryptedData).toBe(
      '',
    );
    // The workspace's numbers stay (an admin may reinstall); its commands are no longer served.
    expect(await db.workspace.count({ where: { slackTeamId: 'T0GLOBEX' } })).toBe(1);
    // Refused as a workspace never installed is (401, after Bolt gave up on it): no reply can follow.
    const refused = await send('help', { team: 'T0GLOBEX', user: 'U0G2', status: 401 });
    expect(refused.posts()).toEqual([]);
    // Nor do its webhooks take events any more, even with the right key.
    const key = workspaceWebhookKey(Buffer.from(KEY, 'hex'), 'T0GLOBEX');
    const late0 = {
      type: 'activity.logged',
      activityId: 'late',
      owner: { email: 'g@x.example' },
      kind: 'call',
    };
    const late = await postEvents(
      t.baseUrl,
      JSON.stringify({ ...late0, occurredAt: new Date().toISOString() }),
      {
        query: `?workspace=T0GLOBEX&key=${key}`,
      },
    );
    expect(late.body.message).toMatch(/^workspace: /);
    expect(late.status).toBe(404);
  });
});

describe('sealed secrets', () => {
  const key = randomBytes(32);
  it('round-trips, and refuses another key, another row or a changed byte', () => {
    const sealed = seal('xoxb-123', key, 'row-1');
    expect(open(sealed, key, 'row-1')).toBe('xoxb-123');
    expect(sealed).not.toBe(seal('xoxb-123', key, 'row-1'));
    expect(() => open(sealed, randomBytes(32), 'row-1')).toThrow();
    expect(() => open(sealed, key, 'row-2')).toThrow();
    const parts = sealed.split(':');
    const body = Buffer.from(parts[3] ?? '', 'base64url');
    body[0] = (body[0] ?? 0) ^ 1;
    expect(() =>
      open([parts[0], parts[1], parts[2], body.toString('base64url')].join(':'), key, 'row-1'),
    ).toThrow();
    expect(() => open('garbage', key, 'row-1')).toThrow();
  });

  it('reads keys as 64 hex digits or base64 of 32 bytes only', () => {
    expect(parseEncryptionKey('ab'.repeat(32))?.length).toBe(32);
    expect(parseEncryptionKey(key.toString('base64'))?.equals(key)).toBe(true);
    expect(parseEncryptionKey(key.toString('base64url'))?.equals(key)).toBe(true);
    expect(parseEncryptionKey('ab'.repeat(31))).toBeNull();
    expect(parseEncryptionKey('password123')).toBeNull();
    expect(parseEncryptionKey(randomBytes(16).toString('base64'))).toBeNull();
  });
});
