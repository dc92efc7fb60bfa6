import { describe, expect, it } from 'vitest';
import { toInstant, toMinorUnits } from '../../src/ingest/values.js';

describe('toInstant', () => {
  it('reads dates and offset-less times in the workspace zone, offsets and epochs as absolute', () => {
    expect(toInstant('2026-11-02', 'Europe/Berlin').toISOString()).toBe('2026-11-01T23:00:00.000Z');
    expect(toInstant('2026-07-02 09:30', 'Europe/Berlin').toISOString()).toBe('2026-07-02T07:30:00.000Z');
    expect(toInstant('2026-07-02T09:30:00Z', 'Europe/Berlin').toISOString()).toBe('2026-07-02T09:30:00.000Z');
    expect(toInstant('2026-07-02T09:30:00.25-05:00', 'UTC').toISOString()).toBe('2026-07-02T14:30:00.250Z');
    expect(toInstant(1462216307945, 'UTC').toISOString()).toBe('2016-05-02T19:11:47.945Z');
  });
  it('refuses impossible dates instead of rolling them over', () => {
    expect(() => toInstant('2026-02-31', 'UTC')).toThrow(/valid/);
    expect(() => toInstant('2026-13-01', 'UTC')).toThrow(/valid/);
    expect(() => toInstant('yesterday', 'UTC')).toThrow();
  });
});

describe('toMinorUnits', () => {
  it('is exact for decimal strings and respects the currency exponent', () => {
    expect(toMinorUnits('1234.5', 'USD')).toBe(123450n);
    expect(toMinorUnits('0.29', 'USD')).toBe(29n);
    expect(toMinorUnits(0.29, 'USD')).toBe(29n);
    expect(toMinorUnits('1500', 'JPY')).toBe(1500n);
    expect(toMinorUnits('1.005', 'USD')).toBe(101n);
    expect(toMinorUnits('99999999999999.99', 'EUR')).toBe(9999999999999999n);
    expect(() => toMinorUnits('-5', 'USD')).toThrow();
  });
});
