import { createHmac, randomUUID } from 'node:crypto';

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

/** POSTs a body to the bot's /slack/events as Slack would, signed unless told otherwise. */
export async function postToSlackEndpoint(
  baseUrl: string,
  body: string,
  opts: { timestampSec?: number; signature?: string | null; contentType?: string } = {},
): Promise<Response> {
  const ts = opts.timestampSec ?? Math.floor(Date.now() / 1000);
  const headers: Record<string, string> = {
    'content-type': opts.contentType ?? 'application/x-www-form-urlencoded',
    'x-slack-request-timestamp': String(ts),
  };
  const signature = opts.signature === undefined ? slackSignature(body, ts) : opts.signature;
  if (signature !== null) headers['x-slack-signature'] = signature;
  return fetch(`${baseUrl}/slack/events`, { method: 'POST', headers, body });
}
