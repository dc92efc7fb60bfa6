import { leaderboardReport, type TLeaderboard } from '../reports/leaderboard.js';
import { repMetricsReport, type TRepMetricsReport } from '../reports/rep-metrics.js';
import { type TTeamMetricsReport, teamMetricsReport } from '../reports/team-metrics.js';
import { countReportsOf, findRep } from '../store/reps.js';
import type { Rep } from '../store/types.js';
import type { TServiceContext } from './context.js';
import { ServiceError } from './errors.js';
import { actorRep, assertMaySee, isAdmin, NOT_A_REP, requireActorRep } from './permissions.js';

/**
 * Reading the numbers, with who may see what enforced here for every transport: a rep's scorecard (their own,
 * or someone they manage; admins anyone's), a manager's team, and the leaderboard (everyone). Periods are
 * written as people say them (`last month`, `2017-Q2`; docs/metrics.md), the same grammar everywhere.
 */

/** A rep by mention, Slack id, email or name; a polite `not_found` naming them when there is none. */
async function repNamed(ctx: TServiceContext, who: string): Promise<Rep> {
  const rep = await findRep(ctx.store.db, ctx.workspace.id, who);
  if (!rep) {
    const shown = who.replace(/^<@([A-Z0-9]+)\|([^>]*)>$/, '@$2');
    throw new ServiceError(
      'not_found',
      `I do not know ${shown} as a rep here. An admin can add them with a reps import.`,
      'who',
    );
  }
  return rep;
}

/** A rep's scorecard for a period: the asker's own unless `who` names someone they may see. */
export async function scorecard(
  ctx: TServiceContext,
  input: { who?: string; period?: string },
): Promise<TRepMetricsReport> {
  let rep: Rep;
  if (input.who) {
    rep = await repNamed(ctx, input.who);
    await assertMaySee(ctx, rep);
  } else rep = await requireActorRep(ctx);
  return repMetricsReport(ctx.store.db, ctx.workspace, rep, input.period ?? '', ctx.now);
}

/**
 * A manager's team for a period, its reps ranked by a metric (default won revenue): the asker's own team; an
 * admin may name any manager, and without one sees their own team if they have one, else everyone.
 */
export async function teamScorecard(
  ctx: TServiceContext,
  input: { manager?: string; period?: string; metric?: string },
): Promise<TTeamMetricsReport> {
  const me = await actorRep(ctx);
  const admin = isAdmin(ctx, me);
  let manager: Rep | null;
  if (input.manager) {
    manager = await repNamed(ctx, input.manager);
    if (!admin && manager.id !== me?.id)
      throw new ServiceError('forbidden', "Sorry, only KPI Bot admins can see another manager's team.");
  } else if (admin) {
    manager =
      me && (await countReportsOf(ctx.store.db, ctx.workspace.id, me.id, { activeOnly: false })) > 0
        ? me
        : null;
  } else {
    manager = me;
  }
  if (
    manager &&
    !admin &&
    (await countReportsOf(ctx.store.db, ctx.workspace.id, manager.id, { activeOnly: false })) === 0
  ) {
    ctx.logger.info({ actor: ctx.actor.slackUserId ?? ctx.actor.name }, 'permission denied: team');
    throw new ServiceError(
      'forbidden',
      'Team views are for managers and admins, and nobody reports to you in KPI Bot. Your own numbers: /kpi me.',
    );
  }
  if (!manager && !admin) throw new ServiceError('not_found', NOT_A_REP);
  return teamMetricsReport(
    ctx.store.db,
    ctx.workspace,
    manager,
    input.period ?? '',
    ctx.now,
    input.metric ?? 'sales.won_total',
  );
}

/**
 * Reps ranked by one metric for a period (default won revenue this month), best first; the asker's own row
 * besides the top N when they rank below it.
 */
export async function rankReps(
  ctx: TServiceContext,
  input: { metric?: string; period?: string; top?: number },
): Promise<TLeaderboard> {
  return leaderboardReport(
    ctx.store.db,
    ctx.workspace,
    input.metric ?? 'sales.won_total',
    input.period ?? '',
    ctx.now,
    input.top,
    ctx.actor.repId ? { asker: ctx.actor.repId } : {},
  );
}

/** What the App Home tab shows a person: their own scorecard, their team's if people report to them, admin tools. */
export type TDashboard = {
  own: TRepMetricsReport | null;
  team: TTeamMetricsReport | null;
  admin: boolean;
};

/**
 * The personal dashboard for this month: the asker's scorecard (none when they are not set up as a rep), their
 * team's scorecard when active reps report to them, and whether they are a KPI Bot admin.
 */
export async function dashboard(ctx: TServiceContext): Promise<TDashboard> {
  const rep = await actorRep(ctx);
  const admin = isAdmin(ctx, rep);
  if (!rep) return { own: null, team: null, admin };
  const reports = await countReportsOf(ctx.store.db, ctx.workspace.id, rep.id, { activeOnly: true });
  const [own, team] = await Promise.all([
    repMetricsReport(ctx.store.db, ctx.workspace, rep, 'this month', ctx.now),
    reports > 0 ? teamMetricsReport(ctx.store.db, ctx.workspace, rep, 'this month', ctx.now) : null,
  ]);
  return { own, team, admin };
}
