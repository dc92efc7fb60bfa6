import { createHmac } from 'node:crypto';
import { connect } from 'node:net';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { genericSignature, hubspotSignatureV3 } from '../../src/ingest/auth.js';
import { workspaceWebhookKey } from '../../src/ingest/webhook-keys.js';
import { parseEncryptionKey } from '../../src/secret-box.js';
import { startTestBot } from '../support/bot.js';
import { SIGNING_SECRET, slackSignature } from '../support/slack-request.js';
import {
  GENERIC_SECRET,
  HUBSPOT_SECRET,
  PIPEDRIVE_PASSWORD,
  PIPEDRIVE_USER,
  WEBHOOK_ENV,
} from '../support/webhooks.js';

/**
 * Issue 13's hostile-input suite: random requests (methods, paths, headers, bodies, encodings, sizes, valid and
 * invalid signatures) against every route of the real HTTP server, sent as raw bytes, one at a time. For each:
 * no 5xx (the store is up), the bot keeps serving, and a refused request (anything but 2xx) stores nothing.
 * Runs on the store under test (the suite runs once per store).
 */

type TBot = Awaited<ReturnType<typeof startTestBot>>;

/** Sends raw bytes on a new connection; resolves with the status (0: closed without an answer) and the text. */
function send(port: number, bytes: Buffer): Promise<{ status: number; text: string }> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    socket.on('data', (d) => chunks.push(d));
    const done = () => {
      const text = Buffer.concat(chunks).toString('latin1');
      const m = /^HTTP\/1\.1 (\d{3})/.exec(text);
      resolve({ status: m ? Number(m[1]) : 0, text });
    };
    socket.on('close', done);
    socket.on('error', () => {});
    // As HTTP clients do: the request, then wait for the answer (`connection: close` ends it); a client that
    // half-closes its side first gets nothing from Node's HTTP server, by design (httpAllowHalfOpen).
    socket.on('connect', () => socket.write(bytes));
  });
}

type TReq = {
  method: string;
  path: string;
  headers: [string, string][];
  body: Buffer;
  /** What the content-length header says (the body's length unless it lies). */
  declared: number | 'chunked' | 'none';
  /** The request carries a valid signature or credentials for its route. */
  authentic: boolean;
};

function encode(r: TReq, port: number): Buffer {
  const lines = [`${r.method} ${r.path} HTTP/1.1`, `host: 127.0.0.1:${port}`, 'connection: close'];
  for (const [k, v] of r.headers) lines.push(`${k}: ${v}`);
  if (r.declared === 'chunked') lines.push('transfer-encoding: chunked');
  else if (r.declared !== 'none') lines.push(`content-length: ${r.declared}`);
  const head = Buffer.from(`${lines.join('\r\n')}\r\n\r\n`, 'latin1');
  if (r.declared === 'chunked')
    return Buffer.concat([
      head,
      Buffer.from(`${r.body.length.toString(16)}\r\n`),
      r.body,
      Buffer.from('\r\n0\r\n\r\n'),
    ]);
  return Buffer.concat([head, r.body]);
}

const WEBHOOK_PATHS = ['/webhooks/events', '/webhooks/hubspot', '/webhooks/pipedrive'];
const ROUTES = [
  '/slack/events',
  ...WEBHOOK_PATHS,
  '/healthz',
  '/metrics',
  '/slack/install',
  '/slack/oauth_redirect',
];
/** The metrics token: no hostile request carries it, so /metrics answers them 401 (or 405). */
const METRICS_TOKEN = 'metrics-token-for-hostile-tests-0001';

