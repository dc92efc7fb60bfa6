import { createHmac } from 'node:crypto';
import { safeEqual } from './auth.js';

/** The webhook paths, one per source. */
export const WEBHOOK_PATHS = {
  hubspot: '/webhooks/hubspot',
  pipedrive: '/webhooks/pipedrive',
  generic: '/webhooks/events',
} as const;

/**
 * A workspace's webhook key (OAuth distribution, many workspaces on one server): derived from
 * KPI_ENCRYPTION_KEY and the Slack team id, so it needs no storage, and one workspace's key says nothing about
 * another's. The source's own signature still has to match; the key decides which workspace the events may go to.
 */
export function workspaceWebhookKey(secret: Buffer, teamId: string): string {
  return createHmac('sha256', secret)
    .update(`kpi-webhook:${teamId}`, 'utf8')
    .digest('base64url')
    .slice(0, 32);
}

export function checkWorkspaceWebhookKey(secret: Buffer, teamId: string, key: string): boolean {
  return safeEqual(workspaceWebhookKey(secret, teamId), key);
}

/**
 * A workspace's webhook URL for one source: the public base URL (or only the path when it is not configured),
 * with `?workspace=&key=` when the server serves many workspaces.
 */
export function webhookUrl(opts: {
  publicUrl?: string | undefined;
  path: string;
  teamId?: string;
  key?: Buffer | undefined;
}): string {
  const base = `${opts.publicUrl ?? ''}${opts.path}`;
  if (!opts.key || !opts.teamId) return base;
  return `${base}?workspace=${encodeURIComponent(opts.teamId)}&key=${workspaceWebhookKey(opts.key, opts.teamId)}`;
}
