import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  NO_FACTS,
  type TCustomerFact,
  type TFacts,
  type TSocialSnapshotFact,
} from '../../src/metrics/facts.js';
import { parsePeriod, previousPeriod, type TCalendar, type TPeriod } from '../../src/metrics/periods.js';
import { computeScalarMetrics } from '../../src/metrics/scalar.js';

// The definitions docs/metrics.md settles for issue 14: acceptance rate, first-year churn, growth.

const NY: TCalendar = { timezone: 'America/New_York', fiscalYearStartMonth: 1, weekStartsOn: 1 };
const d = (s: string) => new Date(s);
const now = d('2017-07-10T15:00:00Z');
const june = parsePeriod('2017-06', now, NY);
const may = previousPeriod(june, NY);

function metrics(over: Partial<TFacts>, period: TPeriod = june, at: Date = now) {
  return computeScalarMetrics({
    facts: { ...NO_FACTS, ...over },
    period,
    previous: previousPeriod(period, NY),
    now: at,
    targets: {},
  });
}
const reading = (metric: string, value: number, at: string): TSocialSnapshotFact => ({
  network: 'linkedin',
  metric,
  value,
  at: d(at),
});

describe('linkedin.connection_acceptance_rate: never above 100%', () => {
  it('reads 100% when a period logs acceptances of requests sent before it', () => {
    const m = metrics({
      socialSnapshots: [
        reading('requests_sent', 100, '2017-05-20T12:00:00Z'), // May's requests
        reading('requests_sent', 5, '2017-06-05T12:00:00Z'),
        reading('requests_accepted', 20, '2017-06-06T12:00:00Z'), // mostly May's, accepted in June
      ],
    });
    expect(m['linkedin.connection_acceptance_rate']).toBe(1);
    const mayValues = metrics(
      { socialSnapshots: [reading('requests_sent', 100, '2017-05-20T12:00:00Z')] },
      may,
    );
    expect(mayValues['linkedin.connection_acceptance_rate']).toBe(0);
  });

  it('is accepted / sent below that, and no data when nothing was sent', () => {
    const m = metrics({
      socialSnapshots: [
        reading('requests_sent', 40, '2017-06-05T12:00:00Z'),
        reading('requests_accepted', 6, '2017-06-06T12:00:00Z'),
        reading('requests_accepted', 4, '2017-06-20T12:00:00Z'),
      ],
    });
    expect(m['linkedin.connection_acceptance_rate']).toBe(0.25);
    const none = metrics({ socialSnapshots: [reading('requests_accepted', 4, '2017-06-20T12:00:00Z')] });
    expect(none['linkedin.connection_acceptance_rate']).toBeNull();
  });

  it('lies in [0, 1] for any log, hostile values included', () => {
    const arbReading = fc.record({
      network: fc.constant('linkedin'),
      metric: fc.constantFrom('requests_sent', 'requests_accepted'),
      value: fc.integer({ min: -1000, max: 100_000 }),
      at: fc.date({ min: d('2017-05-01T00:00:00Z'), max: d('2017-07-31T00:00:00Z'), noInvalidDate: true }),
    });
    fc.assert(
      fc.property(fc.array(arbReading, { maxLength: 20 }), (socialSnapshots) => {
        const rate = metrics({ socialSnapshots })['linkedin.connection_acceptance_rate'];
        if (rate !== null) {
          expect(rate).toBeGreaterThanOrEqual(0);
          expect(rate).toBeLessThanOrEqual(1);
        }
      }),
    );
  });
});

