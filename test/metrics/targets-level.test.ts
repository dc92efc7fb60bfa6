import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { dateRange, periodContaining, type TCalendar, type TPeriodKind } from '../../src/metrics/periods.js';
import { LOWER_IS_BETTER, SCALAR_METRICS } from '../../src/metrics/scalar.js';
import {
  isAdditive,
  repTargets,
  scaleTarget,
  type TTargetRow,
  targetProgress,
  teamTargets,
} from '../../src/metrics/targets.js';

// Issue 14: only a sum's target (money, a count summed over the period) is scaled to another period length and
// paced linearly; a level's (a rate, a ratio, an average, a score, days, a reading such as followers) is the same
// number in every period and gets no pace.

const DAY = 86_400_000;
const KINDS = ['week', 'month', 'quarter', 'year'] as const;
const LEVELS = SCALAR_METRICS.filter((m) => !isAdditive(m.id)).map((m) => m.id);
const SUMS = SCALAR_METRICS.filter((m) => isAdditive(m.id)).map((m) => m.id);
const rep = { id: 'darcel', managerId: 'summer' };

function target(metricId: string, periodKind: string, amount: number, scope = 'rep'): TTargetRow {
  return {
    id: `${scope}-${metricId}-${periodKind}`,
    scope,
    repId: scope === 'rep' ? rep.id : scope === 'team' ? 'summer' : null,
    metricId,
    periodKind,
    amount,
    effectiveFrom: new Date('2000-01-01T00:00:00Z'),
  };
}

/** Any period the bot reads: a week, month, quarter or year containing `at`, or a custom range of 1–800 days. */
const periods = fc.oneof(
  fc
    .record({
      kind: fc.constantFrom(...KINDS),
      day: fc.integer({ min: Date.UTC(2015, 0, 1) / DAY, max: Date.UTC(2030, 0, 1) / DAY }),
      timezone: fc.constantFrom('Europe/Berlin', 'America/New_York', 'Asia/Kolkata', 'UTC'),
      fiscal: fc.integer({ min: 1, max: 12 }),
    })
    .map(({ kind, day, timezone, fiscal }) => {
      const cal: TCalendar = { timezone, fiscalYearStartMonth: fiscal, weekStartsOn: 1 };
      return periodContaining(kind, new Date(day * DAY), cal);
    }),
  fc
    .record({
      day: fc.integer({ min: Date.UTC(2015, 0, 1) / DAY, max: Date.UTC(2030, 0, 1) / DAY }),
      days: fc.integer({ min: 1, max: 800 }),
    })
    .map(({ day, days }) => {
      const [a, b] = [new Date(day * DAY), new Date((day + days - 1) * DAY)];
      return dateRange(
        { y: a.getUTCFullYear(), m: a.getUTCMonth(), d: a.getUTCDate() },
        { y: b.getUTCFullYear(), m: b.getUTCMonth(), d: b.getUTCDate() },
        'America/New_York',
      );
    }),
);

describe('which targets are sums and which are levels', () => {
  it('money and counts summed over the period are sums; every other unit and every reading or average is a level', () => {
    expect(SUMS).toEqual(
      expect.arrayContaining([
        'sales.won_total',
        'sales.won_count',
        'outreach.total',
        'linkedin.followers_growth',
      ]),
    );
    expect(LEVELS).toEqual(
      expect.arrayContaining([
        'opportunities.win_rate',
        'opportunities.created_to_lost_ratio',
        'social.likes_per_post',
        'expertise.avg_score',
        'expertise.days_since_training',
        'churn.first_year_churn_rate',
        'sales.avg_deal_size',
        'linkedin.followers',
        'linkedin.profile_views',
      ]),
    );
    for (const m of SCALAR_METRICS)
      if (m.unit !== 'money' && m.unit !== 'count') expect(isAdditive(m.id), m.id).toBe(false);
  });
});

