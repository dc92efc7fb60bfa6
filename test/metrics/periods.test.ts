import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  elapsedFraction,
  instantOfLocalDate,
  nextPeriod,
  parsePeriod,
  periodContaining,
  previousPeriod,
  type TCalendar,
  type TPeriod,
} from '../../src/metrics/periods.js';

const UTC: TCalendar = { timezone: 'UTC', fiscalYearStartMonth: 1, weekStartsOn: 1 };
const NY: TCalendar = { timezone: 'America/New_York', fiscalYearStartMonth: 1, weekStartsOn: 0 };
const BERLIN_APRIL: TCalendar = { timezone: 'Europe/Berlin', fiscalYearStartMonth: 4, weekStartsOn: 1 };
const iso = (p: TPeriod) => [p.start.toISOString(), p.end.toISOString()];

describe('parsePeriod (table, hand-computed)', () => {
  const now = new Date('2017-07-04T12:00:00Z'); // a Tuesday
  it.each([
    ['', UTC, '2017-07', ['2017-07-01T00:00:00.000Z', '2017-08-01T00:00:00.000Z']],
    ['this month', NY, '2017-07', ['2017-07-01T04:00:00.000Z', '2017-08-01T04:00:00.000Z']],
    ['last month', UTC, '2017-06', ['2017-06-01T00:00:00.000Z', '2017-07-01T00:00:00.000Z']],
    ['this week', UTC, '2017-07-03/week', ['2017-07-03T00:00:00.000Z', '2017-07-10T00:00:00.000Z']],
    ['last week', NY, '2017-06-25/week', ['2017-06-25T04:00:00.000Z', '2017-07-02T04:00:00.000Z']],
    ['q3', UTC, '2017-Q3', ['2017-07-01T00:00:00.000Z', '2017-10-01T00:00:00.000Z']],
    ['2017-Q4', UTC, '2017-Q4', ['2017-10-01T00:00:00.000Z', '2018-01-01T00:00:00.000Z']],
    ['2017', UTC, '2017', ['2017-01-01T00:00:00.000Z', '2018-01-01T00:00:00.000Z']],
    ['2017-06', NY, '2017-06', ['2017-06-01T04:00:00.000Z', '2017-07-01T04:00:00.000Z']],
    ['last 30 days', UTC, '2017-06-05..2017-07-04', ['2017-06-05T00:00:00.000Z', '2017-07-05T00:00:00.000Z']],
    ['ytd', UTC, '2017-01-01..2017-07-04', ['2017-01-01T00:00:00.000Z', '2017-07-05T00:00:00.000Z']],
    [
      '2017-06-01..2017-06-15',
      UTC,
      '2017-06-01..2017-06-15',
      ['2017-06-01T00:00:00.000Z', '2017-06-16T00:00:00.000Z'],
    ],
    ['today', NY, '2017-07-04', ['2017-07-04T04:00:00.000Z', '2017-07-05T04:00:00.000Z']],
    ['june', UTC, '2017-06', ['2017-06-01T00:00:00.000Z', '2017-07-01T00:00:00.000Z']],
    ['december', UTC, '2016-12', ['2016-12-01T00:00:00.000Z', '2017-01-01T00:00:00.000Z']],
    // Fiscal year from April, named by its starting year: July 2017 is in Q2 of FY2017.
    ['this quarter', BERLIN_APRIL, 'FY2017-Q2', ['2017-06-30T22:00:00.000Z', '2017-09-30T22:00:00.000Z']],
    ['q4', BERLIN_APRIL, 'FY2017-Q4', ['2017-12-31T23:00:00.000Z', '2018-03-31T22:00:00.000Z']],
    ['2017', BERLIN_APRIL, 'FY2017', ['2017-03-31T22:00:00.000Z', '2018-03-31T22:00:00.000Z']],
    ['ytd', BERLIN_APRIL, '2017-04-01..2017-07-04', ['2017-03-31T22:00:00.000Z', '2017-07-04T22:00:00.000Z']],
  ])('%j in %o is %s', (text, cal, key, bounds) => {
    const p = parsePeriod(text, now, cal);
    expect(p.key).toBe(key);
    expect(iso(p)).toEqual(bounds);
  });

  it.each([
    'next month',
    'q5',
    '2017-13',
    '2017-02-30',
    '2017-06-15..2017-06-01',
    'last 0 days',
    'DROP TABLE',
    '<!channel>',
  ])('refuses %j with the field and examples', (text) => {
    expect(() => parsePeriod(text, now, UTC)).toThrow(/period|range|date/);
    try {
      parsePeriod(text, now, UTC);
    } catch (error) {
      expect((error as { code: string }).code).toBe('bad_request');
    }
  });
});

