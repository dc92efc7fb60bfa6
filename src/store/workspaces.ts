import { mergeWorkspaceSettings, type TWorkspaceSettings } from '../domain/settings.js';
import type { TDb, TTx, Workspace } from './types.js';

/** The workspace of local mode (no Slack). */
export const LOCAL_TEAM_ID = 'local';

/**
 * Returns the workspace of a Slack team, creating it with defaults on first contact.
 * `timezone` seeds a new workspace only; an existing workspace keeps its own settings. First contacts may come
 * together (two bot processes starting at once on one database, two requests of a new team): Prisma's upsert
 * reads, then inserts, so the insert of all but one fails on the unique team id; those read the winner's row.
 */
export async function ensureWorkspace(
  db: TDb,
  slackTeamId: string,
  defaults: { timezone: string; name?: string },
): Promise<Workspace> {
  try {
    return await db.workspace.upsert({
      where: { slackTeamId },
      create: { slackTeamId, timezone: defaults.timezone, name: defaults.name ?? '' },
      update: {},
    });
  } catch (error) {
    // Another first contact's insert won; any other failure (the store away) is thrown as it was.
    const existing = await db.workspace.findUnique({ where: { slackTeamId } }).catch(() => null);
    if (existing) return existing;
    throw error;
  }
}

/**
 * Changes some keys of a workspace's settings JSON: read, change and write in a serializable transaction (tried
 * again on a conflict), so two admins or two clicks at once do not overwrite each other's change.
 */
export async function updateWorkspaceSettings(
  db: TDb,
  workspaceId: string,
  change: (workspace: Workspace) => Partial<TWorkspaceSettings>,
): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await db.$transaction(
        async (tx) => {
          const fresh = await tx.workspace.findUniqueOrThrow({ where: { id: workspaceId } });
          const patch = change(fresh);
          await tx.workspace.update({
            where: { id: workspaceId },
            data: { settings: mergeWorkspaceSettings(fresh.settings, patch) },
          });
        },
        { isolationLevel: 'Serializable' },
      );
      return;
    } catch (error) {
      // P2034: a write conflict or deadlock; the transaction can simply be run again.
      if ((error as { code?: string }).code !== 'P2034' || attempt >= 5) throw error;
    }
  }
}

/** The workspace fields applying an event needs (it must exist). */
export function applyWorkspaceOf(db: TDb | TTx, workspaceId: string) {
  return db.workspace.findUniqueOrThrow({
    where: { id: workspaceId },
    select: { id: true, timezone: true, currency: true, settings: true },
  });
}

/** Every workspace (the scheduler serves them all). */
export function allWorkspaces(db: TDb): Promise<Workspace[]> {
  // A fixed order (oldest first), so what the scheduler does in a tick never depends on the store's row order.
  return db.workspace.findMany({ orderBy: [{ createdAt: 'asc' }, { id: 'asc' }] });
}

/** A workspace by id, or null. */
export function workspaceById(db: TDb, workspaceId: string): Promise<Workspace | null> {
  return db.workspace.findUnique({ where: { id: workspaceId } });
}

/** A workspace by id (it must exist). */
export function workspaceByIdOrThrow(db: TDb, workspaceId: string): Promise<Workspace> {
  return db.workspace.findUniqueOrThrow({ where: { id: workspaceId } });
}

/** The id of a Slack team's workspace, or null when the team has none. */
export async function workspaceIdOfTeam(db: TDb, slackTeamId: string): Promise<string | null> {
  const ws = await db.workspace.findUnique({ where: { slackTeamId }, select: { id: true } });
  return ws?.id ?? null;
}

/** The workspace's own reporting columns an admin may change (`/kpi settings`). */
export type TWorkspaceColumns = Partial<
  Pick<Workspace, 'timezone' | 'fiscalYearStartMonth' | 'weekStartsOn' | 'currency' | 'leaderboardChannel'>
>;

/** Changes some of a workspace's reporting columns. */
export async function updateWorkspace(db: TDb, workspaceId: string, data: TWorkspaceColumns): Promise<void> {
  await db.workspace.update({ where: { id: workspaceId }, data });
}

/** A workspace's currency and settings JSON, or null when there is no such workspace. */
export function workspaceCurrencyAndSettings(db: TDb, workspaceId: string) {
  let reads = readsInFlight.get(db);
  if (!reads) {
    reads = new Map();
    readsInFlight.set(db, reads);
  }
  const pending = reads.get(workspaceId);
  if (pending) return pending;
  const read = db.workspace
    .findUnique({ where: { id: workspaceId }, select: { currency: true, settings: true, timezone: true } })
    .finally(() => reads.delete(workspaceId));
  reads.set(workspaceId, read);
  return read;
}

/**
 * The reads of workspaceCurrencyAndSettings under way, per client: webhook requests arriving together (each
 * checks its amounts against the workspace's currency) share one read instead of one each. A request may join a
 * read begun just before it arrived (as concurrent with a settings change as the request itself); nothing is
 * kept once a read ends.
 */
const readsInFlight = new WeakMap<
  TDb,
  Map<string, Promise<{ currency: string; settings: string; timezone: string } | null>>
>();
