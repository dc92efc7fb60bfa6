import type { Installation, InstallationQuery, InstallationStore } from '@slack/bolt';
import type { TLogger } from '../logger.js';
import { open, seal } from '../secret-box.js';
import {
  installationByKey,
  installKeysOfBots,
  installKeysToUninstall,
  liveTeamInstallation,
  saveInstallation,
  wipeInstallation,
} from '../store/installations.js';
import type { TDb } from '../store/store.js';
import { ensureWorkspace } from '../store/workspaces.js';

/** Bolt's key for an installation: the enterprise for an org-wide install, else the team (and its enterprise). */
export function installKeyOf(q: {
  enterpriseId?: string;
  teamId?: string;
  isEnterpriseInstall?: boolean;
}): string {
  return q.isEnterpriseInstall ? `${q.enterpriseId ?? '-'}:-` : `${q.enterpriseId ?? '-'}:${q.teamId ?? '-'}`;
}

/**
 * Bolt's installation store for OAuth distribution, in the database: one row per workspace (or org) install, the
 * whole installation (tokens included) sealed with AES-256-GCM under KPI_ENCRYPTION_KEY. Installing creates the
 * workspace; uninstalling or revoking wipes the tokens (the workspace's data stays until an admin deletes it).
 */
export function createInstallationStore(
  db: TDb,
  key: Buffer,
  opts: { logger: TLogger; timezone: string },
): InstallationStore & {
  /** app_uninstalled: every token of the team is gone. */
  uninstall(q: { teamId?: string; enterpriseId?: string; isEnterpriseInstall?: boolean }): Promise<number>;
  /** tokens_revoked: the bot token is gone if the bot user is among the revoked. */
  revoke(q: { teamId?: string; enterpriseId?: string; botUserIds: string[] }): Promise<number>;
} {
  async function fetchInstallation(query: InstallationQuery<boolean>): Promise<Installation> {
    const installKey = installKeyOf(query);
    let row = await installationByKey(db, installKey);
    // The team's own install when the enterprise is not known (a Grid workspace, asked for by team id only).
    if (!row?.encryptedData && query.teamId && !query.isEnterpriseInstall)
      row = (await liveTeamInstallation(db, query.teamId)) ?? row;
    // A workspace of an org-wide install is served by the org's installation.
    if (!row?.encryptedData && query.enterpriseId && !query.isEnterpriseInstall)
      row = await installationByKey(db, installKeyOf({ ...query, isEnterpriseInstall: true }));
    if (!row || row.uninstalledAt || !row.encryptedData)
      throw new Error(`KPI Bot is not installed for ${installKey}`);
    return JSON.parse(open(row.encryptedData, key, row.installKey)) as Installation;
  }

  return {
    async storeInstallation(installation) {
      const isEnterpriseInstall = Boolean(installation.isEnterpriseInstall);
      const teamId = installation.team?.id;
      const enterpriseId = installation.enterprise?.id;
      const installKey = installKeyOf({ teamId, enterpriseId, isEnterpriseInstall });
      const workspace =
        teamId && !isEnterpriseInstall
          ? await ensureWorkspace(db, teamId, { timezone: opts.timezone, name: installation.team?.name })
          : null;
      const data = {
        workspaceId: workspace?.id ?? null,
        teamId: teamId ?? null,
        enterpriseId: enterpriseId ?? null,
        isEnterpriseInstall,
        botUserId: installation.bot?.userId ?? null,
        botId: installation.bot?.id ?? null,
        scopes: (installation.bot?.scopes ?? []).join(','),
        encryptedData: seal(JSON.stringify(installation), key, installKey),
        uninstalledAt: null,
      };
      await saveInstallation(db, installKey, data);
      opts.logger.info({ installKey, botUserId: data.botUserId }, 'KPI Bot installed');
    },
    fetchInstallation,
    async deleteInstallation(query) {
      await wipe(installKeyOf(query));
    },
    async uninstall(q) {
      // An org-wide install is uninstalled from the whole org; a workspace install from its team.
      const rows = await installKeysToUninstall(db, q);
      for (const r of rows) await wipe(r.installKey);
      return rows.length;
    },
    async revoke(q) {
      if (q.botUserIds.length === 0) return 0;
      const rows = await installKeysOfBots(db, q);
      for (const r of rows) await wipe(r.installKey);
      return rows.length;
    },
  };

  async function wipe(installKey: string) {
    if (await wipeInstallation(db, installKey, new Date()))
      opts.logger.info({ installKey }, 'KPI Bot uninstalled: tokens deleted');
  }
}

export type TInstallationStore = ReturnType<typeof createInstallationStore>;
