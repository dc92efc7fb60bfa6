import { describe, expect, it } from 'vitest';
import { NO_FACTS, type TFacts } from '../../src/metrics/facts.js';
import { parsePeriod, previousPeriod, type TCalendar } from '../../src/metrics/periods.js';
import { computeScalarMetrics, SCALAR_METRICS } from '../../src/metrics/scalar.js';
import { DEFAULT_TARGETS, scaleTarget, targetProgress } from '../../src/metrics/targets.js';
import { ADDITIVE_METRIC_IDS } from '../support/metric-sets.js';

const NY: TCalendar = { timezone: 'America/New_York', fiscalYearStartMonth: 1, weekStartsOn: 1 };
const d = (s: string) => new Date(s);
const now = d('2017-07-10T15:00:00Z');
const june = parsePeriod('2017-06', now, NY);
const may = previousPeriod(june, NY);

/**
 * A hand-made June 2017 in New York. Every expected figure below is worked out by hand from these rows.
 * "late" rows sit on the month boundary in New York time (UTC shown).
 */
const facts: TFacts = {
  deals: [
    {
      amountMinor: 100_000,
      status: 'won',
      stage: 'won',
      openedAt: d('2017-05-10T12:00:00Z'),
      closedAt: d('2017-06-05T12:00:00Z'),
    },
    // 23:30 on June 30 in New York = July 1 in UTC: still June here.
    {
      amountMinor: 50_000,
      status: 'won',
      stage: 'won',
      openedAt: d('2017-06-02T12:00:00Z'),
      closedAt: d('2017-07-01T03:30:00Z'),
    },
    // 23:30 on May 31 in New York (= June 1 03:30 UTC): May. 00:30 on June 1 in New York: June.
    {
      amountMinor: 80_000,
      status: 'won',
      stage: 'won',
      openedAt: d('2017-04-01T12:00:00Z'),
      closedAt: d('2017-06-01T03:30:00Z'),
    },
    {
      amountMinor: 40_000,
      status: 'won',
      stage: 'won',
      openedAt: d('2017-04-01T12:00:00Z'),
      closedAt: d('2017-06-01T04:30:00Z'),
    },
    {
      amountMinor: 70_000,
      status: 'lost',
      stage: 'lost',
      openedAt: d('2017-06-03T12:00:00Z'),
      closedAt: d('2017-06-20T12:00:00Z'),
    },
    {
      amountMinor: 0,
      status: 'open',
      stage: 'proposal',
      openedAt: d('2017-06-15T12:00:00Z'),
      closedAt: null,
    },
    {
      amountMinor: 0,
      status: 'open',
      stage: 'qualified',
      openedAt: d('2017-06-25T12:00:00Z'),
      closedAt: null,
    },
  ],
  activities: [
    { kind: 'call', personalized: null, count: 10, occurredAt: d('2017-06-10T12:00:00Z') },
    { kind: 'call', personalized: true, count: 5, occurredAt: d('2017-06-11T12:00:00Z') },
    { kind: 'email', personalized: true, count: 20, occurredAt: d('2017-06-12T12:00:00Z') },
    { kind: 'email', personalized: false, count: 60, occurredAt: d('2017-06-12T12:00:00Z') },
    { kind: 'linkedin_message', personalized: true, count: 5, occurredAt: d('2017-06-13T12:00:00Z') },
    { kind: 'meeting', personalized: true, count: 3, occurredAt: d('2017-06-14T12:00:00Z') },
    { kind: 'call', personalized: null, count: 99, occurredAt: d('2017-05-14T12:00:00Z') },
  ],
  socialSnapshots: [
    { network: 'linkedin', metric: 'followers', value: 1000, at: d('2017-05-20T12:00:00Z') },
    { network: 'linkedin', metric: 'followers', value: 1100, at: d('2017-06-15T12:00:00Z') },
    { network: 'linkedin', metric: 'followers', value: 1150, at: d('2017-06-29T12:00:00Z') },
    { network: 'linkedin', metric: 'followers', value: 1300, at: d('2017-07-05T12:00:00Z') },
    { network: 'linkedin', metric: 'profile_views', value: 240, at: d('2017-06-29T12:00:00Z') },
    { network: 'linkedin', metric: 'requests_sent', value: 40, at: d('2017-06-10T12:00:00Z') },
    { network: 'linkedin', metric: 'requests_accepted', value: 10, at: d('2017-06-10T12:00:00Z') },
    { network: 'linkedin', metric: 'inquiries', value: 3, at: d('2017-06-10T12:00:00Z') },
    { network: 'linkedin', metric: 'inquiries', value: 2, at: d('2017-06-20T12:00:00Z') },
  ],
  socialPosts: [
    { network: 'linkedin', postedAt: d('2017-06-05T12:00:00Z'), shares: 4, comments: 10, likes: 50 },
    { network: 'twitter', postedAt: d('2017-06-06T12:00:00Z'), shares: 2, comments: 0, likes: 20 },
    { network: 'linkedin', postedAt: d('2017-05-06T12:00:00Z'), shares: 100, comments: 100, likes: 100 },
  ],
  leads: [
    { mqlAt: d('2017-06-01T12:00:00Z'), convertedAt: d('2017-06-20T12:00:00Z') },
    { mqlAt: d('2017-06-02T12:00:00Z'), convertedAt: d('2017-07-08T12:00:00Z') },
    { mqlAt: d('2017-06-03T12:00:00Z'), convertedAt: null },
    { mqlAt: d('2017-06-04T12:00:00Z'), convertedAt: d('2017-08-01T12:00:00Z') }, // after now: not yet
    { mqlAt: d('2017-05-04T12:00:00Z'), convertedAt: d('2017-06-04T12:00:00Z') },
  ],
  training: [
    { kind: 'quiz', score: 8, maxScore: 10, at: d('2017-06-08T12:00:00Z') },
    { kind: 'mock_pitch', score: 3, maxScore: 5, at: d('2017-06-18T12:00:00Z') },
  ],
  customers: [
    { wonAt: d('2017-01-10T12:00:00Z'), churnedAt: d('2017-06-10T12:00:00Z') }, // first-year churn in June
    { wonAt: d('2015-01-10T12:00:00Z'), churnedAt: d('2017-06-12T12:00:00Z') }, // long-time customer lost in June
    { wonAt: d('2017-06-05T12:00:00Z'), churnedAt: null },
    { wonAt: d('2016-09-01T12:00:00Z'), churnedAt: null },
  ],
};

