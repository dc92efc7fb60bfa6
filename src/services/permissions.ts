import { parseWorkspaceSettings } from '../domain/settings.js';
import { repOfWorkspace } from '../store/reps.js';
import type { Rep } from '../store/types.js';
import type { TServiceContext } from './context.js';
import { ServiceError } from './errors.js';

/**
 * Who may see what, enforced on the server: everyone sees their own numbers and the leaderboard; a manager
 * also sees everyone who reports to them (directly or further down); an admin (role admin, or a Slack user id
 * listed in the workspace setting `admins`) sees everyone.
 */

export async function actorRep(ctx: TServiceContext): Promise<Rep | null> {
  if (!ctx.actor.repId) return null;
  return repOfWorkspace(ctx.store.db, ctx.workspace.id, ctx.actor.repId);
}

/** The asker's rep record, or a polite `not_found` telling them how to get set up. */
export async function requireActorRep(ctx: TServiceContext): Promise<Rep> {
  const rep = await actorRep(ctx);
  if (!rep) throw new ServiceError('not_found', NOT_A_REP);
  return rep;
}

export const NOT_A_REP = 'You are not set up as a rep yet. Ask a KPI Bot admin to add you.';

/** A KPI Bot admin: role admin, a Slack workspace admin or owner, or listed in the workspace setting `admins`. */
export function isAdmin(ctx: Pick<TServiceContext, 'workspace' | 'actor'>, rep: Rep | null): boolean {
  if (rep?.role === 'admin' || ctx.actor.workspaceAdmin) return true;
  const admins = parseWorkspaceSettings(ctx.workspace.settings).admins ?? [];
  return Boolean(ctx.actor.slackUserId && admins.includes(ctx.actor.slackUserId));
}

/** True when `manager` is `target`'s manager, or their manager's manager, and so on (cycles are cut). */
export async function manages(ctx: TServiceContext, manager: Rep, target: Rep): Promise<boolean> {
  let current: string | null = target.managerId;
  const seen = new Set<string>();
  while (current && !seen.has(current)) {
    if (current === manager.id) return true;
    seen.add(current);
    current = (await repOfWorkspace(ctx.store.db, ctx.workspace.id, current))?.managerId ?? null;
  }
  return false;
}

/** Throws a polite `forbidden` unless the asker may see the target's details. */
export async function assertMaySee(ctx: TServiceContext, target: Rep): Promise<void> {
  const me = await actorRep(ctx);
  if (me?.id === target.id || isAdmin(ctx, me)) return;
  if (me && (await manages(ctx, me, target))) return;
  ctx.logger.info({ actor: ctx.actor.slackUserId ?? ctx.actor.name, target: target.id }, 'permission denied');
  throw new ServiceError(
    'forbidden',
    `Sorry, ${target.name}'s details are for them, their manager and KPI Bot admins. You can see your own with /kpi me, and everyone's rank with /kpi leaderboard.`,
  );
}
