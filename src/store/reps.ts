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

/** A rep of the workspace by id, or null (an id of another workspace finds nothing). */
export function repOfWorkspace(db: TDb, workspaceId: string, repId: string): Promise<Rep | null> {
  return db.rep.findFirst({ where: { id: repId, workspaceId } });
}

/** The id and name of the workspace's rep with a Slack user id, or null. */
export function repBySlackId(db: TDb, workspaceId: string, slackUserId: string) {
  return db.rep.findUnique({
    where: { workspaceId_slackUserId: { workspaceId, slackUserId } },
    select: { id: true, name: true },
  });
}

/** The workspace's active reps with the role rep (not managers or admins). */
export function activeReps(db: TDb, workspaceId: string): Promise<Rep[]> {
  return db.rep.findMany({ where: { workspaceId, active: true, role: 'rep' } });
}

/** A leaderboard's people: the workspace's active reps with what a ranking shows of them. */
export function activeRepsForRanking(db: TDb, workspaceId: string) {
  return db.rep.findMany({
    where: { workspaceId, active: true, role: 'rep' },
    select: { id: true, name: true, email: true, slackUserId: true, managerId: true },
  });
}

/** The weekly leaderboard's people: the workspace's active reps, with their Slack ids and managers. */
export function activeRepsForWeeklyBoard(db: TDb, workspaceId: string) {
  return db.rep.findMany({
    where: { workspaceId, active: true, role: 'rep' },
    select: { id: true, name: true, slackUserId: true, managerId: true },
  });
}

/**
 * A team by name (id and name, alphabetical): a manager's active reports, or every active rep of the workspace
 * when there is no manager.
 */
export function teamMembers(db: TDb, workspaceId: string, managerId: string | null) {
  return db.rep.findMany({
    where: managerId ? { workspaceId, active: true, managerId } : { workspaceId, active: true, role: 'rep' },
    select: { id: true, name: true },
    orderBy: { name: 'asc' },
  });
}

/** The ids of a team: a manager's active reports, or every active rep of the workspace when there is none. */
export function teamMemberIds(db: TDb, workspaceId: string, managerId: string | null) {
  return db.rep.findMany({
    where: managerId ? { workspaceId, active: true, managerId } : { workspaceId, active: true, role: 'rep' },
    select: { id: true },
  });
}

/** How many people report to a manager (active ones only when asked). */
export function countReportsOf(
  db: TDb,
  workspaceId: string,
  managerId: string,
  opts: { activeOnly: boolean },
): Promise<number> {
  return db.rep.count({
    where: opts.activeOnly ? { workspaceId, managerId, active: true } : { workspaceId, managerId },
  });
}

/** A manager's Slack id and name when they are active in the workspace, else null. */
export function activeManagerContact(db: TDb, workspaceId: string, managerId: string) {
  return db.rep.findFirst({
    where: { id: managerId, workspaceId, active: true },
    select: { slackUserId: true, name: true },
  });
}

/** The Slack ids of the workspace's active reps with the admin role. */
export async function adminRepSlackIds(db: TDb, workspaceId: string): Promise<string[]> {
  const rows = await db.rep.findMany({
    where: { workspaceId, role: 'admin', active: true, slackUserId: { not: null } },
    select: { slackUserId: true },
  });
  return rows.map((r) => r.slackUserId as string);
}

/** How many people the workspace has (any role, active or not). */
export function countReps(db: TDb, workspaceId: string): Promise<number> {
  return db.rep.count({ where: { workspaceId } });
}

/** Adds a person to the workspace by name. */
export function createRep(db: TDb, workspaceId: string, name: string, role: 'admin' | 'rep'): Promise<Rep> {
  return db.rep.create({ data: { workspaceId, name, role } });
}

/** How many active people hold the admin role in the workspace. */
export function countAdminReps(db: TDb, workspaceId: string): Promise<number> {
  return db.rep.count({ where: { workspaceId, role: 'admin', active: true } });
}