const expected: Record<string, number | null> = {
  'sales.won_total': 190_000, // 100,000 + 50,000 (June 30 NY) + 40,000 (June 1 NY)
  'sales.won_count': 3,
  'sales.avg_deal_size': 190_000 / 3,
  'sales.target_attainment': 190_000 / 200_000,
  'sales.change_vs_previous': (190_000 - 80_000) / 80_000,
  'opportunities.created': 4, // opened June 2, 3, 15, 25
  'opportunities.lost': 1,
  'opportunities.created_to_lost_ratio': 4,
  'opportunities.win_rate': 3 / 4,
  'outreach.calls': 15,
  'outreach.emails': 80,
  'outreach.total': 100, // 15 calls + 80 emails + 5 LinkedIn messages; meetings are not outreach
  'outreach.target_attainment': 100 / 120,
  'linkedin.followers': 1150,
  'linkedin.followers_growth': 150,
  'linkedin.connection_acceptance_rate': 0.25,
  'linkedin.inbound_inquiries': 5,
  'linkedin.referrals': null,
  'linkedin.profile_views': 240,
  'linkedin.profile_views_growth': null, // June 29 is the only reading, none before: nothing to compare
  'social.posts': 2,
  'social.shares_per_post': 3,
  'social.comments_per_post': 5,
  'social.likes_per_post': 35,
  'conversion.mqls': 4,
  'conversion.converted': 2,
  'conversion.rate': 0.5,
  'expertise.avg_score': 70, // (80 + 60) / 2
  'expertise.assessments': 2,
  'expertise.days_since_training': 12, // June 18 12:00 UTC to July 1 04:00 UTC (end of June in NY): 12.67 days
  'personalization.personalized': 30, // 5 calls + 20 emails + 5 LinkedIn messages; the meeting is not outreach
  'personalization.generic': 60,
  'personalization.share': 30 / 90,
  'personalization.target_attainment': 30 / 50,
  'churn.customers_won': 1,
  'churn.first_year_churned': 1,
  'churn.first_year_churn_rate': 1 / 3, // won Jul 2016–Jun 2017: Sep 1, Jan 10 (churned in year one), Jun 5
  'churn.customers_lost': 2,
};

