import type { WebClient } from '@slack/web-api';
import type { TLogger } from '../logger.js';

/** How long a person's admin flag is trusted before Slack is asked again. */
export const ADMIN_CACHE_MS = 10 * 60 * 1000;
/** After Slack could not say, ask again this soon. */
const FAILURE_CACHE_MS = 60 * 1000;
const MAX_CACHED = 10_000;

type TSlackUser = {
  team_id?: string;
  is_admin?: boolean;
  is_owner?: boolean;
  is_primary_owner?: boolean;
  is_restricted?: boolean;
  is_ultra_restricted?: boolean;
  is_stranger?: boolean;
  deleted?: boolean;
  enterprise_user?: { teams?: string[] };
};

/**
 * Whether Slack calls this person an admin or owner of this very workspace: not a guest, not a stranger from a
 * shared channel (an admin of another workspace), not deactivated.
 */
export function isAdminOfTeam(u: TSlackUser | undefined, teamId: string): boolean {
  if (!u || u.deleted || u.is_stranger || u.is_restricted || u.is_ultra_restricted) return false;
  const member = u.team_id === teamId || Boolean(u.enterprise_user?.teams?.includes(teamId));
  return member && Boolean(u.is_admin || u.is_owner || u.is_primary_owner);
}

/**
 * Whether a Slack user is an admin or owner of their workspace (users.info), so Slack's own admins are KPI Bot
 * admins without configuration. Asked with a quick client (no retries, short time-out) because the answer is
 * needed before a modal's 3-second ack; cached per person; when Slack cannot be asked the answer is "no" (the
 * safe side) for a minute.
 */
export function createWorkspaceAdminCheck(
  clientFor: (teamId: string, opts?: { quick?: boolean }) => Promise<WebClient | undefined>,
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
      const client = await clientFor(teamId, { quick: true });
      if (!client) throw new Error('no Slack client for this workspace');
      const info = await client.users.info({ user: userId });
      admin = isAdminOfTeam(info.user as TSlackUser | undefined, teamId);
    } catch (error) {
      logger.warn(
        { err: error, team: teamId, user: userId },
        'could not ask Slack whether the user is an admin',
      );
      ttl = FAILURE_CACHE_MS;
    }
    cache.delete(key);
    if (cache.size >= MAX_CACHED) cache.delete(cache.keys().next().value as string);
    cache.set(key, { admin, until: now() + ttl });
    return admin;
  };
}
