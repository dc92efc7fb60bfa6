import { elapsedFraction, type TPeriod, type TPeriodKind } from './periods.js';
import { DAY_MS } from './stats.js';

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
