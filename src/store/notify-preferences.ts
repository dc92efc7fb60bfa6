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

/** Writes some of one person's preferences (the rest kept); `undefined` removes a key (back to the default). */
export async function changeNotifyPreferences(
  db: TDb,
  workspaceId: string,
  slackUserId: string,
  patch: Partial<TNotifyPreferences>,
): Promise<TNotifyPreferences> {
  return db.$transaction(async (tx) => {
    const row = await tx.notifyPreference.findUnique({
      where: { workspaceId_slackUserId: { workspaceId, slackUserId } },
    });
    const next: Record<string, unknown> = { ...parseNotifyPreferences(row?.settings) };
    for (const [k, v] of Object.entries(patch)) {
      if (v === undefined) delete next[k];
      else next[k] = v;
    }
    const settings = JSON.stringify(next);
    await tx.notifyPreference.upsert({
      where: { workspaceId_slackUserId: { workspaceId, slackUserId } },
      create: { workspaceId, slackUserId, settings },
      update: { settings },
    });
    return parseNotifyPreferences(settings);
  });
}
