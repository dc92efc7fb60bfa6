import type { TClock } from '../clock.js';
import type { createSlackActorResolver } from '../commands/context.js';
import type { TCommandRouter } from '../commands/execute.js';
import type { TCommandContext } from '../commands/types.js';
import type { Inflight } from '../inflight.js';
import type { TLogger } from '../logger.js';
import type { TStore } from '../store/store.js';
import type { TChartImages } from './charts.js';
import type { THomeDashboard, THomeTiming } from './home-dashboard.js';

/** What Slack listeners may use; built once in main.ts. */
export type TSlackDeps = {
  store: TStore;
  router: TCommandRouter;
  logger: TLogger;
  clock: TClock;
  inflight: Inflight;
  resolveActor: ReturnType<typeof createSlackActorResolver>;
  /** Chart specs to Slack image blocks (rendered, uploaded, reused). */
  charts: TChartImages;
  /** App Home dashboards (published on open, refreshed when facts change). */
  home: THomeDashboard;
  /** App Home refresh timing (tests shorten it). */
  homeTiming?: THomeTiming;
  /** A workspace's webhook URL for a source path (with its key when the server serves many workspaces). */
  webhookUrl?: (teamId: string, path: string) => string;
};

/** The context a `/kpi` command runs in for a Slack user (slash command, form, Share button alike). */
export async function commandContext(
  deps: TSlackDeps,
  teamId: string,
  userId: string,
  userName = '',
): Promise<TCommandContext> {
  const { workspace, actor } = await deps.resolveActor(teamId, userId, userName);
  return {
    workspace,
    actor,
    now: deps.clock.now(),
    store: deps.store,
    logger: deps.logger,
    onFactsChanged: deps.home.factsChanged,
    ...(deps.webhookUrl ? { webhookUrl: (path: string) => deps.webhookUrl?.(teamId, path) ?? path } : {}),
  };
}
