import { z } from 'zod';
import { closestMatch } from '../domain/closest.js';
import { minorDigits, parseAmount } from '../domain/money.js';
import { periodContaining } from '../metrics/periods.js';
import { SCALAR_METRICS, type TScalarMetric } from '../metrics/scalar.js';
import { storedTargetAmount, targetScale } from '../metrics/targets.js';
import { calendarOf } from '../reports/present.js';
import { findRep } from '../store/reps.js';
import { insertTarget } from '../store/targets.js';
import type { Rep } from '../store/types.js';
import type { TServiceContext } from './context.js';
import { inputOf, refuse, ServiceError } from './errors.js';
import { actorRep, isAdmin } from './permissions.js';

export const PERIOD_KINDS = ['week', 'month', 'quarter', 'year'] as const;
export type TPeriodKind = (typeof PERIOD_KINDS)[number];

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
  /** The first period it counts for (the current one). */
  from: { label: string; start: Date };
};

/** The words for each period kind a target may have (the kinds themselves included). */
const PERIOD_WORDS: Record<string, TPeriodKind> = {
  week: 'week',
  weekly: 'week',
  month: 'month',
  monthly: 'month',
  quarter: 'quarter',
  quarterly: 'quarter',
  year: 'year',
  yearly: 'year',
  annual: 'year',
};

/** The period kind a word names (week, weekly …), or null. */
export function targetPeriodKind(word: string): TPeriodKind | null {
  return Object.hasOwn(PERIOD_WORDS, word.toLowerCase()) ? (PERIOD_WORDS[word.toLowerCase()] ?? null) : null;
}

export const NOT_ADMIN_FOR_TARGETS =
  'Sorry, targets are set by KPI Bot admins. Ask one, or see yours with /kpi me.';

/**
 * Sets a target for everyone, a rep or a manager's team (KPI Bot admins only), from the start of the current
 * period. Money is stored exactly in the workspace currency's minor units: an amount finer than the currency's
 * smallest unit is refused, never rounded.
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
  }
  const metric = SCALAR_METRICS.find((m) => m.id === input.metricId.toLowerCase());
  if (!metric) {
    const near = closestMatch(
      input.metricId,
      SCALAR_METRICS.map((m) => m.id),
    );
    refuse(
      'metricId',
      `${input.metricId} is not a metric${near ? ` (did you mean ${near}?)` : ''}. The ids are in docs/metrics.md.`,
    );
  }
  if (metric.unit === 'percent_change')
    // Pace and attainment need an amount that grows through the period: a change against the previous period
    // swings from −100% on its first day, cannot be scaled from a month to a quarter, and may be negative.
    refuse(
      'metricId',
      `${metric.id} (${metric.title}) is a change against the previous period, not an amount to reach, so it takes no target. Set one on ${metric.id === 'sales.change_vs_previous' ? 'sales.won_total' : 'the figure it compares'} instead, e.g. last period's figure plus 10%.`,
    );
  const typedAmount = input.amount.replace(/\s+/g, '');
  let amount = parseAmount(typedAmount);
  if (amount === null || amount <= 0)
    refuse('amount', `The amount must be a positive number such as 50000, 50k or 75%, got "${typedAmount}".`);
  if (metric.unit === 'share') {
    // A share written without % (25) means percent; 0.25 is the same share as a fraction.
    if (!typedAmount.includes('%') && amount > 1) amount /= 100;
    if (amount > 1)
      refuse('amount', `${metric.title} is a share: the amount is at most 100%, got "${typedAmount}".`);
  }
  if (amount >= 1e12) refuse('amount', `The amount is too large, got "${typedAmount}".`);
  const digits = minorDigits(ctx.workspace.currency);
  const minor = amount * 10 ** digits;
  // Decimals as typed (1.5k has none left over: 1500), not of the float, which 1,234,567,890.12 would fail.
  const typed = /\.(\d+)\s*([kKmM])?$/.exec(typedAmount.replace(/%$/, ''));
  const shift = typed?.[2] ? (typed[2].toLowerCase() === 'k' ? 3 : 6) : 0;
  const decimals = Math.max(0, (typed?.[1]?.replace(/0+$/, '').length ?? 0) - shift);
  if (metric.unit === 'money' && decimals > digits)
    refuse(
      'amount',
      `${ctx.workspace.currency.toUpperCase()} has ${digits} decimal place${digits === 1 ? '' : 's'}; "${typedAmount}" has more.`,
    );
  const stored = metric.unit === 'money' ? Math.round(minor) : amount;
  // Targets are stored as integers (money in minor units, counts whole, other units in millionths): refused
  // when the amount has no exact integer form, never rounded.
  if (storedTargetAmount(stored, metric.unit) === null)
    refuse(
      'amount',
      Math.abs(stored) * targetScale(metric.unit) > Number.MAX_SAFE_INTEGER
        ? `The amount is too large, got "${typedAmount}".`
        : metric.unit === 'count'
          ? `${metric.title} is counted in whole numbers; "${typedAmount}" is not one.`
          : `"${typedAmount}" is finer than a target keeps (a millionth${metric.unit === 'share' ? ', 0.0001%' : ''}).`,
    );
  const period = input.period ? targetPeriodKind(input.period) : 'month';
  if (!period) refuse('period', `"${input.period}" is not weekly, monthly, quarterly or yearly.`);
  const current = periodContaining(period, ctx.now, calendarOf(ctx.workspace));
  await insertTarget(ctx.store.db, {
    workspaceId: ctx.workspace.id,
    scope: input.scope,
    repId: who?.id ?? null,
    metricId: metric.id,
    periodKind: period,
    amount: stored,
    effectiveFrom: current.start,
    setBySlackId: ctx.actor.slackUserId ?? null,
  });
  ctx.logger.info({ scope: input.scope, metric: metric.id, kind: period }, 'target set');
  return {
    scope: input.scope,
    who: who ? { id: who.id, name: who.name } : null,
    metric,
    amount,
    period,
    from: { label: current.label, start: current.start },
  };
}