describe('periods across daylight saving', () => {
  it('a New York week containing the spring change is 167 hours, the autumn one 169', () => {
    const spring = periodContaining('week', new Date('2017-03-14T12:00:00Z'), NY);
    expect(iso(spring)).toEqual(['2017-03-12T05:00:00.000Z', '2017-03-19T04:00:00.000Z']);
    expect((spring.end.getTime() - spring.start.getTime()) / 3_600_000).toBe(167);
    const autumn = periodContaining('week', new Date('2017-11-07T12:00:00Z'), NY);
    expect((autumn.end.getTime() - autumn.start.getTime()) / 3_600_000).toBe(169);
  });

  it('a deal closed late on the last day of a month in New York counts in that month, not the next', () => {
    const closed = new Date('2017-04-01T03:30:00Z'); // 23:30 on March 31 in New York
    expect(periodContaining('month', closed, NY).key).toBe('2017-03');
    expect(periodContaining('month', closed, UTC).key).toBe('2017-04');
  });

  it('a date-only fact is local midnight in the workspace zone', () => {
    expect(instantOfLocalDate('2017-03-01', 'America/New_York').toISOString()).toBe(
      '2017-03-01T05:00:00.000Z',
    );
    expect(instantOfLocalDate('2017-07-01', 'Europe/Berlin').toISOString()).toBe('2017-06-30T22:00:00.000Z');
    expect(() => instantOfLocalDate('2017-02-29', 'UTC')).toThrow('not a calendar date');
  });
});

describe('pace', () => {
  it('is the elapsed share of the period, clamped to 0..1', () => {
    const june = parsePeriod('2017-06', new Date('2017-07-01T00:00:00Z'), UTC);
    expect(elapsedFraction(june, new Date('2017-06-16T00:00:00Z'))).toBe(0.5);
    expect(elapsedFraction(june, new Date('2017-05-01T00:00:00Z'))).toBe(0);
    expect(elapsedFraction(june, new Date('2018-01-01T00:00:00Z'))).toBe(1);
  });
});

const ZONES = [
  'UTC',
  'America/New_York',
  'Europe/Berlin',
  'Australia/Sydney',
  'Asia/Kolkata',
  'America/Santiago',
  'Pacific/Chatham',
];
const arbCalendar = fc.record({
  timezone: fc.constantFrom(...ZONES),
  fiscalYearStartMonth: fc.integer({ min: 1, max: 12 }),
  weekStartsOn: fc.integer({ min: 0, max: 6 }),
});
const arbInstant = fc.date({
  min: new Date('2000-01-01T00:00:00Z'),
  max: new Date('2040-01-01T00:00:00Z'),
  noInvalidDate: true,
});
const arbKind = fc.constantFrom('day', 'week', 'month', 'quarter', 'year' as const);

describe('period properties', () => {
  it('the period containing an instant contains it', () => {
    fc.assert(
      fc.property(arbKind, arbInstant, arbCalendar, (kind, t, cal) => {
        const p = periodContaining(kind, t, cal);
        return p.start.getTime() <= t.getTime() && t.getTime() < p.end.getTime();
      }),
    );
  });

  it('periods tile time: each ends where the next starts, with no gap or overlap', () => {
    fc.assert(
      fc.property(arbKind, arbInstant, arbCalendar, (kind, t, cal) => {
        const p = periodContaining(kind, t, cal);
        const next = nextPeriod(p, cal);
        const prev = previousPeriod(p, cal);
        expect(next.start.getTime()).toBe(p.end.getTime());
        expect(prev.end.getTime()).toBe(p.start.getTime());
        expect(previousPeriod(next, cal).key).toBe(p.key);
      }),
    );
  });

  it('quarters tile their fiscal year, and months their quarter', () => {
    fc.assert(
      fc.property(arbInstant, arbCalendar, (t, cal) => {
        const year = periodContaining('year', t, cal);
        let q = periodContaining('quarter', year.start, cal);
        expect(q.start.getTime()).toBe(year.start.getTime());
        for (let i = 0; i < 3; i++) q = nextPeriod(q, cal);
        expect(q.end.getTime()).toBe(year.end.getTime());
        let m = periodContaining('month', q.start, cal);
        m = nextPeriod(nextPeriod(m, cal), cal);
        expect(m.end.getTime()).toBe(q.end.getTime());
      }),
    );
  });

  it('a custom range and the one before it have the same number of days and touch', () => {
    fc.assert(
      fc.property(arbInstant, fc.integer({ min: 1, max: 400 }), arbCalendar, (t, days, cal) => {
        const p = parsePeriod(`last ${days} days`, t, cal);
        const prev = previousPeriod(p, cal);
        expect(prev.end.getTime()).toBe(p.start.getTime());
        expect(prev.key.split('..').length).toBe(2);
        const span = (x: TPeriod) => Math.round((x.end.getTime() - x.start.getTime()) / 86_400_000);
        expect(Math.abs(span(prev) - span(p))).toBeLessThanOrEqual(1); // a DST hour may round either way
      }),
    );
  });
});
