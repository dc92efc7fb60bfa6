import type { Workspace } from '../generated/sqlite/client.js';
import type { TDb } from './store.js';

/** The workspace of local mode (no Slack). */
export const LOCAL_TEAM_ID = 'local';

/**
 * Returns the workspace of a Slack team, creating it with defaults on first contact.
 * `timezone` seeds a new workspace only; an existing workspace keeps its own settings.
 */
export async function ensureWorkspace(
  db: TDb,
  slackTeamId: string,
  defaults: { timezone: string; name?: string },
): Promise<Workspace> {
  return db.workspace.upsert({
    where: { slackTeamId },
    create: { slackTeamId, timezone: defaults.timezone, name: defaults.name ?? '' },
    update: {},
  });
}