describe('scalar metrics (hand-computed June 2017 in New York)', () => {
  const targets = { 'sales.won_total': 200_000, 'outreach.total': 120, 'personalization.personalized': 50 };
  const values = computeScalarMetrics({ facts, period: june, previous: may, now, targets });

  it.each(SCALAR_METRICS.map((m) => m.id))('%s', (id) => {
    expect(id in expected, `no hand-computed value for ${id}`).toBe(true);
    const want = expected[id];
    if (want === null) expect(values[id]).toBeNull();
    else expect(values[id]).toBeCloseTo(want as number, 9);
  });

  it('says "no data" (null), never 0%, for every rate of an empty period', () => {
    const empty = computeScalarMetrics({ facts: NO_FACTS, period: june, previous: may, now, targets: {} });
    // Sums and counts of things that happen are 0 in an empty period; everything read or divided is null.
    const zeroWhenEmpty = new Set(ADDITIVE_METRIC_IDS);
    for (const m of SCALAR_METRICS) {
      if (zeroWhenEmpty.has(m.id)) expect(empty[m.id], m.id).toBe(0);
      else expect(empty[m.id], m.id).toBeNull();
    }
  });

  it('counts nothing of another period', () => {
    const july = parsePeriod('2017-07', now, NY);
    const values = computeScalarMetrics({ facts, period: july, previous: june, now, targets: {} });
    expect(values['sales.won_total']).toBe(0);
    expect(values['sales.change_vs_previous']).toBe(-1);
    expect(values['linkedin.followers']).toBe(1300);
  });
});

describe('targets and pace', () => {
  it('the article default is 50 personalized outreach a month', () => {
    expect(DEFAULT_TARGETS).toContainEqual({
      metricId: 'personalization.personalized',
      periodKind: 'month',
      amount: 50,
    });
  });

  it('scales a monthly target to other periods', () => {
    expect(scaleTarget(50, 'month', june)).toBe(50);
    expect(scaleTarget(50, 'month', parsePeriod('2017-Q2', now, NY))).toBe(150);
    expect(scaleTarget(50, 'month', parsePeriod('2017', now, NY))).toBe(600);
    expect(scaleTarget(600, 'year', june)).toBe(50);
  });

  it('measures attainment, linear pace, projection and gap', () => {
    // 10 of 30 days of June gone (June 11 00:00 New York) with 20 of 50 done: ahead of pace.
    const p = targetProgress('outreach.total', 20, 50, june, d('2017-06-11T04:00:00Z'));
    expect(p.attainment).toBe(0.4);
    expect(p.expectedByNow).toBeCloseTo(50 / 3, 9);
    expect(p.paceRatio).toBeCloseTo(1.2, 9);
    expect(p.projected).toBeCloseTo(60, 9);
    expect(p.gap).toBe(30);
    const atStart = targetProgress('outreach.total', 0, 50, june, june.start);
    expect(atStart.paceRatio).toBeNull();
    expect(atStart.projected).toBeNull();
    expect(targetProgress('outreach.total', 70, 50, june, now).gap).toBe(0);
  });
});
