import { describe, expect, it } from 'vitest';
import { diagnoseDecline, type TPeriodSnapshot, usualPeriods } from '../../src/metrics/diagnosis.js';

const money = (minor: number) => `$${(minor / 100).toFixed(0)}`;
const opts = { formatMoney: money, repName: 'Dana' };

/** A steady rep: 5 deals of $2,000 a month from 10 wins out of 20 closed, 12 created, 200 outreach, 50 personalized. */
function steady(key: string, over: Partial<TPeriodSnapshot> = {}): TPeriodSnapshot {
  return {
    key,
    wonTotal: 1_000_000,
    wonCount: 5,
    winRate: 0.5,
    created: 12,
    outreach: 200,
    personalized: 50,
    ...over,
  };
}
const history = ['2017-01', '2017-02', '2017-03', '2017-04', '2017-05'].map((k, i) =>
  // Small natural wobble around the steady figures.
  steady(k, { wonTotal: 1_000_000 + (i % 2 ? 60_000 : -40_000) }),
);

describe('decline diagnosis on constructed histories', () => {
  it('stays quiet on noise', () => {
    const r = diagnoseDecline(steady('2017-06', { wonTotal: 930_000 }), history, opts);
    expect(r.verdict).toBe('not_declining');
    expect(r.driver).toBeNull();
  });

  it('stays quiet without enough history, naming the rule that is not met and the numbers short of it', () => {
    const usual = { unit: 'month', periodLabel: 'June 2017', since: 'March 2017', newThisPeriod: false };
    const r = diagnoseDecline(steady('2017-06', { wonTotal: 0, wonCount: 0 }), history.slice(0, 2), {
      ...opts,
      usual,
    });
    expect(r.verdict).toBe('insufficient_data');
    expect(r.shortOf).toEqual({ rule: 'periods', have: 2, need: 3 });
    expect(r.explanation).toBe(
      'Dana is new: 2 full months since their record began in March 2017 (a month they were there for only part of is left out); a usual needs at least 3 full months of record.',
    );
    // Enough months, too few won deals: the deals are the shortfall, not the months.
    const few = history.map((h) => ({ ...h, wonCount: 1 }));
    const d = diagnoseDecline(steady('2017-06'), few, { ...opts, usual });
    expect(d.shortOf).toEqual({ rule: 'deals', have: 5, need: 6 });
    expect(d.explanation).toBe(
      'Dana won 5 deals in the 5 months before June 2017; judging a trend needs at least 6 won deals in them.',
    );
  });

  it('many won deals but a usual of zero: says that, not "not enough history"', () => {
    // 6 earlier months, 140 won deals, all of them in two months: the median month won nothing.
    const lumpy = ['2017-01', '2017-02', '2017-03', '2017-04', '2017-05', '2017-06'].map((k, i) =>
      i < 4 ? steady(k, { wonTotal: 0, wonCount: 0 }) : steady(k, { wonTotal: 7_000_000, wonCount: 70 }),
    );
    const r = diagnoseDecline(steady('2017-07', { wonTotal: 0, wonCount: 0 }), lumpy, {
      ...opts,
      usual: { unit: 'month', periodLabel: 'July 2017', since: 'December 2016', newThisPeriod: false },
    });
    expect(r.verdict).toBe('insufficient_data');
    expect(r.shortOf).toEqual({ rule: 'usual_above_zero', have: 4, need: 3 });
    expect(r.explanation).toBe(
      "Dana's usual won revenue is $0: nothing was won in 4 of the 6 months before July 2017 (the usual is the median month), though 140 deals were won in the other 2. A decline is judged only against a usual above zero.",
    );
    expect(r.explanation).not.toMatch(/not enough history/i);
    // With three empty months of six the median is above zero, and a verdict is given.
    const three = lumpy.map((t, i) => (i === 3 ? steady(t.key, { wonTotal: 7_000_000, wonCount: 70 }) : t));
    expect(diagnoseDecline(steady('2017-07'), three, opts).verdict).not.toBe('insufficient_data');
  });

  it('the usual takes only the periods that start at or after the first fact', () => {
    const months = ['2017-01', '2017-02', '2017-03', '2017-04'].map((k) => ({
      key: k,
      start: new Date(`${k}-01T00:00:00Z`),
    }));
    const keys = (first: Date | null) => usualPeriods(months, first).map((m) => m.key);
    // A first fact mid-February: February is partial, March on count.
    expect(keys(new Date('2017-02-14T10:00:00Z'))).toEqual(['2017-03', '2017-04']);
    // At the very start of February: February is whole.
    expect(keys(new Date('2017-02-01T00:00:00Z'))).toEqual(['2017-02', '2017-03', '2017-04']);
    // Before them all, after them all, none at all.
    expect(keys(new Date('2016-06-01T00:00:00Z'))).toEqual(['2017-01', '2017-02', '2017-03', '2017-04']);
    expect(keys(new Date('2017-09-01T00:00:00Z'))).toEqual([]);
    expect(keys(null)).toEqual([]);
    // Order of the periods is kept, whatever it is.
    expect(usualPeriods([...months].reverse(), new Date('2017-02-14T10:00:00Z')).map((m) => m.key)).toEqual([
      '2017-04',
      '2017-03',
    ]);
  });

  it('finds smaller deals when the count held and the size fell', () => {
    const r = diagnoseDecline(steady('2017-06', { wonTotal: 500_000, wonCount: 5 }), history, opts);
    expect(r.verdict).toBe('declining');
    expect(r.driver).toBe('smaller_deals');
    expect(r.countShare).toBeCloseTo(0, 9);
    // Baseline: median of 960,000 / 1,060,000 alternating = 960,000; usual deal 192,000 (960,000 / 5).
    expect(r.change).toBeCloseTo(500_000 / 960_000 - 1, 9);
    expect(r.explanation).toContain('$1920 to $1000');
  });

  it('says the number of deals held up only when it did (smaller deals)', () => {
    // Usual: 7 or 8 deals a month (median 7.5), about $8,857 each.
    const usual = ['2017-01', '2017-02', '2017-03', '2017-04'].map((k, i) =>
      steady(k, { wonCount: i % 2 ? 8 : 7, wonTotal: i % 2 ? 7_085_600 : 6_199_900 }),
    );
    const cases: { count: number; size: number; says: string }[] = [
      // 6 against 7.5 is 20% fewer: not "held up".
      { count: 6, size: 200_000, says: 'and fewer deals were won (6 against 7–8).' },
      { count: 3, size: 150_000, says: 'and fewer deals were won (3 against 7–8).' },
      // 7 against 7.5 (7% fewer) and more deals than usual: held up.
      { count: 7, size: 200_000, says: 'while the number of deals held up.' },
      { count: 9, size: 100_000, says: 'while the number of deals held up.' },
    ];
    for (const c of cases) {
      const r = diagnoseDecline(
        steady('2017-06', { wonCount: c.count, wonTotal: c.count * c.size }),
        usual,
        opts,
      );
      expect(r.driver, `${c.count} deals`).toBe('smaller_deals');
      expect(r.explanation, `${c.count} deals`).toContain(c.says);
      expect(r.explanation.includes('held up'), `${c.count} deals`).toBe(c.says.includes('held up'));
    }
  });

  it('traces fewer deals to a lower win rate', () => {
    const r = diagnoseDecline(
      steady('2017-06', { wonTotal: 400_000, wonCount: 2, winRate: 0.2 }),
      history,
      opts,
    );
    expect(r.driver).toBe('fewer_deals_win_rate');
    // ln(2/5) of deal count against ln(200,000 / 192,000) of slightly bigger deals: count explains it all (>1).
    expect(r.countShare).toBeCloseTo(Math.log(2 / 5) / (Math.log(2 / 5) + Math.log(200_000 / 192_000)), 9);
    expect(r.explanation).toMatch(/20% of closed deals won against 50%.*recorded calls/);
  });

  it('traces a thinner pipeline to less outreach', () => {
    const r = diagnoseDecline(
      steady('2017-06', { wonTotal: 400_000, wonCount: 2, created: 5, outreach: 90 }),
      history,
      opts,
    );
    expect(r.driver).toBe('outreach_volume');
    expect(r.explanation).toContain('90 outreach activities against 200');
  });

  it('traces a thinner pipeline to less personalization when volume held', () => {
    const r = diagnoseDecline(
      steady('2017-06', { wonTotal: 400_000, wonCount: 2, created: 5, personalized: 10 }),
      history,
      opts,
    );
    expect(r.driver).toBe('personalization');
  });

  it('names a thinner pipeline when outreach and personalization held', () => {
    const r = diagnoseDecline(
      steady('2017-06', { wonTotal: 400_000, wonCount: 2, created: 5 }),
      history,
      opts,
    );
    expect(r.driver).toBe('fewer_deals_pipeline');
    expect(r.explanation).toContain('5 new opportunities against 12 usually, though outreach held up');
  });

  it('says nothing of outreach where none is recorded, and a median of counts as a range, never 12.5', () => {
    const none = (k: string, i: number) =>
      steady(k, { outreach: 0, personalized: 0, created: i % 2 ? 12 : 13, wonTotal: 1_000_000 + i });
    const quiet = ['2017-01', '2017-02', '2017-03', '2017-04'].map(none);
    const r = diagnoseDecline(
      steady('2017-06', { wonTotal: 400_000, wonCount: 2, created: 5, outreach: 0, personalized: 0 }),
      quiet,
      opts,
    );
    expect(r.driver).toBe('fewer_deals_pipeline');
    expect(r.explanation).toContain(
      'a thinner pipeline: 5 new opportunities against 12–13 usually, no outreach is recorded to say why',
    );
    expect(r.explanation).not.toContain('held up');
    expect(r.explanation).not.toContain('12.5');
  });

  it('names the stuck stage when the funnel shows a bottleneck', () => {
    const r = diagnoseDecline(steady('2017-06', { wonTotal: 400_000, wonCount: 2 }), history, {
      ...opts,
      bottleneck: { stage: 'Proposal', reason: 'dwell', rep: 21, team: 7, shortfall: 2, sample: 9 },
    });
    expect(r.driver).toBe('stuck_stage');
    expect(r.explanation).toContain('"Proposal" for 21.0 days against 7.0');
  });

  it('calls a fall to nothing a decline of deal count', () => {
    const r = diagnoseDecline(steady('2017-06', { wonTotal: 0, wonCount: 0, winRate: null }), history, opts);
    expect(r.verdict).toBe('declining');
    expect(r.countShare).toBe(1);
  });

  it('does not call a lumpy rep declining for a fall within their usual spread', () => {
    // Median 1,400,000; absolute deviations 1.0M, 0.6M, 0.4M, 0.8M, 0 -> MAD 0.6M, spread 1.4826 x 0.6M = 889,560.
    const lumpy = [400_000, 2_000_000, 1_000_000, 2_200_000, 1_400_000].map((w, i) =>
      steady(`m${i}`, { wonTotal: w }),
    );
    const r = diagnoseDecline(steady('f', { wonTotal: 1_000_000 }), lumpy, opts);
    expect(r.change).toBeCloseTo(1_000_000 / 1_400_000 - 1, 9); // -29%: past the 20% threshold ...
    expect(r.verdict).toBe('not_declining'); // ... but a 400,000 fall is inside the 889,560 spread
    expect(r.explanation).toContain(
      '29% below their usual, but within their normal spread from period to period ($8896)',
    );
  });
});

describe('diagnosis wording when not declining', () => {
  it('says a strong period is above the usual, not "normal variation"', () => {
    const r = diagnoseDecline(steady('2017-06', { wonTotal: 2_000_000 }), history, opts);
    expect(r.verdict).toBe('not_declining');
    expect(r.explanation).toBe(
      'Dana won $20000 in 2017-06: 108% above their usual $9600 (median of 5 periods).',
    );
  });
});
