import { WebClient } from '@slack/web-api';
import type { TSlackUserLookup } from '../ingest/identities.js';

/**
 * users.lookupByEmail for the workspace the bot token belongs to (other workspaces: null, never another
 * workspace's user). It runs while an event is being applied, so it fails fast: no retries, a 5 s timeout;
 * a failure fails the apply, which the inbox retries later.
 */
export function createSlackUserLookup(opts: {
  token: string;
  slackApiUrl?: string | undefined;
  workspaceId: string;
  /** A fetch that counts the calls (GET /metrics); the global one otherwise. */
  fetch?: typeof fetch | undefined;
}): TSlackUserLookup {
  const client = new WebClient(opts.token, {
    ...(opts.slackApiUrl ? { slackApiUrl: opts.slackApiUrl } : {}),
    ...(opts.fetch ? { fetch: opts.fetch } : {}),
    retryConfig: { retries: 0 },
    timeout: 5_000,
    rejectRateLimitedCalls: true,
  });
  return async (workspaceId, email) => {
    if (workspaceId !== opts.workspaceId) return null;
    try {
      const found = await client.users.lookupByEmail({ email });
      const user = found.user;
      return user?.id ? { id: user.id, name: user.real_name || user.name || email } : null;
    } catch (error) {
      if ((error as { data?: { error?: string } }).data?.error === 'users_not_found') return null;
      throw error;
    }
  };
}