/** Bodies: nothing, text, JSON of any shape, a canonical event (valid or broken), form payloads, bytes, big. */
function bodies(responseUrl: string) {
  const event = fc.record(
    {
      type: fc.constantFrom('activity.logged', 'deal.upserted', 'rep.upserted', 'deal.won', 'nope'),
      id: fc.string({ maxLength: 30 }),
      activityId: fc.string({ maxLength: 20 }),
      dealId: fc.oneof(fc.string({ maxLength: 20 }), fc.integer()),
      name: fc.string({ maxLength: 40 }),
      title: fc.string({ unit: 'binary', maxLength: 40 }),
      amount: fc.oneof(fc.double(), fc.string({ maxLength: 12 })),
      owner: fc.record(
        { email: fc.constantFrom('dana@example.com', 'x', ''), name: fc.string() },
        { requiredKeys: [] },
      ),
      occurredAt: fc.oneof(fc.constantFrom('0000-01-01', '2026-11-03T10:00:00Z', '9999-12-31'), fc.integer()),
      count: fc.oneof(fc.integer(), fc.double()),
      kind: fc.constantFrom('call', 'email', 'fax'),
      role: fc.constantFrom('admin', 'rep'),
    },
    { requiredKeys: ['type'] },
  );
  const slackForm = fc.record({
    command: fc.constantFrom('/kpi', '/other'),
    text: fc.string({ unit: 'binary', maxLength: 80 }),
    team_id: fc.constantFrom('T0ACME', 'T0OTHER', ''),
    user_id: fc.constantFrom('U0DANA', 'U0X', ''),
    trigger_id: fc.string({ maxLength: 20 }),
    response_url: fc.constant(responseUrl),
  });
  const slackPayload = fc
    .record({
      type: fc.constantFrom('block_actions', 'view_submission', 'shortcut', 'block_suggestion', 'nonsense'),
      team: fc.record({ id: fc.constantFrom('T0ACME', 'T0OTHER') }),
      user: fc.record({ id: fc.constantFrom('U0DANA', 'U0X'), team_id: fc.constant('T0ACME') }),
      response_url: fc.constant(responseUrl),
      trigger_id: fc.string({ maxLength: 10 }),
      actions: fc.array(
        fc.record({
          action_id: fc.constantFrom('kpi_share', 'kpi_alert_snooze', 'kpi_rank_opt_in', 'x'),
          value: fc.string({ maxLength: 40 }),
          block_id: fc.constant('b'),
        }),
        { maxLength: 2 },
      ),
      view: fc.record({
        callback_id: fc.constantFrom('kpi_modal_activity', 'kpi_modal_quiz', 'x'),
        state: fc.record({ values: fc.dictionary(fc.string({ maxLength: 6 }), fc.object({ maxDepth: 2 })) }),
        private_metadata: fc.string({ maxLength: 20 }),
      }),
    })
    .map((p) => new URLSearchParams({ payload: JSON.stringify(p) }).toString());
  const slackEvent = fc
    .record({
      type: fc.constantFrom('event_callback', 'url_verification', 'app_rate_limited'),
      team_id: fc.constantFrom('T0ACME', 'T0OTHER'),
      event_id: fc.string({ minLength: 1, maxLength: 12 }),
      challenge: fc.string({ maxLength: 10 }),
      event: fc.record({
        type: fc.constantFrom('app_home_opened', 'app_uninstalled', 'tokens_revoked', 'message'),
        user: fc.constantFrom('U0DANA', 'U0X'),
        tab: fc.constantFrom('home', 'messages'),
        tokens: fc.record({ bot: fc.array(fc.string({ maxLength: 8 }), { maxLength: 2 }) }),
      }),
    })
    .map((e) => JSON.stringify(e));
  return fc.oneof(
    { arbitrary: fc.constant(''), weight: 1 },
    { arbitrary: fc.string({ unit: 'binary', maxLength: 300 }), weight: 2 },
    { arbitrary: fc.json({ maxDepth: 3 }), weight: 2 },
    {
      arbitrary: fc.oneof(event, fc.array(event, { maxLength: 3 })).map((e) => JSON.stringify(e)),
      weight: 4,
    },
    { arbitrary: fc.array(event, { maxLength: 2 }).map((events) => JSON.stringify({ events })), weight: 2 },
    { arbitrary: slackForm.map((f) => new URLSearchParams(f).toString()), weight: 3 },
    { arbitrary: slackPayload, weight: 3 },
    { arbitrary: slackEvent, weight: 2 },
    { arbitrary: fc.uint8Array({ maxLength: 200 }).map((b) => Buffer.from(b).toString('latin1')), weight: 1 },
    { arbitrary: fc.integer({ min: 500_000, max: 1_300_000 }).map((n) => 'x'.repeat(n)), weight: 1 },
  );
}

