/**
 * Metrics that count or sum things that happen: 0 in an empty period, and a team's value is the sum of its
 * reps' values. Written out here (not imported from src) so tests check the code against an independent list.
 * (`churn.first_year_churned` is a count but "no data" when no customer was in their first year: see
 * test/metrics/churn.test.ts.)
 */
export const ADDITIVE_METRIC_IDS = [
  'sales.won_total',
  'sales.won_count',
  'opportunities.created',
  'opportunities.lost',
  'outreach.calls',
  'outreach.emails',
  'outreach.total',
  'social.posts',
  'conversion.mqls',
  'conversion.converted',
  'expertise.assessments',
  'personalization.personalized',
  'personalization.generic',
  'churn.customers_won',
  'churn.customers_lost',
];
