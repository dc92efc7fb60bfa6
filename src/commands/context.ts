import type { Workspace } from '../generated/sqlite/client.js';
import type { TDb } from '../store/store.js';
import { ensureWorkspace } from '../store/workspaces.js';
import type { TActor } from './types.js';

/**
 * Resolves who is asking from a Slack request: the workspace (created on first contact, cached per team) and
 * the rep record of the Slack user, if the user is a known rep.
 */
export function createSlackActorResolver(db: TDb, defaults: { timezone: string }) {
  const workspaces = new Map<string, Promise<Workspace>>();
  return async function resolve(
    teamId: string,
    slackUserId: string,
    userName: string,
  ): Promise<{ workspace: Workspace; actor: TActor }> {
    let ws = workspaces.get(teamId);
    if (!ws) {
      ws = ensureWorkspace(db, teamId, defaults);
      workspaces.set(teamId, ws);
      ws.catch(() => workspaces.delete(teamId));
    }
    const workspace = await ws;
    const rep = await db.rep.findUnique({
      where: { workspaceId_slackUserId: { workspaceId: workspace.id, slackUserId } },
      select: { id: true, name: true },
    });
    return { workspace, actor: { slackUserId, repId: rep?.id, name: rep?.name ?? userName } };
  };
}
