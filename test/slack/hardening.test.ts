import { randomBytes } from 'node:crypto';
import { connect, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { createLogger } from '../../src/logger.js';
import { startBot } from '../../src/main.js';
import { startTestBot } from '../support/bot.js';
import { createMigratedDatabase } from '../support/db.js';
import {
  postToSlackEndpoint,
  SIGNING_SECRET,
  slackSignature,
  slashCommandBody,
} from '../support/slack-request.js';

/**
 * Issue 13, parts 1, 3, 6 and 7: what an attacker (or a confused network) can send to /slack/... and to any
 * other path, on every mode. Every request carries secrets in its headers and body; none may reach the log.
 */

const MARK = `SECRET${randomBytes(6).toString('hex')}`;
const HOSTILE_HEADERS = {
  authorization: `Bearer ${MARK}-auth`,
  cookie: `session=${MARK}-cookie`,
  'x-slack-signature': `v0=${MARK}`,
  'x-api-key': `${MARK}-key`,
};

/** A logger whose output the test reads. */
function capturedLogger() {
  const lines: string[] = [];
  const logger = createLogger('debug', { write: (s: string) => lines.push(s) });
  return { logger, text: () => lines.join('') };
}

type TBotHandle = { baseUrl: string; close(): Promise<void>; log(): string };

async function httpModeBot(): Promise<TBotHandle & { t: Awaited<ReturnType<typeof startTestBot>> }> {
  const log = capturedLogger();
  // Every Home opening publishes (no refresh throttle), so a repeated event would show as a second publish.
  const t = await startTestBot({ logger: log.logger, homeTiming: { refreshMs: 0, settleMs: 0 } });
  return { t, baseUrl: t.baseUrl, close: () => t.close(), log: log.text };
}

async function oauthModeBot(): Promise<TBotHandle> {
  const log = capturedLogger();
  const t = await startTestBot({
    logger: log.logger,
    env: {
      SLACK_BOT_TOKEN: '',
      SLACK_CLIENT_ID: '1234567890.9876543210',
      SLACK_CLIENT_SECRET: '0123456789abcdef0123456789abcdef',
      SLACK_STATE_SECRET: 'state-secret-for-tests-0001',
      KPI_ENCRYPTION_KEY: randomBytes(32).toString('hex'),
    },
  });
  return { baseUrl: t.baseUrl, close: () => t.close(), log: log.text };
}

async function localModeBot(): Promise<TBotHandle> {
  const log = capturedLogger();
  const database = await createMigratedDatabase();
  const config = loadConfig({
    DATABASE_URL: database.url,
    PORT: '0',
    HOST: '127.0.0.1',
    KPI_JOBS: 'off',
    KPI_WEBHOOK_SECRET: 'generic-secret-0123456789',
  });
  const bot = await startBot(config, { logger: log.logger });
  return {
    baseUrl: `http://127.0.0.1:${bot.port}`,
    log: log.text,
    async close() {
      await bot.stop('test finished');
      await database.drop();
    },
  };
}

const PROBES: [method: string, path: string][] = [
  ['GET', '/slack/x'],
  ['POST', '/slack/commands'],
  ['GET', '/slack/events'],
  ['PUT', '/slack/events'],
  ['DELETE', '/slack/events'],
  ['POST', '/slack/events/'],
  ['POST', '/slack/install'],
  ['GET', '/slack/../slack/x'],
  ['GET', '/slack/%00'],
  ['OPTIONS', '/slack/oauth_redirect'],
  ['GET', '/'],
  ['POST', '/nope'],
  ['GET', '/webhooks/generic'],
  ['PATCH', '/healthz'],
];

async function probe(baseUrl: string, method: string, path: string) {
  const res = await fetch(`${baseUrl}${path}`, {
    method,
    headers: { ...HOSTILE_HEADERS, 'content-type': 'application/json' },
    ...(method === 'GET' || method === 'HEAD' ? {} : { body: JSON.stringify({ password: `${MARK}-body` }) }),
  });
  return { status: res.status, body: await res.text(), allow: res.headers.get('allow') };
}

describe.each([
  ['HTTP mode', httpModeBot],
  ['OAuth mode', oauthModeBot],
  ['local mode', localModeBot],
])('unknown routes and methods, %s', (_mode, start) => {
  let bot: TBotHandle;
  beforeAll(async () => {
    bot = await start();
  });
  afterAll(async () => {
    await bot?.close();
  });

  it('answers every unknown route 404 and every wrong method 405, briefly, and keeps serving', async () => {
    for (const [method, path] of PROBES) {
      const r = await probe(bot.baseUrl, method, path);
      expect([404, 405], `${method} ${path} → ${r.status}`).toContain(r.status);
      expect(r.body.length, `${method} ${path}`).toBeLessThan(200);
      expect(r.body).not.toContain(MARK);
      if (r.status === 405) expect(r.allow).toMatch(/^(GET|POST)/);
    }
    // The exact case of the report: GET /slack/x is a plain 404.
    expect((await probe(bot.baseUrl, 'GET', '/slack/x')).status).toBe(404);
    const health = await fetch(`${bot.baseUrl}/healthz`);
    expect(health.status).toBe(200);
  });

  it('writes no header value, secret or body of those requests to the log', async () => {
    for (const [method, path] of PROBES) await probe(bot.baseUrl, method, path);
    await postToSlackEndpoint(bot.baseUrl, `payload=${MARK}`, { signature: `v0=${'0'.repeat(64)}` });
    expect(bot.log()).not.toContain(MARK);
  });
});

describe('replays and retries (HTTP mode)', () => {
  let h: Awaited<ReturnType<typeof httpModeBot>>;
  let seq = 0;
  beforeAll(async () => {
    h = await httpModeBot();
    const { db } = h.t.bot.store;
    const ws = await db.workspace.findUniqueOrThrow({ where: { slackTeamId: 'T0ACME' } });
    await db.rep.create({
      data: { workspaceId: ws.id, name: 'Dana Scott', slackUserId: 'U0DANA', role: 'admin' },
    });
  });
  afterAll(async () => {
    await h?.close();
  });

  const callsLogged = async () =>
    (await h.t.bot.store.db.activity.aggregate({ _sum: { count: true }, where: { kind: 'call' } }))._sum
      .count ?? 0;
  const responses = (id: string) => h.t.slack.calls.filter((c) => c.path === `/respond/${id}`).length;

  it('acts once on a signed /kpi log sent three times (the same bytes), and answers each repeat 200', async () => {
    const before = await callsLogged();
    seq += 1;
    const body = slashCommandBody({ text: 'log call 3', response_url: h.t.slack.responseUrl(`log${seq}`) });
    const ts = Math.floor(Date.now() / 1000);
    const statuses: number[] = [];
    for (let i = 0; i < 3; i++)
      statuses.push((await postToSlackEndpoint(h.baseUrl, body, { timestampSec: ts })).status);
    expect(statuses).toEqual([200, 200, 200]);
    await h.t.slack.waitFor((c) => c.path === `/respond/log${seq}`);
    expect(await h.t.bot.inflight.drain(20_000)).toBe(true);
    expect((await callsLogged()) - before).toBe(3);
    expect(responses(`log${seq}`)).toBe(1);
    // The same command sent again as a new request (a new trigger, as Slack does) counts again.
    seq += 1;
    await postToSlackEndpoint(
      h.baseUrl,
      slashCommandBody({ text: 'log call 3', response_url: h.t.slack.responseUrl(`log${seq}`) }),
    );
    await h.t.slack.waitFor((c) => c.path === `/respond/log${seq}`);
    expect((await callsLogged()) - before).toBe(6);
  });

  it('a second replica on the same database does not act on a request the first one took', async () => {
    const twin = await startTestBot({ databaseUrl: h.t.databaseUrl });
    try {
      const before = await callsLogged();
      seq += 1;
      const body = slashCommandBody({
        text: 'log call 2',
        response_url: h.t.slack.responseUrl(`twin${seq}`),
      });
      const ts = Math.floor(Date.now() / 1000);
      await postToSlackEndpoint(h.baseUrl, body, { timestampSec: ts });
      const replay = await postToSlackEndpoint(twin.baseUrl, body, { timestampSec: ts });
      expect(replay.status).toBe(200);
      await h.t.slack.waitFor((c) => c.path === `/respond/twin${seq}`);
      expect(await h.t.bot.inflight.drain(20_000)).toBe(true);
      expect(await twin.bot.inflight.drain(20_000)).toBe(true);
      expect((await callsLogged()) - before).toBe(2);
      expect(twin.slack.calls.filter((c) => c.path.startsWith('/respond/')).length).toBe(0);
    } finally {
      await twin.bot.stop('test finished');
      await twin.slack.stop();
    }
  });

  it('acts once on a button press and on a modal submission sent twice', async () => {
    seq += 1;
    const press = new URLSearchParams({
      payload: JSON.stringify({
        type: 'block_actions',
        team: { id: 'T0ACME', domain: 'acme' },
        user: { id: 'U0DANA', username: 'dana', name: 'dana', team_id: 'T0ACME' },
        api_app_id: 'A0KPI',
        token: 'deprecated',
        trigger_id: `t-${seq}`,
        channel: { id: 'C0SALES', name: 'sales' },
        response_url: h.t.slack.responseUrl(`share${seq}`),
        actions: [
          { type: 'button', action_id: 'kpi_share', block_id: 'b1', value: 'leaderboard', action_ts: '1' },
        ],
      }),
    }).toString();
    const ts = Math.floor(Date.now() / 1000);
    expect((await postToSlackEndpoint(h.baseUrl, press, { timestampSec: ts })).status).toBe(200);
    expect((await postToSlackEndpoint(h.baseUrl, press, { timestampSec: ts })).status).toBe(200);
    await h.t.slack.waitFor((c) => c.path === `/respond/share${seq}`);
    expect(await h.t.bot.inflight.drain(20_000)).toBe(true);
    expect(responses(`share${seq}`)).toBe(1);

    const before = await callsLogged();
    const today = new Intl.DateTimeFormat('en-CA', { timeZone: 'UTC' }).format(new Date());
    const submission = new URLSearchParams({
      payload: JSON.stringify({
        type: 'view_submission',
        team: { id: 'T0ACME', domain: 'acme' },
        user: { id: 'U0DANA', username: 'dana', name: 'dana', team_id: 'T0ACME' },
        api_app_id: 'A0KPI',
        token: 'deprecated',
        trigger_id: `t-sub-${seq}`,
        view: {
          id: 'V1',
          type: 'modal',
          callback_id: 'kpi_modal_activity',
          hash: 'h',
          private_metadata: '',
          state: {
            values: {
              kind: { v: { type: 'static_select', selected_option: { value: 'call' } } },
              count: { v: { type: 'plain_text_input', value: '4' } },
              date: { v: { type: 'datepicker', selected_date: today } },
            },
          },
        },
      }),
    }).toString();
    const first = await postToSlackEndpoint(h.baseUrl, submission, { timestampSec: ts });
    expect(first.status).toBe(200);
    expect(JSON.parse(await first.text()).response_action).toBe('update');
    const second = await postToSlackEndpoint(h.baseUrl, submission, { timestampSec: ts });
    expect(second.status).toBe(200);
    expect(await second.text()).toBe('');
    expect((await callsLogged()) - before).toBe(4);
  });

  it('acts once on an event Slack retries (X-Slack-Retry-Num, the same event_id, a new signature)', async () => {
    const event = (id: string, user: string) =>
      JSON.stringify({
        token: 'deprecated',
        team_id: 'T0ACME',
        api_app_id: 'A0KPI',
        type: 'event_callback',
        event_id: id,
        event_time: Math.floor(Date.now() / 1000),
        event: { type: 'app_home_opened', user, channel: `D${user}`, tab: 'home', event_ts: '1.2' },
      });
    const publishes = (user: string) =>
      h.t.slack.calls.filter((c) => c.method === 'views.publish' && c.body.user_id === user).length;
    const json = { contentType: 'application/json' };
    const id = `Ev${randomBytes(4).toString('hex')}`;
    expect((await postToSlackEndpoint(h.baseUrl, event(id, 'U0DANA'), json)).status).toBe(200);
    await h.t.slack.waitFor((c) => c.method === 'views.publish' && c.body.user_id === 'U0DANA');
    const retry = await fetch(`${h.baseUrl}/slack/events`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-slack-request-timestamp': String(Math.floor(Date.now() / 1000) + 1),
        'x-slack-signature': slackSignature(event(id, 'U0DANA'), Math.floor(Date.now() / 1000) + 1),
        'x-slack-retry-num': '1',
        'x-slack-retry-reason': 'http_timeout',
      },
      body: event(id, 'U0DANA'),
    });
    expect(retry.status).toBe(200);
    // A new opening after it (a new event id): once its dashboard is out, the retry had its chance.
    await postToSlackEndpoint(h.baseUrl, event(`${id}x`, 'U0DANA'), json);
    await h.t.slack.waitFor(() => publishes('U0DANA') >= 2);
    expect(await h.t.bot.inflight.drain(20_000)).toBe(true);
    expect(publishes('U0DANA')).toBe(2);
    expect(h.log()).toContain('repeated Slack request answered without acting again');
  });
});

