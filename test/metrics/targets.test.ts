import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { dateRange, periodContaining, type TCalendar } from '../../src/metrics/periods.js';
import {
  calendarDays,
  repTargets,
  scaleTarget,
  type TTargetRow,
  teamTargets,
} from '../../src/metrics/targets.js';

const CAL: TCalendar = { timezone: 'Europe/Berlin', fiscalYearStartMonth: 1, weekStartsOn: 1 };
const june = periodContaining('month', new Date('2017-06-15T12:00:00Z'), CAL);
const from = new Date('2017-01-01T00:00:00Z');

let n = 0;
function row(over: Partial<TTargetRow>): TTargetRow {
  n += 1;
  return {
    id: `t${String(n).padStart(3, '0')}`,
    scope: 'workspace',
    repId: null,
    metricId: 'sales.won_total',
    periodKind: 'month',
    amount: 1_000_000,
    effectiveFrom: from,
    ...over,
  };
}

const ann = { id: 'ann', managerId: 'mona' };
const bob = { id: 'bob', managerId: 'mona' };
const cy = { id: 'cy', managerId: null };

describe('repTargets: the one rule for a rep target', () => {
  const rows = [
    row({ scope: 'workspace', amount: 300_000 }),
    row({ scope: 'team', repId: 'mona', amount: 500_000 }),
    row({ scope: 'rep', repId: 'bob', amount: 800_000 }),
    row({ scope: 'team', repId: 'someone-else', amount: 9_999_999 }),
    row({ scope: 'rep', repId: 'ann', metricId: 'outreach.total', amount: 400 }),
  ];

  it("gives a rep their own target, else their team's in full, else the workspace's, else the default", () => {
    expect(repTargets(rows, bob, june)['sales.won_total']).toBe(800_000);
    // Ann has no revenue target of her own: Mona's team target applies to her in full, not split among the team.
    expect(repTargets(rows, ann, june)['sales.won_total']).toBe(500_000);
    expect(repTargets(rows, cy, june)['sales.won_total']).toBe(300_000);
    expect(repTargets(rows, ann, june)['outreach.total']).toBe(400);
    expect(repTargets(rows, cy, june)['outreach.total']).toBeUndefined();
    expect(repTargets([], cy, june)).toEqual({ 'personalization.personalized': 50 });
  });

  it('ignores targets that take effect after the period starts', () => {
    const later = [row({ scope: 'rep', repId: 'cy', effectiveFrom: new Date('2017-07-01T00:00:00Z') })];
    expect(repTargets(later, cy, june)['sales.won_total']).toBeUndefined();
  });

  it('prefers a target set for the period kind, then the latest, then the one set later (larger id)', () => {
    const quarterly = row({ scope: 'rep', repId: 'cy', periodKind: 'quarter', amount: 3_000_000 });
    const monthlyOld = row({ scope: 'rep', repId: 'cy', amount: 700_000 });
    const monthlyNew = row({ scope: 'rep', repId: 'cy', amount: 900_000, effectiveFrom: june.start });
    const corrected = row({ scope: 'rep', repId: 'cy', amount: 950_000, effectiveFrom: june.start });
    expect(repTargets([quarterly], cy, june)['sales.won_total']).toBe(1_000_000);
    expect(repTargets([quarterly, monthlyOld], cy, june)['sales.won_total']).toBe(700_000);
    expect(repTargets([monthlyNew, quarterly, monthlyOld], cy, june)['sales.won_total']).toBe(900_000);
    expect(repTargets([corrected, monthlyNew], cy, june)['sales.won_total']).toBe(950_000);
  });

  it('does not depend on the order of the rows', () => {
    const arbRow = fc.record({
      scope: fc.constantFrom('rep', 'team', 'workspace'),
      repId: fc.constantFrom('ann', 'bob', 'mona', null),
      metricId: fc.constantFrom('sales.won_total', 'outreach.total'),
      periodKind: fc.constantFrom('week', 'month', 'quarter'),
      amount: fc.integer({ min: 1, max: 1_000_000 }),
      effectiveFrom: fc.constantFrom(from, june.start, new Date('2017-03-01T00:00:00Z')),
    });
    fc.assert(
      fc.property(
        fc
          .array(arbRow, { maxLength: 12 })
          .map((rs) => rs.map((r, i) => ({ ...r, id: `id${String(i).padStart(2, '0')}` })))
          .chain((rs) => fc.tuple(fc.constant(rs), fc.shuffledSubarray(rs, { minLength: rs.length }))),
        ([rs, shuffled]) => {
          for (const rep of [ann, bob, cy])
            expect(repTargets(shuffled, rep, june)).toEqual(repTargets(rs, rep, june));
        },
      ),
    );
  });
});