/** Requests most of whose parts are right: they reach the deep end (apply, commands) with hostile details. */
function wellFormed(responseUrl: string, webhookQuery: string) {
  // Mostly text a store can hold (hostile to renderers and SQL), sometimes text it cannot (NUL, lone halves).
  const text = fc.oneof(
    { arbitrary: fc.string({ maxLength: 60 }), weight: 4 },
    {
      arbitrary: fc.constantFrom(
        '*Dana*_x_~y~`z`\n> <!channel>',
        'Robert\'); DROP TABLE "Rep";--',
        '=HYPERLINK("http://x")',
        '💰 ünïcödé ✓',
        '<@U0DANA> &amp; <https://x|y>',
      ),
      weight: 3,
    },
    { arbitrary: fc.string({ unit: 'binary', maxLength: 60 }), weight: 1 },
  );
  const activity = fc.record({
    type: fc.constant('activity.logged'),
    id: fc.uuid(),
    activityId: fc.uuid(),
    owner: fc.constant({ email: 'dana@example.com' }),
    kind: fc.constantFrom('call', 'email', 'meeting'),
    count: fc.integer({ min: 1, max: 50 }),
    subject: text,
    occurredAt: fc.constantFrom('2026-11-03T10:00:00Z', '2026-10-01'),
  });
  const deal = fc.record({
    type: fc.constant('deal.upserted'),
    id: fc.uuid(),
    dealId: fc.uuid(),
    title: text,
    owner: fc.constant({ email: 'dana@example.com' }),
    amount: fc.oneof(fc.integer({ min: 0, max: 10_000_000 }), fc.constantFrom('1.005', '12.5', '1e3', '-1')),
    stage: fc.oneof(fc.constantFrom('Prospecting', 'Won'), text),
    occurredAt: fc.constantFrom('2026-11-03T10:00:00Z', '0000-01-01'),
  });
  const generic = fc
    .oneof(
      activity,
      deal,
      fc.array(fc.oneof(activity, deal), { minLength: 1, maxLength: 4 }).map((events) => ({ events })),
    )
    .map((b) => ({
      path: `/webhooks/events${webhookQuery}`,
      contentType: 'application/json',
      body: JSON.stringify(b),
    }));
  const slash = fc
    .record({
      text: fc.oneof(
        fc.constantFrom(
          'help',
          'me',
          'log call 2',
          'leaderboard',
          'me last month',
          'funnel',
          'log quiz "A" 80',
        ),
        text,
      ),
      trigger: fc.uuid(),
    })
    .map(({ text: t, trigger }) => ({
      path: '/slack/events',
      contentType: 'application/x-www-form-urlencoded',
      body: new URLSearchParams({
        command: '/kpi',
        text: t,
        team_id: 'T0ACME',
        user_id: 'U0DANA',
        user_name: 'dana',
        channel_id: 'C0SALES',
        trigger_id: trigger,
        response_url: responseUrl,
      }).toString(),
    }));
  return fc.oneof(generic, slash);
}

function requests(responseUrl: string, port: number, webhookQuery = '') {
  return fc.oneof(
    { arbitrary: randomRequests(responseUrl, port), weight: 3 },
    {
      arbitrary: fc
        .tuple(
          wellFormed(responseUrl, webhookQuery),
          fc.constantFrom('valid', 'valid', 'valid', 'garbage', 'stale'),
        )
        .map(([w, signing]) =>
          sign({ method: 'POST', path: w.path, body: w.body, contentType: w.contentType, signing }, port),
        ),
      weight: 2,
    },
  );
}

