import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { TFacts } from '../../src/metrics/facts.js';
import { parsePeriod, previousPeriod, type TCalendar } from '../../src/metrics/periods.js';
import { computeScalarMetrics } from '../../src/metrics/scalar.js';
import { mergeFacts } from '../../src/store/facts.js';
import { ADDITIVE_METRIC_IDS } from '../support/metric-sets.js';

const CAL: TCalendar = { timezone: 'Europe/Berlin', fiscalYearStartMonth: 4, weekStartsOn: 1 };
const now = new Date('2017-07-10T00:00:00Z');
const arbDate = fc.date({
  min: new Date('2017-04-01T00:00:00Z'),
  max: new Date('2017-08-01T00:00:00Z'),
  noInvalidDate: true,
});

const arbFacts: fc.Arbitrary<TFacts> = fc.record({
  deals: fc.array(
    fc.record({
      amountMinor: fc.integer({ min: 0, max: 10_000_000 }),
      status: fc.constantFrom('open' as const, 'won' as const, 'lost' as const),
      stage: fc.constantFrom('a', 'b'),
      openedAt: arbDate,
      closedAt: fc.option(arbDate, { nil: null }),
    }),
    { maxLength: 12 },
  ),
  activities: fc.array(
    fc.record({
      kind: fc.constantFrom('call', 'email', 'meeting', 'linkedin_message'),
      personalized: fc.constantFrom(true, false, null),
      count: fc.integer({ min: 1, max: 50 }),
      occurredAt: arbDate,
    }),
    { maxLength: 12 },
  ),
  socialSnapshots: fc.constant([]),
  socialPosts: fc.array(
    fc.record({
      network: fc.constant('linkedin'),
      postedAt: arbDate,
      shares: fc.nat(20),
      comments: fc.nat(20),
      likes: fc.nat(100),
    }),
    { maxLength: 5 },
  ),
  leads: fc.array(
    fc.record({ mqlAt: fc.option(arbDate, { nil: null }), convertedAt: fc.option(arbDate, { nil: null }) }),
    {
      maxLength: 8,
    },
  ),
  training: fc.constant([]),
  customers: fc.array(fc.record({ wonAt: arbDate, churnedAt: fc.option(arbDate, { nil: null }) }), {
    maxLength: 6,
  }),
});

describe('team totals', () => {
  it('equal the sum of the reps for every additive metric', () => {
    const period = parsePeriod('2017-06', now, CAL);
    const previous = previousPeriod(period, CAL);
    fc.assert(
      fc.property(fc.array(arbFacts, { minLength: 1, maxLength: 4 }), (reps) => {
        const team = computeScalarMetrics({ facts: mergeFacts(reps), period, previous, now, targets: {} });
        const each = reps.map((facts) => computeScalarMetrics({ facts, period, previous, now, targets: {} }));
        for (const id of ADDITIVE_METRIC_IDS) {
          expect(team[id], id).toBe(each.reduce((a, m) => a + (m[id] as number), 0));
        }
        // A count that is "no data" when no customer was in their first year: the team's is the sum of its
        // reps' counts, and no data only when it is no data for every rep.
        const lost = each.map((m) => m['churn.first_year_churned'] ?? null);
        expect(team['churn.first_year_churned']).toBe(
          lost.every((v) => v === null) ? null : lost.reduce<number>((a, v) => a + (v ?? 0), 0),
        );
      }),
    );
  });
});
