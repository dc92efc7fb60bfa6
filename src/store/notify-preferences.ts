import {
  parseNotifyPreferences,
  resolveNotify,
  type TNotifyPreferences,
  type TResolvedNotify,
} from '../domain/notify.js';
import { parseWorkspaceSettings } from '../domain/settings.js';
import type { TDb, Workspace } from './types.js';

/** One person's stored preferences (only what they chose; `resolveNotify` fills in the defaults). */
export async function storedNotifyPreferences(
  db: TDb,
  workspaceId: string,
  slackUserId: string,
): Promise<TNotifyPreferences> {
  const row = await db.notifyPreference.findUnique({
    where: { workspaceId_slackUserId: { workspaceId, slackUserId } },
  });
  return parseNotifyPreferences(row?.settings);
}

/** What one person receives, defaults filled in (the workspace's old rankOptIn list still counts for rank DMs). */
export async function notifyPreferencesOf(
  db: TDb,
  workspace: Pick<Workspace, 'id' | 'settings'>,
  slackUserId: string,
): Promise<TResolvedNotify> {
  const legacy = (parseWorkspaceSettings(workspace.settings).rankOptIn ?? []).includes(slackUserId);
  return resolveNotify(await storedNotifyPreferences(db, workspace.id, slackUserId), legacy);
}

/** Every person of the workspace with stored preferences, resolved (one query, for jobs that message many). */
export async function notifyPreferencesOfWorkspace(
  db: TDb,
  workspace: Pick<Workspace, 'id' | 'settings'>,
): Promise<{ of(slackUserId: string): TResolvedNotify; stored: string[] }> {
  const rows = await db.notifyPreference.findMany({ where: { workspaceId: workspace.id } });
  const legacy = new Set(parseWorkspaceSettings(workspace.settings).rankOptIn ?? []);
  const byUser = new Map(rows.map((r) => [r.slackUserId, parseNotifyPreferences(r.settings)]));
  return {
    of: (id) => resolveNotify(byUser.get(id) ?? {}, legacy.has(id)),
    stored: [...byUser.keys()],
  };
}

/**
 * Writes some of one person's preferences (the rest kept); `undefined` removes a key (back to the default).
 * Compare-and-swap on the stored text, tried again when another change got there first, so two changes at the
 * same moment (a button and a command, two replicas) both stick on SQLite and PostgreSQL alike: no lost update.
 */
export async function changeNotifyPreferences(
  db: TDb,
  workspaceId: string,
  slackUserId: string,
  patch: Partial<TNotifyPreferences>,
): Promise<TNotifyPreferences> {
  const where = { workspaceId_slackUserId: { workspaceId, slackUserId } };
  for (let attempt = 0; attempt < 50; attempt++) {
    const row = await db.notifyPreference.findUnique({ where });
    const next: Record<string, unknown> = { ...parseNotifyPreferences(row?.settings) };
    for (const [k, v] of Object.entries(patch)) {
      if (v === undefined) delete next[k];
      else next[k] = v;
    }
    const settings = JSON.stringify(next);
    if (!row) {
      // The first choice: a row another change inserted meanwhile makes this one go round again.
      const created =
        await db.$executeRaw`INSERT INTO "NotifyPreference" ("workspaceId", "slackUserId", "settings", "updatedAt")
        VALUES (${workspaceId}, ${slackUserId}, ${settings}, ${new Date()})
        ON CONFLICT ("workspaceId", "slackUserId") DO NOTHING`;
      if (created === 1) return parseNotifyPreferences(settings);
      continue;
    }
    const swapped = await db.notifyPreference.updateMany({
      where: { workspaceId, slackUserId, settings: row.settings },
      data: { settings },
    });
    if (swapped.count === 1) return parseNotifyPreferences(settings);
  }
  throw new Error('could not save the preferences: too many changes at the same moment');
}