type TSigning = 'valid' | 'none' | 'garbage' | 'stale';

/** The body caps of the Slack gate and of the webhook routes (src/http/slack-gate.ts, src/ingest/webhooks.ts). */
const SLACK_MAX_BYTES = 512 * 1024;
const WEBHOOK_MAX_BYTES = 1024 * 1024;
const WINDOW_MS = 5 * 60_000;

/** What the classification needs of the bot: its mode, its port (HubSpot signs the URI), the webhook keys. */
type TServed = { oauth: boolean; port: number; keyOf: (workspace: string) => string };

/** A header as Node reads it: the first of its name (Node keeps the first Authorization, Host, Content-Type…). */
const headerOf = (r: TReq, name: string) => r.headers.find(([k]) => k === name)?.[1];

/**
 * The statuses the bot may answer `r` with, worked out from the request alone, route by route, in the order the
 * server checks: Node's parser (an unknown method is a 400), the path (404) and method (405), the body cap
 * (413, from the declared length before anything is read), the credentials that can be checked before the body
 * (401), the body itself (it never ends when the length lies upwards: Node's request time-out, 408), the
 * signature over the bytes the server actually got (401), then what the route makes of a genuine body.
 * A set only where the input leaves a choice: a genuine Slack payload is Bolt's to answer (acknowledged, not
 * a payload it can act on, a workspace not installed, nobody listening); a genuine, well-framed webhook is
 * stored (200) or refused naming a field (400); bytes after the request's end (no length, a length short by one,
 * an empty chunked body followed by its terminator again) are a second request Node may refuse (400) first.
 */
function expectedStatuses(r: TReq, opts: TServed): number[] {
  const out = new Set(firstAnswer(r, opts));
  const trailing =
    (r.declared === 'none' && r.body.length > 0) ||
    (typeof r.declared === 'number' && r.declared < r.body.length) ||
    (r.declared === 'chunked' && r.body.length === 0);
  if (trailing) out.add(400);
  return [...out].sort((a, b) => a - b);
}