describe('a level target is the same number for any period (property)', () => {
  it('repTargets gives a level its amount as set, whatever the period kind it was set for and the period read', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...LEVELS),
        fc.constantFrom(...KINDS, 'day'),
        fc.double({ min: 0.001, max: 1000, noNaN: true }),
        fc.constantFrom('rep', 'team', 'workspace'),
        periods,
        (metricId, kind, amount, scope, period) => {
          expect(repTargets([target(metricId, kind, amount, scope)], rep, period)[metricId]).toBe(amount);
        },
      ),
    );
  });

  it("a sum's target is scaled to the period as before", () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...SUMS),
        fc.constantFrom(...KINDS),
        fc.integer({ min: 1, max: 10_000_000 }),
        periods,
        (metricId, kind, amount, period) => {
          const got = repTargets([target(metricId, kind, amount)], rep, period)[metricId];
          expect(got).toBe(scaleTarget(amount, kind, period));
        },
      ),
    );
  });

  it("the reviewer's case: a monthly 25% win rate is 25% for a quarter and a year; monthly 30 days is 30 a year", () => {
    const cal: TCalendar = { timezone: 'America/New_York', fiscalYearStartMonth: 1, weekStartsOn: 1 };
    const rows = [
      target('opportunities.win_rate', 'month', 0.25),
      target('expertise.days_since_training', 'month', 30),
    ];
    for (const kind of ['week', 'month', 'quarter', 'year'] satisfies TPeriodKind[]) {
      const t = repTargets(rows, rep, periodContaining(kind, new Date('2017-06-05T12:00:00Z'), cal));
      expect(t['opportunities.win_rate']).toBe(0.25);
      expect(t['expertise.days_since_training']).toBe(30);
    }
    // A quarterly 80% is 80% in a month too (was "26.7%").
    const month = periodContaining('month', new Date('2017-06-05T12:00:00Z'), cal);
    expect(
      repTargets([target('opportunities.win_rate', 'quarter', 0.8)], rep, month)['opportunities.win_rate'],
    ).toBe(0.8);
    // A team's level target is the reps' common target, never their sum.
    expect(teamTargets([{ 'linkedin.followers': 500 }, { 'linkedin.followers': 500 }])).toEqual({
      'linkedin.followers': 500,
    });
  });
});

describe('a level gets no linear pace (targetProgress)', () => {
  const cal: TCalendar = { timezone: 'America/New_York', fiscalYearStartMonth: 1, weekStartsOn: 1 };
  const quarter = periodContaining('quarter', new Date('2017-05-01T12:00:00Z'), cal);
  const early = new Date('2017-04-20T12:00:00Z');

  it('compares a level as it stands: no expected-by-now share, no projection, met at or above (below) target', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...LEVELS),
        fc.double({ min: 0, max: 1000, noNaN: true }),
        fc.double({ min: 0.001, max: 1000, noNaN: true }),
        fc.integer({ min: quarter.start.getTime(), max: quarter.end.getTime() }),
        (metricId, actual, t, at) => {
          const p = targetProgress(metricId, actual, t, quarter, new Date(at));
          expect(p.kind).toBe('level');
          expect(p.paceRatio).toBeNull();
          expect(p.projected).toBeNull();
          expect(p.attainment).toBeNull();
          expect(p.expectedByNow).toBe(t);
          const lower = LOWER_IS_BETTER.has(metricId);
          expect(p.atTarget).toBe(lower ? actual <= t : actual >= t);
          expect(p.gap).toBe(Math.max(lower ? actual - t : t - actual, 0));
        },
      ),
    );
  });

  it('Dana Scott, early in the quarter: a 45.6% win rate against 50% is below target, never "on pace" to 152%', () => {
    const p = targetProgress('opportunities.win_rate', 0.456, 0.5, quarter, early);
    expect(p).toMatchObject({ kind: 'level', atTarget: false, paceRatio: null, projected: null });
    expect(p.gap).toBeCloseTo(0.044, 9);
    const days = targetProgress('expertise.days_since_training', 12, 30, quarter, early);
    expect(days).toMatchObject({ atTarget: true, gap: 0, lowerIsBetter: true });
  });

  it('a sum keeps its linear pace; where less is better it is a ceiling', () => {
    const p = targetProgress('outreach.total', 100, 300, quarter, early);
    expect(p.kind).toBe('sum');
    expect(p.paceRatio).not.toBeNull();
    expect(p.expectedByNow).toBeLessThan(300);
    expect(targetProgress('churn.first_year_churned', 2, 3, quarter, early)).toMatchObject({
      atTarget: true,
      gap: 0,
    });
    expect(targetProgress('churn.first_year_churned', 5, 3, quarter, early)).toMatchObject({
      atTarget: false,
      gap: 2,
    });
  });
});
