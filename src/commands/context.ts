import { repBySlackId } from '../store/reps.js';
import type { TDb } from '../store/store.js';
import type { Workspace } from '../store/types.js';
import { ensureWorkspace, workspaceByIdOrThrow } from '../store/workspaces.js';
import type { TActor } from './types.js';

/**
 * Resolves who is asking from a Slack request: the workspace (created on first contact, cached per team) and
 * the rep record of the Slack user, if the user is a known rep.
 */
export function createSlackActorResolver(db: TDb, defaults: { timezone: string }) {
  // Team id -> workspace id; the row itself is read on every request, so a settings change applies at once.
  const workspaces = new Map<string, Promise<string>>();
  return async function resolve(
    teamId: string,
    slackUserId: string,
    userName: string,
  ): Promise<{ workspace: Workspace; actor: TActor }> {
    let id = workspaces.get(teamId);
    if (!id) {
      id = ensureWorkspace(db, teamId, defaults).then((w) => w.id);
      workspaces.set(teamId, id);
      id.catch(() => workspaces.delete(teamId));
    }
    const workspace = await workspaceByIdOrThrow(db, await id);
    const rep = await repBySlackId(db, workspace.id, slackUserId);
    return { workspace, actor: { slackUserId, repId: rep?.id, name: rep?.name ?? userName } };
  };
}