function firstAnswer(r: TReq, opts: TServed): number[] {
  if (r.method === 'XYZ') return [400];
  const [route = '', query = ''] = r.path.split(/\?(.*)/s);
  const methods: Record<string, string> = {
    '/healthz': 'GET',
    '/metrics': 'GET',
    '/slack/events': 'POST',
    '/webhooks/events': 'POST',
    '/webhooks/hubspot': 'POST',
    '/webhooks/pipedrive': 'POST',
    ...(opts.oauth ? { '/slack/install': 'GET', '/slack/oauth_redirect': 'GET' } : {}),
  };
  const method = methods[route];
  if (!method) return [404];
  if (r.method !== method) return [405];
  if (route === '/healthz') return [200];
  if (route === '/metrics') return [401];
  // Bolt's installer: a redirect to Slack's consent page; a callback without Slack's state is refused.
  if (route === '/slack/install') return [302];
  if (route === '/slack/oauth_redirect') return [400];

  const declared = typeof r.declared === 'number' ? r.declared : 0;
  /** The body the server reads: null when it never ends (the length says more than is sent). */
  const seen =
    r.declared === 'none'
      ? Buffer.alloc(0)
      : r.declared === 'chunked'
        ? r.body
        : r.declared > r.body.length
          ? null
          : r.body.subarray(0, r.declared);
  const now = Date.now();
  const utf8 = (b: Buffer) => b.toString('utf8');

  if (route === '/slack/events') {
    if (declared > SLACK_MAX_BYTES) return [413];
    const ts = headerOf(r, 'x-slack-request-timestamp');
    const sig = headerOf(r, 'x-slack-signature');
    if (ts === undefined && sig === undefined) {
      // Unsigned: only Slack's TLS check (tiny) is read, and anything else refused.
      if (declared > 1024) return [401];
      if (seen === null) return [408];
      const form = new URLSearchParams(utf8(seen));
      return headerOf(r, 'content-type') === 'application/x-www-form-urlencoded' &&
        seen.length <= 1024 &&
        form.get('ssl_check') === '1'
        ? [200]
        : [401];
    }
    if (!ts || !sig || Math.abs(Number(ts) * 1000 - now) > WINDOW_MS) return [401];
    if (seen === null) return [408];
    if (seen.length > SLACK_MAX_BYTES) return [413];
    const expected = `v0=${createHmac('sha256', SIGNING_SECRET).update(`v0:${ts}:`).update(seen).digest('hex')}`;
    if (sig !== expected) return [401];
    return isSlackPayload(r, seen) ? [200, 400, 401, 404] : [400];
  }

  // The webhook routes: credentials first (before the body), then the body, then the workspace and its key.
  const early = (): boolean => {
    if (route === '/webhooks/events') {
      const ts = headerOf(r, 'x-kpi-timestamp') ?? '';
      return (
        Boolean(headerOf(r, 'x-kpi-signature')) &&
        /^\d{9,11}$/.test(ts) &&
        Math.abs(Number(ts) * 1000 - now) <= WINDOW_MS
      );
    }
    if (route === '/webhooks/hubspot') {
      const ts = headerOf(r, 'x-hubspot-request-timestamp') ?? '';
      return (
        Boolean(headerOf(r, 'x-hubspot-signature-v3')) &&
        /^\d{10,16}$/.test(ts) &&
        Math.abs(Number(ts) - now) <= WINDOW_MS
      );
    }
    return (
      headerOf(r, 'authorization') ===
      `Basic ${Buffer.from(`${PIPEDRIVE_USER}:${PIPEDRIVE_PASSWORD}`).toString('base64')}`
    );
  };
  if (!early()) return [401];
  if (declared > WEBHOOK_MAX_BYTES) return [413];
  if (seen === null) return [408];
  if (seen.length > WEBHOOK_MAX_BYTES) return [413];
  /** What a genuine body can come to: still refused for its workspace or key, else stored or refused (400). */
  const refusedOr401: number[] = [];
  if (route === '/webhooks/events') {
    const ts = headerOf(r, 'x-kpi-timestamp') ?? '';
    if (headerOf(r, 'x-kpi-signature') !== genericSignature(GENERIC_SECRET, ts, utf8(seen))) return [401];
  } else if (route === '/webhooks/hubspot') {
    const ts = headerOf(r, 'x-hubspot-request-timestamp') ?? '';
    const uri = `http://127.0.0.1:${opts.port}${r.path}`;
    const matches =
      headerOf(r, 'x-hubspot-signature-v3') ===
      hubspotSignatureV3(HUBSPOT_SECRET, 'POST', uri, utf8(seen), ts);
    // The URI HubSpot signed is rebuilt from the host (or a forwarded one) and decoded: exact only for a plain
    // path and no forwarding headers.
    const exact = !/%/.test(r.path) && !r.headers.some(([k]) => k.startsWith('x-forwarded-'));
    if (!matches && exact) return [401];
    if (!exact) refusedOr401.push(401);
  }
  if (opts.oauth) {
    const params = new URLSearchParams(query);
    const workspace = params.get('workspace');
    const key = params.get('key');
    if (!workspace) return [...refusedOr401, 400];
    if (!key || key !== opts.keyOf(workspace)) return [401];
  }
  return [...refusedOr401, 200, 400];
}

/** The Slack gate's check that a body is one Bolt can read: a JSON object, or a form with at most one JSON payload. */
function isSlackPayload(r: TReq, body: Buffer): boolean {
  const isObject = (text: string) => {
    try {
      const v: unknown = JSON.parse(text);
      return typeof v === 'object' && v !== null && !Array.isArray(v);
    } catch {
      return false;
    }
  };
  const text = body.toString('utf8');
  if (headerOf(r, 'content-type') === 'application/x-www-form-urlencoded') {
    const payload = new URLSearchParams(text).getAll('payload');
    return payload.length === 0 || (payload.length === 1 && isObject(payload[0] ?? ''));
  }
  return isObject(text);
}

