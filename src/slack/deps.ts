import type { TClock } from '../clock.js';
import type { createSlackActorResolver } from '../commands/context.js';
import type { TCommandRouter } from '../commands/execute.js';
import type { Inflight } from '../inflight.js';
import type { TLogger } from '../logger.js';
import type { TStore } from '../store/store.js';
import type { TChartImages } from './charts.js';
import type { THomeDashboard } from './home-dashboard.js';

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
  homeTiming?: { refreshMs: number; settleMs: number };
};
