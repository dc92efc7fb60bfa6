import { describe, expect, it } from 'vitest';
import { diagnoseDecline, type TPeriodSnapshot } from '../../src/metrics/diagnosis.js';

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

  it('stays quiet without enough history', () => {
    const r = diagnoseDecline(steady('2017-06', { wonTotal: 0, wonCount: 0 }), history.slice(0, 2), opts);
    expect(r.verdict).toBe('insufficient_data');
    expect(r.explanation).toContain('Not enough history');
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