/** Signs a request for its route (Slack, generic, HubSpot v3, Pipedrive basic auth) as asked. */
function sign(
  r: {
    method: string;
    path: string;
    body: string;
    contentType: string;
    signing: TSigning;
    extra?: [string, string][];
  },
  port: number,
  declared: 'exact' | 'chunked' | 'short' | 'long' | 'none' = 'exact',
): TReq {
  const body = Buffer.from(r.body, 'latin1');
  const raw = r.body;
  const headers: [string, string][] = [...(r.extra ?? [])];
  if (r.contentType) headers.push(['content-type', r.contentType]);
  const route = r.path.split('?')[0];
  const now = Date.now();
  const ts = r.signing === 'stale' ? now - 3_600_000 : now;
  let authentic = false;
  if (r.signing !== 'none') {
    const garbage = r.signing === 'garbage';
    if (route === '/slack/events') {
      const sec = Math.floor(ts / 1000);
      headers.push(['x-slack-request-timestamp', String(sec)]);
      headers.push([
        'x-slack-signature',
        garbage ? `v0=${'0'.repeat(64)}` : slackSignature(raw, sec, SIGNING_SECRET),
      ]);
      authentic = r.signing === 'valid';
    } else if (route === '/webhooks/events') {
      const sec = String(Math.floor(ts / 1000));
      headers.push(['x-kpi-timestamp', sec]);
      headers.push(['x-kpi-signature', garbage ? 'v1=00' : genericSignature(GENERIC_SECRET, sec, raw)]);
      authentic = r.signing === 'valid';
    } else if (route === '/webhooks/hubspot') {
      const uri = `http://127.0.0.1:${port}${r.path}`;
      headers.push(['x-hubspot-request-timestamp', String(ts)]);
      headers.push([
        'x-hubspot-signature-v3',
        garbage ? 'AAAA' : hubspotSignatureV3(HUBSPOT_SECRET, r.method, uri, raw, String(ts)),
      ]);
      authentic = r.signing === 'valid';
    } else if (route === '/webhooks/pipedrive') {
      const auth = garbage ? 'kpibot:wrong' : `${PIPEDRIVE_USER}:${PIPEDRIVE_PASSWORD}`;
      headers.push(['authorization', `Basic ${Buffer.from(auth).toString('base64')}`]);
      authentic = !garbage;
    }
  }
  const d =
    declared === 'exact'
      ? body.length
      : declared === 'short'
        ? Math.max(0, body.length - 1)
        : declared === 'long'
          ? body.length + 10
          : declared;
  return { method: r.method, path: r.path, headers, body, declared: d, authentic };
}

