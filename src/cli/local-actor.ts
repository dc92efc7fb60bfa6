import type { TActor } from '../commands/types.js';
import { countReps, createRep, findRep } from '../store/reps.js';
import type { TDb } from '../store/store.js';
import type { Workspace } from '../store/types.js';

/**
 * The person the local shell acts as, found by Slack user id, email or name (case-insensitive). A name that
 * matches nobody creates that rep, so a fresh local store can be tried at once; `created` tells the caller.
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
  const anyone = await countReps(db, workspace.id);
  const rep = await createRep(db, workspace.id, who.trim(), anyone === 0 ? 'admin' : 'rep');
  return { actor: { repId: rep.id, name: rep.name }, created: true };
}
