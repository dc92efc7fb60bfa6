import { elapsedFraction, type TPeriod, type TPeriodKind } from './periods.js';
import { SCALAR_METRICS, type TMetricUnit } from './scalar.js';
import { DAY_MS } from './stats.js';

/**
 * How a target is stored: an integer. A target's value is in its metric's unit (money in minor units of the
 * workspace currency, a count as a count, a share as a fraction); the stored integer is that value times its
 * unit's scale: 1 for money and counts, a million for every other unit (a share, a ratio, an average, days), so
 * a 25% win rate is stored as 250000. Targets of metric ids no longer known are read like counts.
 */
export const TARGET_FRACTION_SCALE = 1_000_000;

export function targetScale(unit: TMetricUnit | undefined): number {
  return unit === undefined || unit === 'money' || unit === 'count' ? 1 : TARGET_FRACTION_SCALE;
}

/** The unit of a metric id's targets (undefined for an id no metric has). */
export function targetUnit(metricId: string): TMetricUnit | undefined {
  return SCALAR_METRICS.find((m) => m.id === metricId)?.unit;
}

/**
 * The integer stored for a target value in its metric's unit, or null when the value has no exact integer
 * form: a count that is not whole, a fraction finer than a millionth, money that is not in whole minor units,
 * or beyond 2^53. Never rounded beyond a float's own noise (0.35 × 1e6 is 350000.00000000006).
 */
export function storedTargetAmount(value: number, unit: TMetricUnit | undefined): bigint | null {
  const scaled = value * targetScale(unit);
  const whole = Math.round(scaled);
  if (!Number.isFinite(scaled) || !Number.isSafeInteger(whole)) return null;
  if (Math.abs(scaled - whole) > Math.max(1e-9, Math.abs(scaled) * 8 * Number.EPSILON)) return null;
  return BigInt(whole);
}

/** A stored target back in its metric's unit. */
export function targetFromStored(stored: bigint | number, unit: TMetricUnit | undefined): number {
  return Number(stored) / targetScale(unit);
}

/** Targets that apply until a manager sets their own: the article's 50 personalized outreach a month per rep. */
export const DEFAULT_TARGETS: {
  metricId: string;
  periodKind: Exclude<TPeriodKind, 'custom' | 'day'>;
  amount: number;
}[] = [{ metricId: 'personalization.personalized', periodKind: 'month', amount: 50 }];

const MONTHS_IN: Record<Exclude<TPeriodKind, 'custom'>, number> = {
  day: 12 / 365.2425,
  week: 12 / 52.1775,
  month: 1,
  quarter: 3,
  year: 12,
};

/**
 * A target set for one period kind, scaled to another period: amount × months(period) / months(kind), where a
 * week is 12/52.1775 months and a custom range its days × 12/365.2425. A monthly target of 50 is 150 a quarter.
 */
export function scaleTarget(amount: number, kind: Exclude<TPeriodKind, 'custom'>, period: TPeriod): number {
  const months =
    period.kind === 'custom'
      ? ((period.end.getTime() - period.start.getTime()) / DAY_MS) * (12 / 365.2425)
      : MONTHS_IN[period.kind];
  return period.kind === kind ? amount : (amount * months) / MONTHS_IN[kind];
}

export type TTargetProgress = {
  target: number;
  actual: number;
  /** actual / target. */
  attainment: number;
  /** Linear pace: target × elapsed share of the period. */
  expectedByNow: number;
  /** actual / expectedByNow; null at the very start of the period. */
  paceRatio: number | null;
  /** actual / elapsed share: where the period ends at this rate; null at the very start. */
  projected: number | null;
  /** target − actual, never below 0. */
  gap: number;
};

/** Progress toward a target at `now`, assuming linear pace through the period. */
export function targetProgress(actual: number, target: number, period: TPeriod, now: Date): TTargetProgress {
  const elapsed = elapsedFraction(period, now);
  const expectedByNow = target * elapsed;
  return {
    target,
    actual,
    attainment: target === 0 ? 0 : actual / target,
    expectedByNow,
    paceRatio: expectedByNow > 0 ? actual / expectedByNow : null,
    projected: elapsed > 0 ? actual / elapsed : null,
    gap: Math.max(target - actual, 0),
  };
}
