import type { TDb } from './types.js';

/**
 * Slack OAuth installations (Installation): one row per workspace or org install, keyed by Bolt's install key
 * ("<enterprise or ->:<team or ->"), the installation itself sealed (slack/installation-store.ts seals and
 * opens it). An installation belongs to a Slack team or enterprise rather than to a workspace row (an org-wide
 * install has none), so these are looked up by Slack's ids.
 */

/** The installation under a key, or null. */
export function installationByKey(db: TDb, installKey: string) {
  return db.installation.findUnique({ where: { installKey } });
}

/** A team's own (not org-wide) installation still in place, the latest updated first; null when none. */
export function liveTeamInstallation(db: TDb, teamId: string) {
  return db.installation.findFirst({
    where: { teamId, isEnterpriseInstall: false, uninstalledAt: null },
    orderBy: { updatedAt: 'desc' },
  });
}

/** What an installation row holds (besides its key). */
export type TInstallationRow = {
  workspaceId: string | null;
  teamId: string | null;
  enterpriseId: string | null;
  isEnterpriseInstall: boolean;
  botUserId: string | null;
  botId: string | null;
  scopes: string;
  encryptedData: string;
  uninstalledAt: null;
};

/** Creates or replaces the installation under a key. */
export async function saveInstallation(db: TDb, installKey: string, data: TInstallationRow): Promise<void> {
  await db.installation.upsert({ where: { installKey }, create: { installKey, ...data }, update: data });
}

/**
 * The keys of the installations an uninstall of a team or org removes: the team's own install (when a team is
 * named and it is not an org-wide uninstall), the org's org-wide install (for an org-wide uninstall, or when
 * no team is named).
 */
export function installKeysToUninstall(
  db: TDb,
  q: { teamId?: string; enterpriseId?: string; isEnterpriseInstall?: boolean },
) {
  return db.installation.findMany({
    where: {
      OR: [
        ...(q.teamId && !q.isEnterpriseInstall ? [{ teamId: q.teamId, isEnterpriseInstall: false }] : []),
        ...(q.enterpriseId && (q.isEnterpriseInstall || !q.teamId)
          ? [{ enterpriseId: q.enterpriseId, isEnterpriseInstall: true }]
          : []),
      ],
    },
    select: { installKey: true },
  });
}

/** The keys of the installations of a team or org whose bot user is among some ids. */
export function installKeysOfBots(
  db: TDb,
  q: { teamId?: string; enterpriseId?: string; botUserIds: string[] },
) {
  return db.installation.findMany({
    where: {
      botUserId: { in: q.botUserIds },
      OR: [
        ...(q.teamId ? [{ teamId: q.teamId }] : []),
        ...(q.enterpriseId ? [{ enterpriseId: q.enterpriseId }] : []),
      ],
    },
    select: { installKey: true },
  });
}

/** Deletes an installation's tokens and marks it uninstalled; true when there was one under the key. */
export async function wipeInstallation(db: TDb, installKey: string, at: Date): Promise<boolean> {
  const done = await db.installation.updateMany({
    where: { installKey },
    data: { encryptedData: '', uninstalledAt: at },
  });
  return done.count > 0;
}

/** Whether a Slack team has installations and every one of them is uninstalled. */
export async function teamUninstalled(db: TDb, teamId: string): Promise<boolean> {
  const installs = await db.installation.findMany({ where: { teamId }, select: { uninstalledAt: true } });
  return installs.length > 0 && installs.every((i) => i.uninstalledAt);
}
