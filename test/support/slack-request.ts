import { createHmac, randomUUID } from 'node:crypto';
import type { FakeSlack, TRecordedCall } from './fake-slack.js';

export const SIGNING_SECRET = 'testsigningsecret0123456789abcd';

/** Slack's v0 request signature: hex HMAC-SHA256 of `v0:<timestamp>:<raw body>` with the signing secret. */
export function slackSignature(body: string, timestampSec: number, secret = SIGNING_SECRET): string {
  return `v0=${createHmac('sha256', secret).update(`v0:${timestampSec}:${body}`).digest('hex')}`;
}

/** The form body Slack sends for a slash command. */
export function slashCommandBody(fields: {
  text: string;
  user_id?: string;
  team_id?: string;
  response_url: string;
  /** Enterprise Grid: the org, and whether the app is installed org-wide. */
  enterprise_id?: string;
  is_enterprise_install?: boolean;
}) {
  return new URLSearchParams({
    token: 'deprecated-verification-token',
    team_id: fields.team_id ?? 'T0ACME',
    team_domain: 'acme',
    channel_id: 'C0SALES',
    channel_name: 'sales',
    user_id: fields.user_id ?? 'U0DANA',
    user_name: 'dana',
    command: '/kpi',
    text: fields.text,
    response_url: fields.response_url,
    // Every real slash command has a trigger id of its own (so two identical commands are two requests).
    trigger_id: `1234.5678.${randomUUID()}`,
    api_app_id: 'A0KPI',
    is_enterprise_install: String(fields.is_enterprise_install ?? false),
    ...(fields.enterprise_id ? { enterprise_id: fields.enterprise_id } : {}),
  }).toString();
}

export type TSigning = { timestampSec?: number; signature?: string | null; contentType?: string };

/** The headers Slack sends with a body: its timestamp and v0 signature (unless told otherwise). */
export function slackHeaders(body: string, opts: TSigning = {}): Record<string, string> {
  const ts = opts.timestampSec ?? Math.floor(Date.now() / 1000);
  const headers: Record<string, string> = {
    'content-type': opts.contentType ?? 'application/x-www-form-urlencoded',
    'x-slack-request-timestamp': String(ts),
  };
  const signature = opts.signature === undefined ? slackSignature(body, ts) : opts.signature;
  if (signature !== null) headers['x-slack-signature'] = signature;
  return headers;
}

/** POSTs a body to the bot's /slack/events as Slack would, signed unless told otherwise. */
export async function postToSlackEndpoint(
  baseUrl: string,
  body: string,
  opts: TSigning = {},
): Promise<Response> {
  return fetch(`${baseUrl}/slack/events`, { method: 'POST', headers: slackHeaders(body, opts), body });
}

/**
 * A button press or menu choice as Slack sends it (a signed block_actions request to /slack/events), answered at
 * the fake Slack's response URL `/respond/<replyId>`. `action` is the one action (button, overflow …).
 */
export function postBlockAction(
  target: { baseUrl: string; slack: FakeSlack },
  opts: { user: string; replyId: string; action: Record<string, unknown>; message?: unknown; team?: string },
): Promise<Response> {
  const team = opts.team ?? 'T0ACME';
  return postToSlackEndpoint(
    target.baseUrl,
    new URLSearchParams({
      payload: JSON.stringify({
        type: 'block_actions',
        team: { id: team, domain: 'acme' },
        user: { id: opts.user, username: opts.user, name: opts.user, team_id: team },
        api_app_id: 'A0KPI',
        token: 'x',
        trigger_id: '1.2.3',
        response_url: target.slack.responseUrl(opts.replyId),
        ...(opts.message ? { message: opts.message } : {}),
        actions: [{ block_id: 'b', action_ts: '1', ...opts.action }],
      }),
    }).toString(),
  );
}

/** The bot a command goes to and the fake Slack its replies reach (what startTestBot returns fits). */
export type TSlashTarget = { baseUrl: string; slack: FakeSlack };

/** A reply posted to a command's response URL. */
export type TSlashReply = {
  text: string;
  response_type: string;
  blocks?: { type: string; elements?: { action_id?: string; value?: string }[] }[];
} & Record<string, unknown>;

export type TSlashOptions = TSigning & {
  /** The Slack user and workspace (default Dana at Acme, as slashCommandBody). */
  user?: string;
  team?: string;
  /** Enterprise Grid: the org, and whether the app is installed org-wide. */
  enterprise?: string;
  enterpriseInstall?: boolean;
  /** The ack's status the command must get (default 200); null takes whatever it gets. */
  status?: number | null;
};

export type TSentSlash = {
  /** Slack's request as the bot answered it (the ack). */
  ack: Response;
  /** The command's response URL is `/respond/<id>` on the fake Slack. */
  id: string;
  /** The first post to the command's response URL (rejects if none arrives within `timeoutMs`). */
  reply<T = TSlashReply>(timeoutMs?: number): Promise<T>;
  /** Everything posted to the response URL so far (retries included). */
  posts(): TRecordedCall[];
};

let commands = 0;

/**
 * `/kpi` as Slack sends it, to the real receiver: each command a signed form post with its own trigger id and
 * its own response URL on the fake Slack, from `defaults`' user and workspace unless a call names others.
 * `send` resolves once the command is acknowledged (with the status asked for, 200 unless told otherwise);
 * `slash` also waits for its reply. `target` is read at each call (tests start their bot in beforeAll).
 */
export function slashCommands(target: () => TSlashTarget, defaults: TSlashOptions = {}) {
  async function send(text: string, opts: TSlashOptions = {}): Promise<TSentSlash> {
    const o = { ...defaults, ...opts };
    const { baseUrl, slack } = target();
    commands += 1;
    const id = `kpi-${commands}`;
    const body = slashCommandBody({
      text,
      response_url: slack.responseUrl(id),
      ...(o.user ? { user_id: o.user } : {}),
      ...(o.team ? { team_id: o.team } : {}),
      ...(o.enterprise ? { enterprise_id: o.enterprise } : {}),
      ...(o.enterpriseInstall !== undefined ? { is_enterprise_install: o.enterpriseInstall } : {}),
    });
    const ack = await postToSlackEndpoint(baseUrl, body, o);
    const expected = o.status === undefined ? 200 : o.status;
    if (expected !== null && ack.status !== expected)
      throw new Error(`/kpi ${text}: acknowledged ${ack.status}, expected ${expected}: ${await ack.text()}`);
    const path = `/respond/${id}`;
    return {
      ack,
      id,
      reply: async <T = TSlashReply>(timeoutMs?: number) =>
        (await slack.waitFor((c) => c.path === path, timeoutMs)).body as T,
      posts: () => slack.calls.filter((c) => c.path === path),
    };
  }
  /** `/kpi <text>`, acknowledged (200 unless told otherwise); resolves with its reply. */
  async function slash<T = TSlashReply>(text: string, opts: TSlashOptions = {}): Promise<T> {
    return (await send(text, opts)).reply<T>();
  }
  return { send, slash };
}
