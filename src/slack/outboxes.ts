import { createLocalOutbox, createSlackOutbox, type TOutbox } from '../jobs/outbox.js';
import type { TLogger } from '../logger.js';
import type { Workspace } from '../store/types.js';
import type { TSlackApp } from './app.js';
import type { TChartImages } from './charts.js';

/** Local mode's leaderboard "channel": the terminal (or the log). */
export const LOCAL_LEADERBOARD = 'leaderboard';

/**
 * Where a workspace's scheduled messages go: its Slack workspace (the job client: no blind retries; charts
 * uploaded with the normal client), or, in local mode, the log.
 */
export async function jobOutbox(
  workspace: Workspace,
  slack: { clientFor: TSlackApp['clientFor']; charts: TChartImages } | undefined,
  logger: TLogger,
): Promise<TOutbox | undefined> {
  if (!slack) return createLocalOutbox((text) => logger.info(`job message\n${text}`));
  const client = await slack.clientFor(workspace.slackTeamId, { job: true });
  const uploads = await slack.clientFor(workspace.slackTeamId);
  if (!client || !uploads) return undefined;
  return createSlackOutbox({
    client,
    logger,
    chart: (spec) => slack.charts.imageBlock(uploads, workspace.slackTeamId, spec),
  });
}
