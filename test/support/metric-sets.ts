/**
 * Metrics that count or sum things that happen: 0 in an empty period, and a team's value is the sum of its
 * reps' values. Written out here (not imported from src) so tests check the code against an independent list.
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
  'churn.first_year_churned',
  'churn.customers_lost',
];
