import type { AllMiddlewareArgs, SlackEventMiddlewareArgs } from '@slack/bolt';
import { repMetricsReport } from '../../../reports/rep-metrics.js';
import { teamMetricsReport } from '../../../reports/team-metrics.js';
import type { TSlackDeps } from '../../deps.js';
import { buildHome } from '../../views/home.js';

/** At most one dashboard publish per person per minute, however often they open the tab. */
export const HOME_REFRESH_MS = 60_000;

/**
 * `app_home_opened`: publish the person's dashboard (this month). Bolt acknowledges the event first; the work
 * runs after and is tracked for a graceful shutdown.
 */
export function appHomeOpened(deps: TSlackDeps) {
  const lastPublished = new Map<string, number>();
  return async ({
    event,
    body,
    client,
    logger,
  }: SlackEventMiddlewareArgs<'app_home_opened'> & AllMiddlewareArgs) => {
    if (event.tab !== 'home') return;
    const teamId = body.team_id;
    const key = `${teamId}:${event.user}`;
    const now = deps.clock.now();
    if (now.getTime() - (lastPublished.get(key) ?? Number.NEGATIVE_INFINITY) < HOME_REFRESH_MS) return;
    lastPublished.set(key, now.getTime());
    await deps.inflight.run(async () => {
      try {
        const { workspace, actor } = await deps.resolveActor(teamId, event.user, '');
        const rep = actor.repId
          ? await deps.store.db.rep.findFirst({ where: { id: actor.repId, workspaceId: workspace.id } })
          : null;
        const reports = rep
          ? await deps.store.db.rep.count({
              where: { workspaceId: workspace.id, managerId: rep.id, active: true },
            })
          : 0;
        const [own, team] = await Promise.all([
          rep ? repMetricsReport(deps.store.db, workspace, rep, 'this month', now) : null,
          rep && reports > 0 ? teamMetricsReport(deps.store.db, workspace, rep, 'this month', now) : null,
        ]);
        await client.views.publish({ user_id: event.user, view: buildHome({ own, team }) });
      } catch (error) {
        lastPublished.delete(key);
        logger.error(error);
      }
    });
  };
}
