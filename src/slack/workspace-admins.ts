import type { WebClient } from '@slack/web-api';
import type { TLogger } from '../logger.js';

/** How long a person's admin flag is trusted before Slack is asked again. */
export const ADMIN_CACHE_MS = 10 * 60 * 1000;
/** After Slack could not say, ask again this soon. */
const FAILURE_CACHE_MS = 60 * 1000;

/**
 * Whether a Slack user is an admin or owner of their workspace (users.info), so Slack's own admins are KPI Bot
 * admins without configuration. Cached per person; when Slack cannot be asked the answer is "no" (the safe
 * side) for a minute.
 */
export function createWorkspaceAdminCheck(
  clientFor: (teamId: string) => Promise<WebClient | undefined>,
  logger: TLogger,
  now: () => number = Date.now,
) {
  const cache = new Map<string, { admin: boolean; until: number }>();
  return async function isWorkspaceAdmin(teamId: string, userId: string): Promise<boolean> {
    const key = `${teamId}:${userId}`;
    const hit = cache.get(key);
    if (hit && hit.until > now()) return hit.admin;
    let admin = false;
    let ttl = ADMIN_CACHE_MS;
    try {
      const client = await clientFor(teamId);
      if (!client) throw new Error('no Slack client for this workspace');
      const info = await client.users.info({ user: userId });
      const u = info.user as
        | { is_admin?: boolean; is_owner?: boolean; is_primary_owner?: boolean }
        | undefined;
      admin = Boolean(u?.is_admin || u?.is_owner || u?.is_primary_owner);
    } catch (error) {
      logger.warn(
        { err: error, team: teamId, user: userId },
        'could not ask Slack whether the user is an admin',
      );
      ttl = FAILURE_CACHE_MS;
    }
    if (cache.size > 10_000) cache.clear();
    cache.set(key, { admin, until: now() + ttl });
    return admin;
  };
}
