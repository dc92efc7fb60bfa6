import type { TActor } from '../commands/types.js';
import { AppError } from '../errors.js';
import type { Workspace } from '../generated/sqlite/client.js';
import type { TDb } from '../store/store.js';

/**
 * The person the local shell acts as, found by Slack user id, email or name (case-insensitive). A name that
 * matches nobody creates that rep, so a fresh local store can be tried at once; `created` tells the caller.
 */
export async function resolveLocalActor(
  db: TDb,
  workspace: Workspace,
  who: string,
): Promise<{ actor: TActor; created: boolean }> {
  const key = who.trim();
  if (!key) throw new AppError('bad_request', 'say who you are, e.g. --as "Dana Scott"');
  const reps = await db.rep.findMany({
    where: { workspaceId: workspace.id },
    select: { id: true, name: true, email: true, slackUserId: true },
  });
  const lower = key.toLowerCase();
  const matches = reps.filter(
    (r) => r.slackUserId === key || r.email?.toLowerCase() === lower || r.name.toLowerCase() === lower,
  );
  if (matches.length > 1) {
    throw new AppError(
      'conflict',
      `"${key}" matches ${matches.length} people (${matches.map((r) => r.email ?? r.id).join(', ')}); use an email instead`,
    );
  }
  const found = matches[0];
  if (found)
    return {
      actor: { repId: found.id, slackUserId: found.slackUserId ?? undefined, name: found.name },
      created: false,
    };
  const rep = await db.rep.create({
    data: { workspaceId: workspace.id, name: key, role: reps.length === 0 ? 'admin' : 'rep' },
  });
  return { actor: { repId: rep.id, name: rep.name }, created: true };
}
