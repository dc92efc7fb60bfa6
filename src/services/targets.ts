import { z } from 'zod';
import type { TScalarMetric } from '../metrics/scalar.js';
import {
  isTargetProblem,
  managesNobody,
  TARGET_PERIOD_KINDS,
  type TTargetPeriodKind,
  targetAmount,
  targetMetric,
  targetPeriodKind,
  targetStart,
} from '../metrics/target-input.js';
import { calendarOf } from '../reports/present.js';
import { countReportsOf, findRep } from '../store/reps.js';
import { replaceTarget } from '../store/target-imports.js';
import type { Rep } from '../store/types.js';
import type { TServiceContext } from './context.js';
import { inputOf, refuse, ServiceError } from './errors.js';
import { actorRep, isAdmin } from './permissions.js';

export const PERIOD_KINDS = TARGET_PERIOD_KINDS;
export type TPeriodKind = TTargetPeriodKind;
export { targetPeriodKind };

export const ZSetTarget = z.object({
  /** Everyone in the workspace, one rep, or a manager's team. */
  scope: z.enum(['workspace', 'rep', 'team'], { error: 'Choose who the target is for.' }),
  /** The rep, or the team's manager: a Slack user id or mention, an email or a name (not for `workspace`). */
  who: z.string().trim().max(200).optional(),
  metricId: z.string().trim().min(1, { error: 'Say the metric.' }).max(100),
  /** As typed: 50000, 50k, 1.5m, 25% (decimals are checked as written, not as a float holds them). */
  amount: z
    .string()
    .trim()
    .min(1, { error: 'Say the amount.' })
    .max(40, { error: 'The amount is too long.' }),
  /**
   * A period kind (week, month …) or its word (weekly, monthly …); a month when left out. Checked after the
   * metric and the amount, in the order a command writes them.
   */
  period: z.string().trim().max(200, { error: 'Choose weekly, monthly, quarterly or yearly.' }).optional(),
  /**
   * The first period it counts for, as `/kpi me` reads periods (2024-01, 2024-Q1, last month); the current one
   * when left out. It must start where a period of the target's kind starts.
   */
  from: z.string().trim().max(100, { error: 'That period is too long.' }).optional(),
});
export type TSetTargetInput = z.input<typeof ZSetTarget>;

export type TTargetSet = {
  scope: 'workspace' | 'rep' | 'team';
  /** The rep, or the team's manager. */
  who: { id: string; name: string } | null;
  metric: TScalarMetric;
  /** In the metric's unit, major units for money (what the person typed, read). */
  amount: number;
  period: TPeriodKind;
  /** The first period it counts for (the current one, or the one asked for). */
  from: { label: string; start: Date };
  /** A target for the same person, metric, period kind and first period was there, and is replaced. */
  replaced: boolean;
};

export const NOT_ADMIN_FOR_TARGETS =
  'Sorry, targets are set by KPI Bot admins. Ask one, or see yours with /kpi me.';

/**
 * Sets a target for everyone, a rep or a manager's team (KPI Bot admins only), from the start of the current
 * period or of the one `from` names (so history can have targets), replacing a target set before for the same
 * person, metric, period kind and first period. Money is stored exactly in the workspace currency's minor
 * units: an amount finer than the currency's smallest unit is refused, never rounded.
 */
export async function setTarget(ctx: TServiceContext, raw: TSetTargetInput): Promise<TTargetSet> {
  const input = inputOf(ZSetTarget, raw);
  const me = await actorRep(ctx);
  if (!isAdmin(ctx, me)) {
    ctx.logger.info({ actor: ctx.actor.slackUserId ?? ctx.actor.name }, 'permission denied: target');
    throw new ServiceError('forbidden', NOT_ADMIN_FOR_TARGETS);
  }
  let who: Rep | null = null;
  if (input.scope !== 'workspace') {
    if (!input.who)
      refuse('who', input.scope === 'rep' ? 'Choose the rep.' : 'Choose the manager whose team it is.');
    who = await findRep(ctx.store.db, ctx.workspace.id, input.who);
    if (!who)
      refuse('who', `I do not know ${input.who} as a ${input.scope === 'rep' ? 'rep' : 'manager'} here.`);
    if (
      input.scope === 'team' &&
      (await countReportsOf(ctx.store.db, ctx.workspace.id, who.id, { activeOnly: true })) === 0
    )
      refuse('who', managesNobody(who.name));
  }
  const metric = targetMetric(input.metricId);
  if (isTargetProblem(metric)) refuse(metric.problem.field, metric.problem.message);
  const read = targetAmount(metric, input.amount, ctx.workspace.currency);
  if (isTargetProblem(read)) refuse(read.problem.field, read.problem.message);
  const period = input.period ? targetPeriodKind(input.period) : 'month';
  if (!period) refuse('period', `"${input.period}" is not weekly, monthly, quarterly or yearly.`);
  const first = targetStart(period, input.from, ctx.now, calendarOf(ctx.workspace));
  if (isTargetProblem(first)) refuse(first.problem.field, first.problem.message);
  const written = await replaceTarget(ctx.store.db, {
    workspaceId: ctx.workspace.id,
    scope: input.scope,
    repId: who?.id ?? null,
    metricId: metric.id,
    periodKind: period,
    amount: read.stored,
    effectiveFrom: first.start,
    setBySlackId: ctx.actor.slackUserId ?? null,
  });
  ctx.logger.info({ scope: input.scope, metric: metric.id, kind: period, written }, 'target set');
  return {
    scope: input.scope,
    who: who ? { id: who.id, name: who.name } : null,
    metric,
    amount: read.amount,
    period,
    from: { label: first.label, start: first.start },
    replaced: written !== 'created',
  };
}
