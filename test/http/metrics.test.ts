import { randomBytes } from 'node:crypto';
import { WebClient } from '@slack/web-api';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.js';
import { createMetrics } from '../../src/http/metrics.js';
import { createLogger } from '../../src/logger.js';
import { startTestBot } from '../support/bot.js';
import { testClock } from '../support/clock.js';
import { FakeSlack } from '../support/fake-slack.js';
import { slashCommands } from '../support/slack-request.js';
import { postEvents, WEBHOOK_ENV } from '../support/webhooks.js';

/**
 * GET /metrics through the real bot (HTTP mode, signed requests, the fake Slack on loopback, SQLite or
 * PostgreSQL): off without KPI_METRICS_TOKEN, refused without the right bearer token, and, with it, counters
 * that follow what the bot did. Two bots share one database: `receiver` stores webhook events without applying
 * them (KPI_INBOX_WORKER=off, a clock the test moves), `worker` applies them and runs the jobs.
 */

const TOKEN = 'metrics-token-0123456789abcdef';
const auth = (token = TOKEN) => ({ authorization: `Bearer ${token}` });

type TSample = { name: string; labels: Record<string, string>; value: number };

/** The samples of Prometheus' text format (comments skipped). */
function samples(text: string): TSample[] {
  return text
    .split('\n')
    .filter((l) => l && !l.startsWith('#'))
    .map((line) => {
      const m = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
      if (!m) throw new Error(`not a sample line: ${line}`);
      const labels: Record<string, string> = {};
      for (const l of (m[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g))
        labels[l[1] as string] = l[2] as string;
      return { name: m[1] as string, labels, value: Number(m[3]) };
    });
}

/** The value of the one sample with that name and (at least) those labels; undefined when there is none. */
function sampleValue(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  const found = samples(text).filter(
    (s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v),
  );
  if (found.length > 1) throw new Error(`${found.length} samples of ${name} ${JSON.stringify(labels)}`);
  return found[0]?.value;
}

let plain: Awaited<ReturnType<typeof startTestBot>>;
let receiver: Awaited<ReturnType<typeof startTestBot>>;
let worker: Awaited<ReturnType<typeof startTestBot>>;
const receiverClock = testClock();

async function scrape(target = receiver, headers: Record<string, string> = auth()) {
  const res = await fetch(`${target.baseUrl}/metrics`, { headers });
  return { status: res.status, headers: res.headers, text: await res.text() };
}

beforeAll(async () => {
  plain = await startTestBot();
  receiver = await startTestBot({
    clock: receiverClock,
    env: { ...WEBHOOK_ENV, KPI_METRICS_TOKEN: TOKEN, KPI_INBOX_WORKER: 'off' },
  });
  worker = await startTestBot({
    databaseUrl: receiver.databaseUrl,
    // It applies events when a test kicks it, not on its own timer.
    inboxPollMs: 3_600_000,
    env: { ...WEBHOOK_ENV, KPI_METRICS_TOKEN: TOKEN },
  });
});
afterAll(async () => {
  await worker?.close();
  await receiver?.close();
  await plain?.close();
});

describe('GET /metrics: off and protected', () => {
  it('is an unknown path (404) when KPI_METRICS_TOKEN is unset, with or without a token', async () => {
    for (const headers of [{}, auth()]) {
      const res = await scrape(plain, headers);
      expect(res.status).toBe(404);
      expect(JSON.parse(res.text)).toMatchObject({ ok: false, error: 'not_found' });
      expect(res.headers.get('www-authenticate')).toBeNull();
    }
  });

  it.each([
    ['no Authorization header', {}],
    ['a wrong token of the same length', auth('x'.repeat(TOKEN.length))],
    ['a wrong token of another length', auth('short')],
    ['the token with a character more', auth(`${TOKEN}x`)],
    ['the token with a character less', auth(TOKEN.slice(0, -1))],
    ['"Bearer" with no token', { authorization: 'Bearer' }],
    ['"Bearer " with no token', { authorization: 'Bearer ' }],
    ['the token without the scheme', { authorization: TOKEN }],
    ['the token as Basic auth', { authorization: `Basic ${Buffer.from(`x:${TOKEN}`).toString('base64')}` }],
    ['two tokens', { authorization: `Bearer ${TOKEN} ${TOKEN}` }],
    ['an 8 KB header', { authorization: `Bearer ${'a'.repeat(8_000)}` }],
    ['a token in the query string', {}, `?token=${TOKEN}`],
  ])('refuses %s: 401, www-authenticate Bearer, no metrics', async (_name, headers, query = '') => {
    const res = await fetch(`${receiver.baseUrl}/metrics${query}`, { headers });
    const text = await res.text();
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toBe('Bearer');
    expect(JSON.parse(text)).toEqual({
      ok: false,
      error: 'unauthorized',
      message: 'a valid bearer token is required',
    });
    expect(text).not.toMatch(/kpi_|process_|nodejs_|# HELP/);
  });

  it('answers another method 405 without metrics', async () => {
    const res = await fetch(`${receiver.baseUrl}/metrics`, { method: 'POST', headers: auth(), body: 'x' });
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toBe('GET');
    expect(await res.text()).not.toContain('# HELP');
  });

  it('serves the metrics with the right token, in the content type prom-client gives', async () => {
    const res = await scrape();
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe(new Registry().contentType);
    // prom-client's defaults: memory and event-loop lag.
    expect(sampleValue(res.text, 'process_resident_memory_bytes')).toBeGreaterThan(0);
    expect(sampleValue(res.text, 'nodejs_eventloop_lag_seconds')).toBeGreaterThanOrEqual(0);
    expect(res.text).toContain('# TYPE kpi_http_request_duration_seconds histogram');
    // The bearer scheme is case-insensitive (RFC 9110).
    expect((await scrape(receiver, { authorization: `bearer ${TOKEN}` })).status).toBe(200);
    // Refusals are counted too, under the route.
    expect(
      sampleValue(res.text, 'kpi_http_request_duration_seconds_count', { route: '/metrics', status: '401' }),
    ).toBeGreaterThanOrEqual(12);
  });
});

describe('GET /metrics: what the bot did', () => {
  const activity = (id: string, email: string) => ({
    id,
    type: 'activity.logged',
    activityId: id,
    owner: { email },
    kind: 'call',
    count: 1,
    occurredAt: '2026-11-03T10:00:00Z',
  });

  it('counts a signed webhook by route and status, and shows its event pending with the apply lag', async () => {
    const db = receiver.bot.store.db;
    const ws = await db.workspace.findUniqueOrThrow({ where: { slackTeamId: 'T0ACME' } });
    await db.rep.create({
      data: { workspaceId: ws.id, name: 'Dana Scott', slackUserId: 'U0DANA', email: 'dana@example.com' },
    });
    const before = await scrape();
    expect(sampleValue(before.text, 'kpi_inbox_events', { state: 'pending' })).toBe(0);
    expect(sampleValue(before.text, 'kpi_inbox_apply_lag_seconds')).toBe(0);

    const events = [
      activity('call-1', 'dana@example.com'),
      // Nobody has this email (the fake Slack's users.lookupByEmail says users_not_found): it will wait.
      {
        id: 'social-1',
        type: 'social.snapshot',
        owner: { email: 'nobody@example.com' },
        metric: 'followers',
        value: 812,
        occurredAt: '2026-11-02',
      },
      // No such customer yet: it will fail and be retried.
      { id: 'churn-1', type: 'customer.churned', customerId: 'ghost', occurredAt: '2026-11-20' },
    ];
    expect((await postEvents(receiver.baseUrl, JSON.stringify({ events }))).body.new).toBe(3);
    expect((await postEvents(receiver.baseUrl, '{"type":"deal.exploded"}')).status).toBe(400);
    receiverClock.advance(90_000);

    const after = (await scrape()).text;
    const webhooks = (status: string) =>
      sampleValue(after, 'kpi_http_request_duration_seconds_count', { route: '/webhooks/events', status });
    expect(webhooks('200')).toBe(1);
    expect(webhooks('400')).toBe(1);
    expect(sampleValue(after, 'kpi_inbox_events', { state: 'pending' })).toBe(3);
    expect(sampleValue(after, 'kpi_inbox_events', { state: 'failed' })).toBe(0);
    // Received 90 s ago on the receiver's clock (and a moment of real time since).
    const lag = sampleValue(after, 'kpi_inbox_apply_lag_seconds') ?? 0;
    expect(lag).toBeGreaterThanOrEqual(90);
    expect(lag).toBeLessThan(3_600);
    // This process applies nothing.
    expect(sampleValue(after, 'kpi_inbox_events_applied_total')).toBe(0);
  });

  it('shows the events applied, waiting and retrying once a worker has been through them', async () => {
    worker.bot.inbox.kick();
    await worker.bot.inbox.idle();
    const seen = (await scrape(worker)).text;
    expect(sampleValue(seen, 'kpi_inbox_events_applied_total')).toBe(1);
    // One store, so both processes report the same inbox.
    for (const text of [seen, (await scrape()).text]) {
      expect(sampleValue(text, 'kpi_inbox_events', { state: 'pending' })).toBe(0);
      expect(sampleValue(text, 'kpi_inbox_events', { state: 'waiting' })).toBe(1);
      expect(sampleValue(text, 'kpi_inbox_events', { state: 'retrying' })).toBe(1);
      expect(sampleValue(text, 'kpi_inbox_events', { state: 'failed' })).toBe(0);
    }
    expect(sampleValue((await scrape()).text, 'kpi_inbox_apply_lag_seconds')).toBe(0);
    // The owner look-ups went to Slack and came back users_not_found (ok: false): calls, and as many errors.
    const lookups = worker.slack.callsOf('users.lookupByEmail').length;
    expect(lookups).toBeGreaterThan(0);
    expect(sampleValue(seen, 'kpi_slack_api_calls_total', { method: 'users.lookupByEmail' })).toBe(lookups);
    expect(sampleValue(seen, 'kpi_slack_api_errors_total', { method: 'users.lookupByEmail' })).toBe(lookups);
  });

  it('counts a signed /kpi command: the Slack route, the ack by kind, the reply to the response URL', async () => {
    const { send } = slashCommands(() => receiver);
    const sent = await send('help');
    expect((await sent.reply()).text).toBeTruthy();
    // The reply's post is finished (and counted) once the acknowledged work has drained.
    await receiver.bot.inflight.drain(10_000);
    const text = (await scrape()).text;
    expect(
      sampleValue(text, 'kpi_http_request_duration_seconds_count', { route: '/slack/events', status: '200' }),
    ).toBe(1);
    expect(sampleValue(text, 'kpi_slack_ack_duration_seconds_count', { kind: 'command' })).toBe(1);
    expect(sampleValue(text, 'kpi_slack_api_calls_total', { method: 'response_url' })).toBe(1);
    expect(sampleValue(text, 'kpi_slack_api_errors_total', { method: 'response_url' })).toBeUndefined();
    // The bot token was checked at start-up (by KPI Bot, then by Bolt).
    const authTests = receiver.slack.callsOf('auth.test').length;
    expect(authTests).toBeGreaterThan(0);
    expect(sampleValue(text, 'kpi_slack_api_calls_total', { method: 'auth.test' })).toBe(authTests);
    // An unsigned request is refused at the gate: counted under the route, never acked.
    const unsigned = await send('help', { signature: null, status: 401 });
    expect(unsigned.ack.status).toBe(401);
    const later = (await scrape()).text;
    expect(
      sampleValue(later, 'kpi_http_request_duration_seconds_count', {
        route: '/slack/events',
        status: '401',
      }),
    ).toBe(1);
    expect(sampleValue(later, 'kpi_slack_ack_duration_seconds_count', { kind: 'command' })).toBe(1);
  });

  it('counts job runs by job and outcome, and the Web API calls they make by method', async () => {
    await worker.bot.store.db.workspace.update({
      where: { slackTeamId: 'T0ACME' },
      data: {
        leaderboardChannel: 'C0LEADERS',
        createdAt: new Date('2026-01-01T00:00:00Z'),
        settings: JSON.stringify({
          jobs: { 'coaching-alerts': { enabled: false }, 'stalled-deals': { enabled: false } },
          quietHours: null,
        }),
      },
    });
    // Monday 7 December 2026, 09:00 UTC (the workspace's zone): the weekly board is due.
    const [done] = await worker.bot.jobs.tick(new Date('2026-12-07T09:00:20Z'));
    expect(done).toMatchObject({ job: 'leaderboard', outcome: 'ran', status: 'done' });
    // A week later Slack refuses the post (ok: false): the run fails.
    worker.slack.on('chat.postMessage', () => ({ ok: false, error: 'channel_not_found' }));
    const [failed] = await worker.bot.jobs.tick(new Date('2026-12-14T09:00:20Z'));
    expect(failed).toMatchObject({ job: 'leaderboard', status: 'failed' });
    const text = (await scrape(worker)).text;
    expect(sampleValue(text, 'kpi_job_runs_total', { job: 'leaderboard', outcome: 'done' })).toBe(1);
    expect(sampleValue(text, 'kpi_job_runs_total', { job: 'leaderboard', outcome: 'failed' })).toBe(1);
    const posts = worker.slack.callsOf('chat.postMessage').length;
    expect(posts).toBeGreaterThanOrEqual(2);
    expect(sampleValue(text, 'kpi_slack_api_calls_total', { method: 'chat.postMessage' })).toBe(posts);
    expect(sampleValue(text, 'kpi_slack_api_errors_total', { method: 'chat.postMessage' })).toBe(posts - 1);
  });
});

describe('GET /metrics: hostile input', () => {
  it('1,000 requests to random paths add one series, not 1,000', async () => {
    const seriesOf = (text: string) =>
      text.split('\n').filter((l) => l.startsWith('kpi_http_request_duration_seconds_count{'));
    const before = seriesOf((await scrape()).text);
    const marker = randomBytes(6).toString('hex');
    const paths = Array.from({ length: 1_000 }, (_, i) => {
      const r = `${marker}-${i}-${randomBytes(4).toString('hex')}`;
      return [
        `/${r}`,
        `/slack/${r}`,
        `/webhooks/${r}`,
        `/metrics/${r}`,
        `/metrics%2F${r}`,
        `/${r}?route=${r}`,
        `/%E2%80%AE${r}`,
        `/"${r}\\`,
      ][i % 8] as string;
    });
    for (let i = 0; i < paths.length; i += 25) {
      const statuses = await Promise.all(
        paths.slice(i, i + 25).map(async (p, j) => {
          const res = await fetch(`${receiver.baseUrl}${p}`, {
            method: j % 2 ? 'POST' : 'GET',
            headers: auth(),
            ...(j % 2 ? { body: 'x' } : {}),
          });
          await res.arrayBuffer();
          return res.status;
        }),
      );
      expect(statuses.every((s) => s === 404)).toBe(true);
    }
    const text = (await scrape()).text;
    expect(text).not.toContain(marker);
    const after = seriesOf(text);
    expect(after.length - before.length).toBe(1);
    expect(
      sampleValue(text, 'kpi_http_request_duration_seconds_count', { route: 'other', status: '404' }),
    ).toBe(1_000);
    // Each series is a fixed route or "other".
    for (const line of after)
      expect(line).toMatch(/route="(other|\/healthz|\/metrics|\/slack\/[a-z_]+|\/webhooks\/[a-z]+)"/);
  });
});

describe('the metrics module on its own', () => {
  it('reports the inbox gauges as NaN when the store cannot be read, and keeps serving the rest', async () => {
    const metrics = createMetrics({
      inbox: async () => {
        throw new Error('the store is away');
      },
      now: () => new Date(),
      logger: createLogger('silent'),
    });
    metrics.eventsApplied(2);
    const text = await metrics.registry.metrics();
    expect(sampleValue(text, 'kpi_inbox_events', { state: 'pending' })).toBeNaN();
    expect(sampleValue(text, 'kpi_inbox_apply_lag_seconds')).toBeNaN();
    expect(sampleValue(text, 'kpi_inbox_events_applied_total')).toBe(2);
  });

  it('reads the inbox once per scrape for both gauges', async () => {
    let reads = 0;
    const metrics = createMetrics({
      inbox: async () => {
        reads += 1;
        return { pending: 2, retrying: 0, failed: 1, waiting: 0, oldestDueReceivedAt: new Date(0) };
      },
      now: () => new Date(30_000),
      logger: createLogger('silent'),
    });
    const text = await metrics.registry.metrics();
    expect(reads).toBe(1);
    expect(sampleValue(text, 'kpi_inbox_events', { state: 'failed' })).toBe(1);
    expect(sampleValue(text, 'kpi_inbox_apply_lag_seconds')).toBe(30);
  });

  it('counts Web API calls by method through a real WebClient, without spoiling its answers', async () => {
    const slack = await new FakeSlack().start();
    try {
      const metrics = createMetrics({ now: () => new Date(), logger: createLogger('silent') });
      const client = new WebClient('xoxb-test', {
        slackApiUrl: slack.apiUrl,
        fetch: metrics.slackFetch(slack.apiUrl),
        retryConfig: { retries: 0 },
      });
      slack.on('chat.postMessage', () => ({ ok: true, ts: '1.2' }));
      expect((await client.chat.postMessage({ channel: 'C1', text: 'hi' })).ts).toBe('1.2');
      slack.on('chat.postMessage', () => ({ ok: false, error: 'not_in_channel' }));
      await expect(client.chat.postMessage({ channel: 'C1', text: 'hi' })).rejects.toThrow(/not_in_channel/);
      slack.on('views.publish', () => ({ __status: 500, ok: false }));
      await expect(
        client.views.publish({ user_id: 'U1', view: { type: 'home', blocks: [] } }),
      ).rejects.toThrow();
      // Hostile method names (a caller passing input through) are one label, and distinct ones are capped.
      await client.apiCall('../../etc/passwd').catch(() => {});
      await client.apiCall('chat.postMessage"} 1\nevil{').catch(() => {});
      // 250 well-formed names of methods Slack does not have (letters only: made.upcf, made.upcg …).
      const letters = (i: number) => Array.from(String(i), (d) => 'abcdefghij'[Number(d)]).join('');
      for (let i = 0; i < 250; i++) await client.apiCall(`made.up${letters(i)}`);
      const text = await metrics.registry.metrics();
      expect(sampleValue(text, 'kpi_slack_api_calls_total', { method: 'chat.postMessage' })).toBe(2);
      expect(sampleValue(text, 'kpi_slack_api_errors_total', { method: 'chat.postMessage' })).toBe(1);
      expect(sampleValue(text, 'kpi_slack_api_errors_total', { method: 'views.publish' })).toBe(1);
      expect(sampleValue(text, 'kpi_slack_api_calls_total', { method: 'other' })).toBe(2 + 250 - 198);
      expect(text).not.toContain('evil');
      expect(text.split('\n').filter((l) => l.startsWith('kpi_slack_api_calls_total{')).length).toBe(201);
    } finally {
      await slack.stop();
    }
  });

  it('refuses a KPI_METRICS_TOKEN that is short or has spaces, without echoing it', () => {
    for (const bad of ['short', 'has a space in the middle of it']) {
      try {
        loadConfig({ KPI_METRICS_TOKEN: bad });
        expect.unreachable(`accepted ${bad}`);
      } catch (error) {
        expect(error).toBeInstanceOf(ConfigError);
        const line = (error as ConfigError).lines.join('\n');
        expect(line).toMatch(/^KPI_METRICS_TOKEN must be /);
        expect(line).not.toContain(bad);
      }
    }
    expect(loadConfig({ KPI_METRICS_TOKEN: TOKEN }).KPI_METRICS_TOKEN).toBe(TOKEN);
    expect(loadConfig({}).KPI_METRICS_TOKEN).toBeUndefined();
  });
});
