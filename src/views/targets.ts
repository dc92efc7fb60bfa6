import type { TScalarMetric } from '../metrics/scalar.js';
import { isAdditive } from '../metrics/targets.js';
import { formatMetric } from '../reports/format.js';
import { buildConfirmation, escapeMrkdwn } from './help.js';
import { plain } from './terminal.js';
import type { TReply, TReplyData } from './types.js';

const ADJECTIVE = { week: 'a week', month: 'a month', quarter: 'a quarter', year: 'a year' };

/** A target as the targets service returns it. */
export type TTargetSetView = {
  scope: 'workspace' | 'rep' | 'team';
  who: { id?: string; name: string } | null;
  metric: TScalarMetric;
  /** In the metric's unit, major units for money. */
  amount: number;
  period: keyof typeof ADJECTIVE;
  from: { label: string; start?: Date };
  /** It replaces a target set before for the same person, metric, period kind and first period. */
  replaced?: boolean;
};

type TMoney = { currency: string; locale: string };

/** The sentence, each name passed through `name` (escaped for Slack, or as written for a terminal). */
function sentence(set: TTargetSetView, workspace: TMoney, name: (s: string) => string): string {
  const who = name(set.who?.name ?? '');
  const whom = set.scope === 'workspace' ? 'everyone' : set.scope === 'team' ? `${who}'s team` : who;
  // Exact: the amount as typed (a list's whole dollars would round a confirmed $50,000.50).
  const figure = formatMetric(set.amount, set.metric.unit, workspace.currency, workspace.locale, {
    exact: true,
  });
  const replaced = set.replaced ? ' It replaces the one set before for the same start.' : '';
  // A team's or everyone's target applies to each rep in full, never split (docs/metrics.md, "Targets").
  const perRep = set.scope === 'team' ? ' per rep' : set.scope === 'workspace' ? ' per rep' : '';
  const precedence =
    set.scope === 'team'
      ? ' A rep with a target of their own keeps it.'
      : set.scope === 'workspace'
        ? " A rep with a target of their own or their team's keeps it."
        : '';
  // A sum is per period ("$50,000 a month"); a level (a rate, an average) is the same in every period, so no
  // "a month" that would read as if it added up.
  const per = isAdditive(set.metric.id) ? ` ${ADJECTIVE[set.period]}` : '';
  return `Target set: ${whom}, ${name(set.metric.title)} ${name(figure)}${per}${perRep}, from ${set.from.label}.${precedence}${replaced}`;
}

/**
 * "Target set: Dana's team, Won revenue $50,000 a month per rep, from November 2026. A rep with a target of their
 * own keeps it." (mrkdwn; the name escaped).
 */
export function targetSetText(set: TTargetSetView, workspace: TMoney): string {
  return sentence(set, workspace, escapeMrkdwn);
}

/** The same sentence for a terminal: names as written. */
export function targetSetPlain(set: TTargetSetView, workspace: TMoney): string {
  return sentence(set, workspace, plain);
}

/**
 * The target as data: whose (scope, the rep or manager), the metric's id and unit, the amount in the metric's
 * unit (money in major units of `currency`), the period kind and the first period it counts for.
 */
export function targetSetJson(set: TTargetSetView, workspace: TMoney): TReplyData {
  return {
    type: 'target_set',
    scope: set.scope,
    who: set.who ? { id: set.who.id ?? null, name: set.who.name } : null,
    metric: set.metric.id,
    unit: set.metric.unit,
    amount: set.amount,
    currency: workspace.currency,
    period: set.period,
    from: { label: set.from.label, start: set.from.start ? set.from.start.toISOString() : null },
    replaced: Boolean(set.replaced),
  };
}

/** `/kpi target set`: the target confirmed, in its three views. */
export function buildTargetSet(set: TTargetSetView, workspace: TMoney): TReply {
  return buildConfirmation({
    mrkdwn: targetSetText(set, workspace),
    plain: targetSetPlain(set, workspace),
    data: targetSetJson(set, workspace),
  });
}