/** Opens a raw connection and sends `head` (and nothing else); resolves with what came back when it closed. */
function rawRequest(port: number, head: string): Promise<{ text: string; socket: Socket }> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let text = '';
    socket.on('data', (d) => {
      text += d;
    });
    socket.on('error', () => resolve({ text, socket }));
    socket.on('close', () => resolve({ text, socket }));
    socket.on('connect', () => socket.write(head));
    socket.setTimeout(60_000, () => reject(new Error(`no answer to ${head.split('\r\n')[0]}`)));
  });
}

describe('bodies, time-outs and connections', () => {
  let h: Awaited<ReturnType<typeof startTestBot>>;
  beforeAll(async () => {
    h = await startTestBot({
      httpLimits: {
        headersTimeoutMs: 300,
        requestTimeoutMs: 600,
        connectionsCheckingIntervalMs: 100,
        maxConnections: 8,
      },
    });
  });
  afterAll(async () => {
    await h?.close();
  });

  it('refuses a Slack body over the cap before reading it (413), and an unsigned one (401) without reading it', async () => {
    const ts = Math.floor(Date.now() / 1000);
    const big = await rawRequest(
      h.bot.port,
      `POST /slack/events HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: 50000000\r\nx-slack-request-timestamp: ${ts}\r\nx-slack-signature: v0=${'a'.repeat(64)}\r\n\r\n{`,
    );
    expect(big.text).toMatch(/^HTTP\/1\.1 413/);
    const unsigned = await rawRequest(
      h.bot.port,
      'POST /slack/events HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: 400000\r\n\r\n{',
    );
    expect(unsigned.text).toMatch(/^HTTP\/1\.1 401/);
    const stale = await rawRequest(
      h.bot.port,
      `POST /slack/events HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: 400000\r\nx-slack-request-timestamp: ${ts - 3600}\r\nx-slack-signature: v0=${'a'.repeat(64)}\r\n\r\n{`,
    );
    expect(stale.text).toMatch(/^HTTP\/1\.1 401/);
    // A body that really is over the cap, with no content-length (chunked), is cut off too.
    const chunk = 'x'.repeat(64 * 1024);
    const res = await fetch(`${h.baseUrl}/slack/events`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        'x-slack-request-timestamp': String(ts),
        'x-slack-signature': slackSignature('x', ts, SIGNING_SECRET),
      },
      body: new ReadableStream({
        start(controller) {
          for (let i = 0; i < 10; i++) controller.enqueue(new TextEncoder().encode(chunk));
          controller.close();
        },
      }),
      duplex: 'half',
    } as RequestInit).catch(() => undefined);
    if (res) expect(res.status).toBe(413);
    expect((await fetch(`${h.baseUrl}/healthz`)).status).toBe(200);
  });

  it('answers a signed body Bolt cannot read (null, a number, an array, payload=null) 400 at once', async () => {
    for (const [body, contentType] of [
      ['null', 'application/json'],
      ['42', 'application/json'],
      ['[]', 'application/json'],
      ['payload=null', 'application/x-www-form-urlencoded'],
      ['payload=%5B%5D', 'application/x-www-form-urlencoded'],
    ] as const) {
      const res = await postToSlackEndpoint(h.baseUrl, body, { contentType });
      expect(res.status, body).toBe(400);
    }
    expect((await fetch(`${h.baseUrl}/healthz`)).status).toBe(200);
  });

  it('closes a connection whose headers never finish', async () => {
    const slow = await rawRequest(h.bot.port, 'GET /healthz HTTP/1.1\r\nhost: x\r\n');
    expect(slow.text === '' || /^HTTP\/1\.1 408/.test(slow.text)).toBe(true);
    expect((await fetch(`${h.baseUrl}/healthz`)).status).toBe(200);
  });

  it('caps open connections, and serves again once they are gone', async () => {
    const idle: Socket[] = [];
    for (let i = 0; i < 8; i++) {
      idle.push(
        await new Promise<Socket>((resolve) => {
          const s = connect(h.bot.port, '127.0.0.1', () => resolve(s));
          s.on('error', () => {});
        }),
      );
    }
    // Connection number nine is closed by the server without an answer.
    const ninth = await rawRequest(h.bot.port, 'GET /healthz HTTP/1.1\r\nhost: x\r\n\r\n');
    expect(ninth.text).toBe('');
    for (const s of idle) s.destroy();
    // Once they are gone the bot answers again (the server counts them closed after their close events).
    let status = 0;
    for (let i = 0; i < 200 && status !== 200; i++) {
      status = await fetch(`${h.baseUrl}/healthz`, { headers: { connection: 'close' } }).then(
        (r) => r.status,
        () => 0,
      );
    }
    expect(status).toBe(200);
  });
});

describe('OAuth install pages', () => {
  let bot: TBotHandle;
  beforeAll(async () => {
    bot = await oauthModeBot();
  });
  afterAll(async () => {
    await bot?.close();
  });

  it('tells an installer who cancelled what happened (403), and escapes what the URL carries', async () => {
    const res = await fetch(`${bot.baseUrl}/slack/oauth_redirect?error=access_denied&state=%3Cscript%3E`);
    expect(res.status).toBe(403);
    const html = await res.text();
    expect(html).toContain('Installation cancelled');
    expect(html).toContain('/slack/install');
    expect(html).not.toContain('<script>');
    const other = await fetch(`${bot.baseUrl}/slack/oauth_redirect?error=%3Cscript%3Ealert(1)%3C/script%3E`);
    expect(other.status).toBe(400);
    expect(await other.text()).not.toContain('<script>');
    const noCode = await fetch(`${bot.baseUrl}/slack/oauth_redirect`);
    expect(noCode.status).toBe(400);
  });
});