describe("teamTargets: a team's target from its reps' targets", () => {
  it('sums money and counts, and has none when a rep has none', () => {
    const team = teamTargets([
      { 'sales.won_total': 500_000, 'outreach.total': 400, 'personalization.personalized': 50 },
      { 'sales.won_total': 800_000, 'personalization.personalized': 50 },
    ]);
    expect(team).toEqual({ 'sales.won_total': 1_300_000, 'personalization.personalized': 100 });
  });

  it('keeps a share only when every rep has the same one (a win rate is not added up)', () => {
    expect(teamTargets([{ 'opportunities.win_rate': 0.3 }, { 'opportunities.win_rate': 0.3 }])).toEqual({
      'opportunities.win_rate': 0.3,
    });
    expect(teamTargets([{ 'opportunities.win_rate': 0.3 }, { 'opportunities.win_rate': 0.4 }])).toEqual({});
    expect(teamTargets([])).toEqual({});
  });

  it("equals the sum of what each rep's scorecard is measured against", () => {
    const arbRows = fc.array(
      fc.record({
        scope: fc.constantFrom('rep', 'team', 'workspace'),
        repId: fc.constantFrom('ann', 'bob', 'cy', 'mona'),
        amount: fc.integer({ min: 1, max: 10_000_000 }),
      }),
      { maxLength: 8 },
    );
    fc.assert(
      fc.property(arbRows, fc.boolean(), (partial, withWorkspace) => {
        const rows = [
          ...partial.map((p, i) => row({ ...p, id: `p${i}` })),
          ...(withWorkspace ? [row({ id: 'ws', scope: 'workspace', amount: 123_456 })] : []),
        ];
        const each = [ann, bob, cy].map((r) => repTargets(rows, r, june)['sales.won_total']);
        const team = teamTargets([ann, bob, cy].map((r) => repTargets(rows, r, june)))['sales.won_total'];
        if (each.some((t) => t === undefined)) expect(team).toBeUndefined();
        else expect(team).toBe((each as number[]).reduce((a, b) => a + b, 0));
      }),
    );
  });
});

describe('a custom range is scaled by its calendar days', () => {
  const PER_MONTH = 12 / 365.2425;

  it('counts the day the clocks change as one whole day (Berlin, March 26, 2017: 23 hours)', () => {
    const range = dateRange({ y: 2017, m: 2, d: 20 }, { y: 2017, m: 2, d: 29 }, 'Europe/Berlin');
    expect(range.end.getTime() - range.start.getTime()).toBe(10 * 86_400_000 - 3_600_000);
    expect(calendarDays(range)).toBe(10);
    expect(scaleTarget(3000, 'month', range)).toBeCloseTo(3000 * 10 * PER_MONTH, 9);
  });

  it('equals days / period days × target for any range, in zones with and without daylight saving', () => {
    const DAY = 86_400_000;
    fc.assert(
      fc.property(
        fc.constantFrom('Europe/Berlin', 'America/New_York', 'Australia/Lord_Howe', 'Asia/Kolkata', 'UTC'),
        fc.integer({ min: Date.UTC(2015, 0, 1) / DAY, max: Date.UTC(2030, 0, 1) / DAY }),
        fc.integer({ min: 1, max: 800 }),
        fc.integer({ min: 1, max: 1_000_000 }),
        (timezone, startDay, days, amount) => {
          const first = new Date(startDay * DAY);
          const last = new Date((startDay + days - 1) * DAY);
          const range = dateRange(
            { y: first.getUTCFullYear(), m: first.getUTCMonth(), d: first.getUTCDate() },
            { y: last.getUTCFullYear(), m: last.getUTCMonth(), d: last.getUTCDate() },
            timezone,
          );
          expect(calendarDays(range)).toBe(days);
          expect(scaleTarget(amount, 'month', range)).toBeCloseTo(amount * days * PER_MONTH, 6);
          expect(scaleTarget(amount, 'year', range)).toBeCloseTo((amount * days) / 365.2425, 6);
        },
      ),
    );
  });
});