function randomRequests(responseUrl: string, port: number) {
  const path = fc.oneof(
    { arbitrary: fc.constantFrom(...ROUTES), weight: 6 },
    {
      arbitrary: fc
        .tuple(
          fc.constantFrom(...ROUTES),
          fc.constantFrom('?workspace=T0ACME', '?workspace=T0ACME&key=x', '?', '?a=%00', '/x'),
        )
        .map(([p, q]) => p + q),
      weight: 2,
    },
    {
      arbitrary: fc
        .array(fc.constantFrom('slack', 'webhooks', 'x', '..', '%00', '%2F', 'events', '', 'a'.repeat(300)), {
          maxLength: 5,
        })
        .map((parts) => `/${parts.join('/')}`),
      weight: 2,
    },
  );
  const method = fc.oneof(
    { arbitrary: fc.constant('POST'), weight: 5 },
    {
      arbitrary: fc.constantFrom('GET', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'HEAD', 'TRACE', 'XYZ'),
      weight: 2,
    },
  );
  const contentType = fc.constantFrom(
    'application/json',
    'application/x-www-form-urlencoded',
    'text/plain',
    'application/json; charset=latin1',
    'multipart/form-data; boundary=x',
    '',
  );
  const extraHeaders = fc.array(
    fc.tuple(
      fc.constantFrom(
        'x-slack-retry-num',
        'content-encoding',
        'x-forwarded-host',
        'x-forwarded-proto',
        'authorization',
        'cookie',
        'x-junk',
      ),
      fc.string({
        unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)),
        maxLength: 60,
      }),
    ),
    { maxLength: 3 },
  );
  const signing = fc.constantFrom('valid', 'valid', 'none', 'garbage', 'stale');
  const declared = fc.oneof(
    { arbitrary: fc.constant('exact'), weight: 12 },
    { arbitrary: fc.constantFrom('chunked', 'short', 'none'), weight: 3 },
    { arbitrary: fc.constant('long'), weight: 1 },
  );
  return fc
    .record({ method, path, contentType, extraHeaders, body: bodies(responseUrl), signing, declared })
    .map((g) =>
      sign(
        {
          method: g.method,
          path: g.path,
          body: g.body,
          contentType: g.contentType,
          signing: g.signing as TSigning,
          extra: g.extraHeaders,
        },
        port,
        g.declared as 'exact' | 'chunked' | 'short' | 'long' | 'none',
      ),
    );
}

const TABLES = [
  'workspace',
  'installation',
  'rep',
  'repIdentity',
  'target',
  'deal',
  'dealStageChange',
  'lead',
  'customer',
  'activity',
  'socialSnapshot',
  'socialPost',
  'trainingResult',
  'inboxEvent',
  'jobRun',
  'alertLog',
] as const;

async function counts(t: TBot) {
  const db = t.bot.store.db as unknown as Record<string, { count(): Promise<number> }>;
  const out: Record<string, number> = {};
  for (const table of [...TABLES, 'slackRequestSeen'])
    out[table] = await (db[table] as { count(): Promise<number> }).count();
  return out;
}

async function settled(t: TBot) {
  await t.bot.inbox.idle();
  expect(await t.bot.inflight.drain(30_000)).toBe(true);
}

