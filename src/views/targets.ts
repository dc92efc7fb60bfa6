import type { TScalarMetric } from '../metrics/scalar.js';
import { formatMetric } from '../reports/format.js';
import { escapeMrkdwn } from './help.js';

const ADJECTIVE = { week: 'a week', month: 'a month', quarter: 'a quarter', year: 'a year' };

/** "Target set: Dana's team, Won revenue $50,000 a month, from November 2026." (mrkdwn; the name escaped). */
export function targetSetText(
  set: {
    scope: 'workspace' | 'rep' | 'team';
    who: { name: string } | null;
    metric: TScalarMetric;
    amount: number;
    period: keyof typeof ADJECTIVE;
    from: { label: string };
  },
  workspace: { currency: string; locale: string },
): string {
  const name = escapeMrkdwn(set.who?.name ?? '');
  const whom = set.scope === 'workspace' ? 'everyone' : set.scope === 'team' ? `${name}'s team` : name;
  const figure = formatMetric(set.amount, set.metric.unit, workspace.currency, workspace.locale);
  return `Target set: ${whom}, ${escapeMrkdwn(set.metric.title)} ${escapeMrkdwn(figure)} ${ADJECTIVE[set.period]}, from ${set.from.label}.`;
}
