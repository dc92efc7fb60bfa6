import { describe, expect, it } from 'vitest';
import { minorDigits } from '../../src/domain/money.js';
import { SCALAR_METRICS } from '../../src/metrics/scalar.js';
import { formatMetric } from '../../src/reports/format.js';
import { presentMetrics } from '../../src/reports/present.js';

describe('formatting metric values', () => {
  it.each([
    [1054, 'money', 'USD', '$1,054.00'],
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
});
