import type { WebClient } from '@slack/web-api';
import { BoundedMap } from '../bounded-map.js';
import { scorecardChart } from '../charts/specs.js';
import { dashboard } from '../services/scorecards.js';
import { buildHome } from '../views/home.js';
import type { TSlackDeps } from './deps.js';

/** At most one dashboard publish per person per minute, however often they open the tab or facts arrive. */
export const HOME_REFRESH_MS = 60_000;
/** New facts are gathered this long before dashboards are refreshed (a webhook burst is one refresh). */
export const HOME_SETTLE_MS = 5_000;
/** People whose tab is refreshed when facts change: those who opened it within this window. */
export const HOME_VIEWER_WINDOW_MS = 7 * 24 * 60 * 60 * 1000;

/** A dashboard refused with its chart is tried once more after this wait. */
export const HOME_CHART_RETRY_MS = 1_000;
/** In-process memory of dashboards: at most this many people (and workspaces). */
const MAX_PEOPLE = 50_000;

export type THomeTiming = {
  refreshMs: number;
  settleMs: number;
  chartRetryMs?: number;
  /** Starts a timer and returns its cancel; tests give one on their own clock. Default: setTimeout, unref'd. */
  setTimer?: (run: () => void, ms: number) => () => void;
};

function realTimer(run: () => void, ms: number): () => void {
  const timer = setTimeout(run, ms).unref();
  return () => clearTimeout(timer);
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

type TViewer = { teamId: string; userId: string; openedAt: number };

/**
 * The App Home dashboards: published when someone opens the tab, and republished for recent viewers of a
 * workspace when new facts arrive there (webhooks, imports, `/kpi log`), never more than once a minute per
 * person. Publishing runs after Slack's ack and is tracked for a graceful shutdown.
 */
export function createHomeDashboard(
  deps: Omit<TSlackDeps, 'home'>,
  clientFor: (teamId: string) => Promise<WebClient | undefined>,
  timing: THomeTiming = { refreshMs: HOME_REFRESH_MS, settleMs: HOME_SETTLE_MS },
) {
  const lastPublished = new BoundedMap<string, number>(MAX_PEOPLE);
  /** Workspace id -> viewers by Slack user id. */
  const viewers = new BoundedMap<string, BoundedMap<string, TViewer>>(MAX_PEOPLE);
  const setTimer = timing.setTimer ?? realTimer;
  /** Cancels of the timers set (settling facts per workspace, a person's next refresh). */
  const pending = new Map<string, () => void>();
  const later = new Map<string, () => void>();
  let stopped = false;

  async function publish(
    teamId: string,
    userId: string,
    client: WebClient,
    openedNow = false,
  ): Promise<void> {
    const key = `${teamId}:${userId}`;
    const now = deps.clock.now();
    lastPublished.set(key, now.getTime());
    try {
      const { workspace, actor } = await deps.resolveActor(teamId, userId, '');
      if (openedNow) {
        const byWorkspace = viewers.get(workspace.id) ?? new BoundedMap<string, TViewer>(MAX_PEOPLE);
        byWorkspace.set(userId, { teamId, userId, openedAt: now.getTime() });
        viewers.set(workspace.id, byWorkspace);
      }
      const { own, team, admin } = await dashboard({
        workspace,
        actor,
        now,
        store: deps.store,
        logger: deps.logger,
      });
      const spec = own ? scorecardChart(own) : undefined;
      const image = spec ? await deps.charts.imageBlock(client, teamId, spec) : undefined;
      const withChart = () =>
        client.views.publish({ user_id: userId, view: buildHome({ own, team, image, admin }) });
      try {
        await withChart();
      } catch (error) {
        if (!image) throw error;
        // Slack may not have processed a just-uploaded chart yet: once more a moment later. Then the numbers go
        // out without it, and the picture is not offered again for a while (no upload on every refresh).
        deps.logger.warn({ err: error }, 'App Home with chart refused; trying again');
        await sleep(timing.chartRetryMs ?? HOME_CHART_RETRY_MS);
        try {
          await withChart();
        } catch (again) {
          deps.logger.warn({ err: again }, 'App Home with chart refused again; publishing without it');
          deps.charts.forget(image, client);
          await client.views.publish({ user_id: userId, view: buildHome({ own, team, admin }) });
        }
      }
    } catch (error) {
      lastPublished.delete(key);
      deps.logger.error({ err: error, team: teamId, user: userId }, 'App Home publish failed');
    }
  }

  /** `app_home_opened` on the Home tab. */
  async function opened(teamId: string, userId: string, client: WebClient): Promise<void> {
    const now = deps.clock.now().getTime();
    if (now - (lastPublished.get(`${teamId}:${userId}`) ?? Number.NEGATIVE_INFINITY) < timing.refreshMs)
      return;
    await deps.inflight.run(() => publish(teamId, userId, client, true));
  }

  async function refreshWorkspace(workspaceId: string): Promise<void> {
    const now = deps.clock.now().getTime();
    const list = viewers.get(workspaceId);
    if (!list) return;
    for (const v of [...list.values()]) {
      if (stopped) return;
      if (now - v.openedAt > HOME_VIEWER_WINDOW_MS) {
        list.delete(v.userId);
        continue;
      }
      const key = `${v.teamId}:${v.userId}`;
      const wait = (lastPublished.get(key) ?? Number.NEGATIVE_INFINITY) + timing.refreshMs - now;
      const client = await clientFor(v.teamId);
      if (!client) continue;
      if (wait <= 0) await publish(v.teamId, v.userId, client);
      else if (!later.has(key)) {
        // Published a moment ago: once more when the minute is up, so the newest facts still show.
        later.set(
          key,
          setTimer(() => {
            later.delete(key);
            if (!stopped) void deps.inflight.run(() => publish(v.teamId, v.userId, client)).catch(() => {});
          }, wait),
        );
      }
    }
  }

  /** New facts in a workspace: refresh its recent viewers' dashboards once things settle. */
  function factsChanged(workspaceId: string): void {
    if (stopped || pending.has(workspaceId) || !viewers.has(workspaceId)) return;
    pending.set(
      workspaceId,
      setTimer(() => {
        pending.delete(workspaceId);
        if (!stopped) void deps.inflight.run(() => refreshWorkspace(workspaceId)).catch(() => {});
      }, timing.settleMs),
    );
  }

  /** Refreshes still to come (facts settling, or a person's refresh interval running out): tests wait for none. */
  function scheduled(): number {
    return pending.size + later.size;
  }

  function stop(): void {
    stopped = true;
    for (const cancel of [...pending.values(), ...later.values()]) cancel();
    pending.clear();
    later.clear();
  }

  return { opened, factsChanged, scheduled, stop };
}

export type THomeDashboard = ReturnType<typeof createHomeDashboard>;
