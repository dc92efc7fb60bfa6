import type { TActor } from '../commands/types.js';
import { AppError } from '../errors.js';
import { countReps, createRep, findRep } from '../store/reps.js';
import type { TDb } from '../store/store.js';
import type { Workspace } from '../store/types.js';
import { LOCAL_TEAM_ID } from '../store/workspaces.js';

/**
 * The person the local shell acts as, found by Slack user id, email or name (case-insensitive). In local mode's
 * workspace a name that matches nobody creates that rep, so a fresh local store can be tried at once; `created`
 * tells the caller. In a Slack workspace (its people come from Slack and the imports) a name that matches nobody
 * is refused: a typo must not add a person to it.
 */
export async function resolveLocalActor(
  db: TDb,
  workspace: Workspace,
  who: string,
): Promise<{ actor: TActor; created: boolean }> {
  const found = await findRep(db, workspace.id, who);
  if (found) {
    return {
      actor: { repId: found.id, slackUserId: found.slackUserId ?? undefined, name: found.name },
      created: false,
    };
  }
  if (workspace.slackTeamId !== LOCAL_TEAM_ID)
    throw new AppError(
      'bad_request',
      `nobody called "${who.trim()}" in the ${workspace.slackTeamId} workspace; --as takes the name, email or Slack user id of someone there`,
    );
  const anyone = await countReps(db, workspace.id);
  const rep = await createRep(db, workspace.id, who.trim(), anyone === 0 ? 'admin' : 'rep');
  return { actor: { repId: rep.id, name: rep.name }, created: true };
}