describe('first-year churn: a year is 365 days', () => {
  it('counts churn within 365 days of the win, not up to the calendar anniversary', () => {
    // Won Feb 1, 2016 (a leap year): day 365 ends Jan 31, 2017 12:00 UTC, a day before the anniversary.
    const won = d('2016-02-01T12:00:00Z');
    const jan = parsePeriod('2017-01', now, NY);
    const justIn = metrics({ customers: [{ wonAt: won, churnedAt: d('2017-01-31T11:59:00Z') }] }, jan);
    const justOut = metrics({ customers: [{ wonAt: won, churnedAt: d('2017-01-31T12:00:00Z') }] }, jan);
    expect(justIn['churn.first_year_churned']).toBe(1);
    expect(justOut['churn.first_year_churned']).toBe(0);
    expect(justOut['churn.customers_lost']).toBe(1);
  });

  it('says "no data", not 0, when no customer was in their first year during the period', () => {
    expect(metrics({})['churn.first_year_churned']).toBeNull();
    const veterans = metrics({ customers: [{ wonAt: d('2014-03-01T12:00:00Z'), churnedAt: null }] });
    expect(veterans['churn.first_year_churned']).toBeNull();
    // Churned before June: not a customer at risk in June.
    const gone = metrics({
      customers: [{ wonAt: d('2017-01-10T12:00:00Z'), churnedAt: d('2017-05-10T12:00:00Z') }],
    });
    expect(gone['churn.first_year_churned']).toBeNull();
    // In their first year through June and kept: a real 0.
    const kept = metrics({ customers: [{ wonAt: d('2017-01-10T12:00:00Z'), churnedAt: null }] });
    expect(kept['churn.first_year_churned']).toBe(0);
    // Their first year ended on June 10: still at risk in June, so 0, not no data.
    const ending = metrics({ customers: [{ wonAt: d('2016-06-10T12:00:00Z'), churnedAt: null }] });
    expect(ending['churn.first_year_churned']).toBe(0);
  });

  it('rates the cohort won in the 365 days before the earlier of now and the period end', () => {
    // June 2016 ends July 1, 2016 04:00 UTC in New York; 365 days before is July 2, 2015 04:00 UTC (the year
    // back holds February 29, 2016), so a customer won on July 1, 2015 is not in the cohort.
    const june2016 = parsePeriod('2016-06', now, NY);
    const asOf = june2016.end;
    const cohort: TCustomerFact[] = [
      { wonAt: new Date(asOf.getTime() - 365 * 86_400_000), churnedAt: d('2016-01-01T00:00:00Z') }, // first in
      { wonAt: d('2015-07-01T12:00:00Z'), churnedAt: d('2016-01-01T00:00:00Z') }, // out: 366 days before
      { wonAt: d('2016-06-30T12:00:00Z'), churnedAt: d('2016-07-05T00:00:00Z') }, // churned after asOf
      { wonAt: d('2016-02-01T00:00:00Z'), churnedAt: null },
    ];
    expect(metrics({ customers: cohort }, june2016)['churn.first_year_churn_rate']).toBeCloseTo(1 / 3, 12);
    // Asked on June 15, 2016: the cohort is won from June 16, 2015 12:00 UTC to then, so the July 1, 2015
    // customer is in it (churned in year one), the June 30 one not yet: 2 of 3.
    const mid = metrics({ customers: cohort }, june2016, d('2016-06-15T12:00:00Z'));
    expect(mid['churn.first_year_churn_rate']).toBeCloseTo(2 / 3, 12);
  });

  it('does not depend on the order of the customers, and rates lie in [0, 1]', () => {
    const arbDate = fc.date({
      min: d('2015-01-01T00:00:00Z'),
      max: d('2017-08-01T00:00:00Z'),
      noInvalidDate: true,
    });
    const arbCustomer = fc
      .record({ wonAt: arbDate, churnAfterDays: fc.option(fc.integer({ min: 0, max: 800 }), { nil: null }) })
      .map(({ wonAt, churnAfterDays }) => ({
        wonAt,
        churnedAt: churnAfterDays === null ? null : new Date(wonAt.getTime() + churnAfterDays * 86_400_000),
      }));
    fc.assert(
      fc.property(
        fc
          .array(arbCustomer, { maxLength: 15 })
          .chain((cs) => fc.tuple(fc.constant(cs), fc.shuffledSubarray(cs, { minLength: cs.length }))),
        ([customers, shuffled]) => {
          const a = metrics({ customers });
          const b = metrics({ customers: shuffled });
          for (const id of [
            'churn.first_year_churned',
            'churn.first_year_churn_rate',
            'churn.customers_lost',
          ])
            expect(b[id], id).toBe(a[id]);
          const rate = a['churn.first_year_churn_rate'] ?? null;
          if (rate !== null) expect(rate >= 0 && rate <= 1).toBe(true);
          const lost = a['churn.first_year_churned'] ?? null;
          if (lost !== null) expect(lost).toBeLessThanOrEqual(a['churn.customers_lost'] as number);
        },
      ),
    );
  });
});

describe('growth without a reading before the period', () => {
  it("counts from the period's first reading", () => {
    const m = metrics({
      socialSnapshots: [
        reading('followers', 100, '2017-06-05T12:00:00Z'),
        reading('followers', 130, '2017-06-20T12:00:00Z'),
        reading('profile_views', 40, '2017-06-05T12:00:00Z'),
        reading('profile_views', 25, '2017-06-28T12:00:00Z'),
      ],
    });
    expect(m['linkedin.followers_growth']).toBe(30);
    expect(m['linkedin.profile_views_growth']).toBe(-15);
  });

  it('counts from the reading before the period when there is one', () => {
    const m = metrics({
      socialSnapshots: [
        reading('followers', 90, '2017-05-25T12:00:00Z'),
        reading('followers', 100, '2017-06-05T12:00:00Z'),
        reading('followers', 130, '2017-06-20T12:00:00Z'),
      ],
    });
    expect(m['linkedin.followers_growth']).toBe(40);
  });

  it('is no data with a single reading and nothing before it, or with no reading at all', () => {
    expect(
      metrics({ socialSnapshots: [reading('followers', 100, '2017-06-05T12:00:00Z')] })[
        'linkedin.followers_growth'
      ],
    ).toBeNull();
    expect(metrics({})['linkedin.followers_growth']).toBeNull();
  });

  it('does not depend on the order of the readings (two at one instant: the larger counts)', () => {
    const arbReading = fc.record({
      network: fc.constant('linkedin'),
      metric: fc.constant('followers'),
      value: fc.integer({ min: 0, max: 5000 }),
      at: fc.constantFrom(
        d('2017-05-20T12:00:00Z'),
        d('2017-06-05T12:00:00Z'),
        d('2017-06-20T12:00:00Z'),
        d('2017-07-02T12:00:00Z'),
      ),
    });
    fc.assert(
      fc.property(
        fc
          .array(arbReading, { maxLength: 8 })
          .chain((rs) => fc.tuple(fc.constant(rs), fc.shuffledSubarray(rs, { minLength: rs.length }))),
        ([rs, shuffled]) => {
          const a = metrics({ socialSnapshots: rs });
          const b = metrics({ socialSnapshots: shuffled });
          expect(b['linkedin.followers_growth']).toBe(a['linkedin.followers_growth']);
          expect(b['linkedin.followers']).toBe(a['linkedin.followers']);
        },
      ),
    );
  });
});
