import { plainOfLookalikes } from '../domain/lookalikes.js';
import { AppError, PlainTextError } from '../errors.js';
import type { Rep, TDb } from './types.js';

/**
 * Finds a rep of a workspace by Slack user id (or a <@U…> mention), email or name, case-insensitively.
 * Returns null when nobody matches; throws `conflict` when a name matches several people.
 */
export async function findRep(db: TDb, workspaceId: string, who: string): Promise<Rep | null> {
  // A name copied from a Slack reply carries the look-alikes and invisible marks names are shown with there
  // (∗ ˍ ∼ ˋ, a word joiner, a soft hyphen): read as the characters they stand for.
  const typed = who.trim().replace(/^<@([A-Z0-9]+)(\|[^>]*)?>$/, '$1');
  const key = plainOfLookalikes(typed);
  if (!key)
    throw new AppError('bad_request', 'say who, e.g. "Dana Scott", dana@example.com or a Slack user id');
  const bySlack = await db.rep.findUnique({
    where: { workspaceId_slackUserId: { workspaceId, slackUserId: key } },
  });
  if (bySlack) return bySlack;
  const lower = key.toLowerCase();
  const reps = await db.rep.findMany({ where: { workspaceId } });
  const matches = reps.filter((r) => r.email?.toLowerCase() === lower || r.name.toLowerCase() === lower);
  if (matches.length > 1) {
    // Plain text (the transport escapes it) and nobody's email: the asker may not be allowed to see them.
    throw new PlainTextError(
      'conflict',
      `"${key}" matches ${matches.length} people here; name them by email or Slack mention instead.`,
      'who',
    );
  }
  return matches[0] ?? null;
}

/** How many reps report directly to a manager. */
export async function countDirectReports(db: TDb, workspaceId: string, managerId: string): Promise<number> {
  return db.rep.count({ where: { workspaceId, managerId } });
}
