import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { SCALAR_METRICS } from '../../src/metrics/scalar.js';

const REQUIRED_IDS = [
  'sales.won_total',
  'sales.won_count',
  'sales.avg_deal_size',
  'sales.target_attainment',
  'sales.change_vs_previous',
  'opportunities.created',
  'opportunities.lost',
  'opportunities.created_to_lost_ratio',
  'opportunities.win_rate',
  'funnel.open_by_stage',
  'funnel.stage_conversion',
  'funnel.median_days_in_stage',
  'funnel.bottleneck',
  'funnel.open_stage_unknown',
  'outreach.calls',
  'outreach.emails',
  'outreach.total',
  'outreach.target_attainment',
  'linkedin.followers',
  'linkedin.followers_growth',
  'linkedin.connection_acceptance_rate',
  'linkedin.inbound_inquiries',
  'linkedin.referrals',
  'linkedin.profile_views',
  'linkedin.profile_views_growth',
  'social.posts',
  'social.shares_per_post',
  'social.comments_per_post',
  'social.likes_per_post',
  'conversion.mqls',
  'conversion.converted',
  'conversion.rate',
  'expertise.avg_score',
  'expertise.assessments',
  'expertise.days_since_training',
  'personalization.personalized',
  'personalization.generic',
  'personalization.share',
  'personalization.target_attainment',
  'churn.customers_won',
  'churn.first_year_churned',
  'churn.first_year_churn_rate',
  'churn.customers_lost',
];

async function documentedIds(): Promise<string[]> {
  const doc = await readFile(new URL('../../docs/metrics.md', import.meta.url), 'utf8');
  // The id column: a table row that starts with a backticked id.
  return [...doc.matchAll(/^\| `([a-z]+\.[a-z_]+)` \|/gm)].map((m) => m[1] as string);
}

describe('metric ids', () => {
  it('docs/metrics.md defines every required id exactly once', async () => {
    const ids = await documentedIds();
    expect(new Set(ids).size).toBe(ids.length);
    expect([...ids].sort()).toEqual([...REQUIRED_IDS].sort());
  });

  it('every computed scalar metric is documented; the only others are the funnel metrics', async () => {
    const ids = await documentedIds();
    const computed = SCALAR_METRICS.map((m) => m.id);
    for (const id of computed) expect(ids, id).toContain(id);
    const notComputed = ids.filter((id) => !computed.includes(id));
    expect(notComputed.every((id) => id.startsWith('funnel.'))).toBe(true);
  });

  it('ids are unique in code', () => {
    const ids = SCALAR_METRICS.map((m) => m.id);
    expect(new Set(ids).size).toBe(ids.length);
  });
});