describe.each([
  ['HTTP mode', {}],
  [
    'OAuth mode',
    {
      SLACK_BOT_TOKEN: '',
      SLACK_CLIENT_ID: '1234567890.9876543210',
      SLACK_CLIENT_SECRET: '0123456789abcdef0123456789abcdef',
      SLACK_STATE_SECRET: 'state-secret-for-tests-0001',
      KPI_ENCRYPTION_KEY: 'ab'.repeat(32),
    },
  ],
])('hostile requests, %s', (mode, env) => {
  let t: TBot;
  // With OAuth distribution a webhook names its workspace and carries that workspace's key.
  const query =
    'KPI_ENCRYPTION_KEY' in env
      ? `?workspace=T0ACME&key=${workspaceWebhookKey(parseEncryptionKey(env.KPI_ENCRYPTION_KEY) as Buffer, 'T0ACME')}`
      : '';
  beforeAll(async () => {
    t = await startTestBot({
      env: { ...WEBHOOK_ENV, KPI_METRICS_TOKEN: METRICS_TOKEN, ...env },
      // Requests that lie about their length are cut off after 4 s rather than 30 s (still above the 3 s Bolt
      // waits for a listener before it answers a signed request nobody handles).
      httpLimits: { requestTimeoutMs: 4_000, headersTimeoutMs: 1_000, connectionsCheckingIntervalMs: 200 },
    });
    const { db } = t.bot.store;
    const ws = await db.workspace.upsert({
      where: { slackTeamId: 'T0ACME' },
      create: { slackTeamId: 'T0ACME', timezone: 'UTC' },
      update: {},
    });
    await db.rep.create({
      data: { workspaceId: ws.id, name: 'Dana Scott', email: 'dana@example.com', slackUserId: 'U0DANA' },
    });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('never answers 5xx, keeps serving, and stores nothing for a refused request', {
    timeout: 600_000,
  }, async () => {
    let n = 0;
    const statuses = new Map<number, number>();
    const oauth = 'KPI_ENCRYPTION_KEY' in env;
    const served: TServed = {
      oauth,
      port: t.bot.port,
      keyOf: (workspace) =>
        oauth ? workspaceWebhookKey(parseEncryptionKey(env.KPI_ENCRYPTION_KEY) as Buffer, workspace) : '',
    };
    await fc.assert(
      fc.asyncProperty(requests(t.slack.responseUrl('hostile'), t.bot.port, query), async (req) => {
        n += 1;
        await settled(t);
        const before = await counts(t);
        const res = await send(t.bot.port, encode(req, t.bot.port));
        statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
        // Every request gets an answer (not a reset or a silent close), and never a server error.
        expect(res.status, `${req.method} ${req.path}: closed without an answer`).toBeGreaterThan(0);
        expect(
          expectedStatuses(req, served),
          `${req.method} ${req.path} (${String(req.declared)} of ${req.body.length} bytes) → ${res.status}: ${res.text.slice(0, 300)}`,
        ).toContain(res.status);
        await settled(t);
        const after = await counts(t);
        if (res.status < 200 || res.status >= 300) {
          // A refused request changed nothing; a signed Slack request that Bolt found no listener for is
          // remembered as seen (it was genuine), and nothing else.
          const { slackRequestSeen: seenBefore, ...restBefore } = before;
          const { slackRequestSeen: seenAfter, ...restAfter } = after;
          expect(restAfter, `${req.method} ${req.path} → ${res.status}`).toEqual(restBefore);
          if (!req.authentic) expect(seenAfter).toBe(seenBefore);
        }
        if (!req.authentic && (req.path.startsWith('/webhooks/') || req.path.startsWith('/slack/events')))
          expect(after.inboxEvent, `${req.method} ${req.path}`).toBe(before.inboxEvent);
      }),
      {
        numRuns: mode === 'HTTP mode' ? 160 : 80,
        // Always among the cases, whatever the seed: an accepted event, an unsigned one, an unknown route.
        examples: [
          [
            sign(
              {
                method: 'POST',
                path: `/webhooks/events${query}`,
                contentType: 'application/json',
                signing: 'valid',
                body: JSON.stringify({
                  type: 'activity.logged',
                  activityId: `ex-${mode}`,
                  owner: { email: 'dana@example.com' },
                  kind: 'call',
                  occurredAt: '2026-11-03T10:00:00Z',
                }),
              },
              t.bot.port,
            ),
          ],
          [
            sign(
              {
                method: 'POST',
                path: '/webhooks/events',
                contentType: 'application/json',
                signing: 'none',
                body: '{}',
              },
              t.bot.port,
            ),
          ],
          [sign({ method: 'GET', path: '/slack/x', contentType: '', signing: 'none', body: '' }, t.bot.port)],
        ],
      },
    );
    // It still serves, and the property did meet the cases it is about.
    expect((await fetch(`${t.baseUrl}/healthz`)).status).toBe(200);
    // The metrics still answer their token, and no hostile path became a label of their own.
    const metrics = await fetch(`${t.baseUrl}/metrics`, {
      headers: { authorization: `Bearer ${METRICS_TOKEN}` },
    });
    expect(metrics.status).toBe(200);
    const routes = new Set([...(await metrics.text()).matchAll(/route="([^"]*)"/g)].map((m) => m[1]));
    expect([...routes].filter((r) => r !== 'other' && !ROUTES.includes(r as string))).toEqual([]);
    expect(n).toBeGreaterThanOrEqual(60);
    const seen = [...statuses.keys()];
    expect(seen.some((s) => s >= 200 && s < 300)).toBe(true);
    expect(seen.some((s) => s === 401)).toBe(true);
    expect(seen.some((s) => s === 404 || s === 405)).toBe(true);
  });
});
