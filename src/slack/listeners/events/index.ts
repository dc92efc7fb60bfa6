import type { App } from '@slack/bolt';
import type { TSlackDeps } from '../../deps.js';
import type { TInstallationStore } from '../../installation-store.js';
import { appHomeOpened } from './home.js';

/** Whether the event came to an org-wide (Enterprise Grid) installation. */
function orgWide(body: {
  is_enterprise_install?: boolean;
  authorizations?: { is_enterprise_install?: boolean }[];
}) {
  return Boolean(body.authorizations?.[0]?.is_enterprise_install ?? body.is_enterprise_install);
}

/**
 * The Events API events KPI Bot subscribes to (manifest.yml's bot_events lists the same; a test keeps them in
 * step). No `message.*` event: the bot does not read or answer DMs, so the Messages tab is read-only.
 */
export const SUBSCRIBED_EVENTS = ['app_home_opened', 'app_uninstalled', 'tokens_revoked'] as const;

export function register(app: App, deps: TSlackDeps, installations?: TInstallationStore): void {
  app.event('app_home_opened', appHomeOpened(deps));
  // Uninstalled, or tokens revoked: the tokens are deleted (OAuth), or the operator is told (one-token mode).
  app.event('app_uninstalled', async ({ body }) => {
    const q = { teamId: body.team_id, enterpriseId: body.enterprise_id, isEnterpriseInstall: orgWide(body) };
    if (installations) await installations.uninstall(q);
    else
      deps.logger.error(
        { team: body.team_id },
        'KPI Bot was uninstalled from the workspace; SLACK_BOT_TOKEN no longer works',
      );
  });
  app.event('tokens_revoked', async ({ event, body }) => {
    const bots = event.tokens.bot ?? [];
    if (installations)
      await installations.revoke({
        teamId: body.team_id,
        enterpriseId: body.enterprise_id,
        botUserIds: bots,
      });
    else if (bots.length)
      deps.logger.error({ team: body.team_id }, 'the bot token was revoked; SLACK_BOT_TOKEN no longer works');
  });
}
