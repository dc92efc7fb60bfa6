import { describe, expect, it } from 'vitest';
import { minorDigits } from '../../src/domain/money.js';
import { diagnoseDecline } from '../../src/metrics/diagnosis.js';
import { SCALAR_METRICS } from '../../src/metrics/scalar.js';
import { changeBetween, formatChange, formatMetric } from '../../src/reports/format.js';
import { presentMetrics } from '../../src/reports/present.js';

describe('formatting metric values', () => {
  it.each([
    [1054, 'money', 'USD', '$1,054'],
    [999.5, 'money', 'USD', '$999.50'],
    [-1500.4, 'money', 'USD', '-$1,500'],
    [122127.49, 'money', 'EUR', '€122,127'],
    [17.5, 'count', 'USD', '18'],
    [17, 'count', 'USD', '17'],
    [0.615, 'share', 'USD', '61.5%'],
    [2.7333, 'times', 'USD', '2.73 : 1'],
    [3, 'per', 'USD', '3'],
    [-0.25, 'percent_change', 'USD', '-25.0%'],
    [1.762, 'percent_change', 'USD', '+176.2%'],
    [12, 'days', 'USD', '12 days'],
    [null, 'share', 'USD', 'no data'],
  ] as const)('%s as %s -> %s', (value, unit, currency, text) => {
    expect(formatMetric(value, unit, currency)).toBe(text);
  });

  it('converts money to major units by the currency minor digits', () => {
    expect(minorDigits('USD')).toBe(2);
    expect(minorDigits('JPY')).toBe(0);
    expect(presentMetrics({ 'sales.won_total': 105_400, 'sales.won_count': 3 }, 'USD')).toEqual({
      'sales.won_total': 1054,
      'sales.won_count': 3,
    });
    expect(presentMetrics({ 'sales.won_total': 1054 }, 'JPY')['sales.won_total']).toBe(1054);
  });

  it('per-item averages and ratios are never shown as percentages', () => {
    const byId = Object.fromEntries(SCALAR_METRICS.map((m) => [m.id, m.unit]));
    expect(byId['social.likes_per_post']).toBe('per');
    expect(byId['opportunities.created_to_lost_ratio']).toBe('times');
    expect(byId['opportunities.win_rate']).toBe('share');
  });

  it('a change of a rate is in points, of an amount or a count a percentage of where it was', () => {
    expect(changeBetween(0.86, 0.58, 'share')).toEqual({ change: 0.86 - 0.58, changeUnit: 'points' });
    expect(formatChange(changeBetween(0.86, 0.58, 'share') as never, 'share')).toBe('+28 pts');
    expect(formatChange(changeBetween(0.5, 0.51, 'share') as never, 'share')).toBe('-1 pt');
    expect(formatChange(changeBetween(72, 80, 'score') as never, 'score')).toBe('-8 pts');
    expect(formatChange(changeBetween(1250, 1000, 'money') as never, 'money')).toBe('+25%');
    expect(formatChange(changeBetween(14, 16, 'count') as never, 'count')).toBe('-12.5%');
    expect(formatChange(changeBetween(-50, -100, 'money') as never, 'money')).toBe('+50%');
    expect(formatChange(changeBetween(0.5, 0.5, 'share') as never, 'share')).toBe('no change');
    // No base to compare an amount with; a rate from 0% is still a change in points.
    expect(changeBetween(100, 0, 'money')).toBeNull();
    expect(changeBetween(0.3, 0, 'share')).toEqual({ change: 0.3, changeUnit: 'points' });
    expect(changeBetween(null, 0.5, 'share')).toBeNull();
    expect(changeBetween(0.5, undefined, 'share')).toBeNull();
    expect(changeBetween(Number.NaN, 0.5, 'share')).toBeNull();
  });

  it('a median of counts in the decline diagnosis is described, never "17.5 deals"', () => {
    // Four usual months of 17 and 18 won deals (median 17.5), then a month of 8.
    const month = (key: string, wonCount: number, wonTotal: number) => ({
      key,
      wonTotal,
      wonCount,
      winRate: 0.5,
      created: 40,
      outreach: 200,
      personalized: 50,
    });
    const history = [17, 18, 17, 18].map((n, i) => month(`2017-0${i + 1}`, n, n * 100_000));
    const r = diagnoseDecline(month('2017-05', 8, 800_000), history, {
      formatMoney: (minor) => formatMetric(minor / 100, 'money', 'USD'),
      repName: 'Dana',
    });
    expect(r.verdict).toBe('declining');
    expect(r.explanation).toContain('(17–18 deals, median of 4 periods)');
    expect(r.explanation).not.toMatch(/\d\.5 deals|against \d+\.5/);
  });
});

describe('money in lists: no cents where there are none or they are noise', () => {
  it('$900 beside $6,000 (not $900.00), cents kept below 1,000 when there are some, exact on request', () => {
    expect(formatMetric(900, 'money', 'USD')).toBe('$900');
    expect(formatMetric(0, 'money', 'USD')).toBe('$0');
    expect(formatMetric(6000.5, 'money', 'USD')).toBe('$6,001');
    expect(formatMetric(12.5, 'money', 'USD')).toBe('$12.50');
    expect(formatMetric(-0.25, 'money', 'USD')).toBe('-$0.25');
    expect(formatMetric(900, 'money', 'USD', 'en-US', { exact: true })).toBe('$900.00');
  });
});
