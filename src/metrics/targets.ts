import { elapsedFraction, type TPeriod, type TPeriodKind } from './periods.js';
import { LOWER_IS_BETTER, SCALAR_METRICS, type TMetricUnit } from './scalar.js';
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
 * The calendar days of a custom range. A range is made of whole local days of the workspace zone (dateRange), so
 * its length is a whole number of days give or take the daylight-saving hours it spans (a day of 23 or 25
 * hours): rounding the elapsed time to whole days counts its calendar days exactly, whatever the zone.
 */
export function calendarDays(period: TPeriod): number {
  return Math.max(0, Math.round((period.end.getTime() - period.start.getTime()) / DAY_MS));
}

/**
 * A target set for one period kind, scaled to another period: amount × months(period) / months(kind), where a
 * week is 12/52.1775 months and a custom range its calendar days × 12/365.2425 (calendarDays: a range across a
 * daylight-saving change is still a whole number of days). A monthly target of 50 is 150 a quarter.
 */
export function scaleTarget(amount: number, kind: Exclude<TPeriodKind, 'custom'>, period: TPeriod): number {
  const months = period.kind === 'custom' ? calendarDays(period) * (12 / 365.2425) : MONTHS_IN[period.kind];
  return period.kind === kind ? amount : (amount * months) / MONTHS_IN[kind];
}

/**
 * Metrics of an additive unit (money, a count) whose figure is still not a sum over the period: an average
 * (average deal size) or a reading at the period's end (followers, LinkedIn's rolling profile views).
 */
const NOT_SUMS = new Set(['sales.avg_deal_size', 'linkedin.followers', 'linkedin.profile_views']);

/**
 * The one rule for how a metric's target relates to a period's length (docs/metrics.md, "Targets"): true for a
 * sum over the period (money or a count: won revenue, calls, posts), whose target is scaled to another period
 * length and paced linearly; false for a level (a share such as a win rate, a ratio, an average, a score, days, a
 * reading such as followers), whose target is the same number for any period and gets no linear pace. A metric
 * id no metric has is read like a count, as its stored amount is.
 */
export function isAdditive(metricId: string): boolean {
  const unit = targetUnit(metricId);
  return (unit === undefined || unit === 'money' || unit === 'count') && !NOT_SUMS.has(metricId);
}

/**
 * A target set for one period kind, read for `period`: scaled (scaleTarget) for a sum (isAdditive), the same
 * number for a level (a monthly 25% win rate target is 25% for a week, a quarter, a year or a custom range).
 */
export function targetForPeriod(
  metricId: string,
  amount: number,
  kind: Exclude<TPeriodKind, 'custom'>,
  period: TPeriod,
): number {
  return isAdditive(metricId) ? scaleTarget(amount, kind, period) : amount;
}

/** A stored target in its metric's unit (money in minor units, a share as a fraction) and whom it is set on. */
export type TTargetRow = {
  id: string;
  /** rep | team (repId is the team's manager) | workspace */
  scope: string;
  repId: string | null;
  metricId: string;
  periodKind: string;
  amount: number;
  effectiveFrom: Date;
};

/** A rep as the target rule needs them: who they are and who manages them (whose team they are on). */
export type TTargetRep = { id: string; managerId: string | null };

/** How close a row is to a rep: 0 their own, 1 their team's, 2 the workspace's; null when it is not for them. */
function closeness(row: TTargetRow, rep: TTargetRep): number | null {
  if (row.scope === 'rep') return row.repId === rep.id ? 0 : null;
  if (row.scope === 'team') return rep.managerId !== null && row.repId === rep.managerId ? 1 : null;
  return row.scope === 'workspace' ? 2 : null;
}

/**
 * The one rule for a rep's target (docs/metrics.md, "Targets"); every view that measures a rep against a target
 * (scorecard, pace, coaching alerts, leaderboards, the weekly post, the team view) gets it from here. For each
 * metric: the rep's own target; else their team's (the target set on their manager), which applies to each rep
 * of the team in full, as a per-rep target; else the workspace's, also per rep; else the default (DEFAULT_TARGETS).
 * A team or workspace target is never shared out among the reps: a team of 4 with a team target of 10,000 is
 * 4 reps with 10,000 each, and its total is 40,000 (teamTargets).
 *
 * Only rows effective at the period's start count (effectiveFrom <= start). Within the nearest scope, a target
 * set for this very period kind beats one scaled from another kind, then the latest effectiveFrom wins (then the
 * larger id, so the answer does not depend on the rows' order). A chosen target of a sum is scaled to the period;
 * a level's is the same number whatever the period (targetForPeriod).
 */
export function repTargets(
  rows: readonly TTargetRow[],
  rep: TTargetRep,
  period: TPeriod,
): Record<string, number> {
  const chosen = new Map<string, { row: TTargetRow; rank: number }>();
  for (const row of rows) {
    if (row.effectiveFrom.getTime() > period.start.getTime()) continue;
    const rank = closeness(row, rep);
    if (rank === null) continue;
    const seen = chosen.get(row.metricId);
    if (!seen || beats(row, rank, seen.row, seen.rank, period)) chosen.set(row.metricId, { row, rank });
  }
  const out: Record<string, number> = {};
  for (const d of DEFAULT_TARGETS)
    out[d.metricId] = targetForPeriod(d.metricId, d.amount, d.periodKind, period);
  for (const [metricId, { row }] of chosen)
    out[metricId] = targetForPeriod(
      metricId,
      row.amount,
      row.periodKind as Exclude<TPeriodKind, 'custom'>,
      period,
    );
  return out;
}

function beats(a: TTargetRow, aRank: number, b: TTargetRow, bRank: number, period: TPeriod): boolean {
  if (aRank !== bRank) return aRank < bRank;
  const [aKind, bKind] = [a.periodKind === period.kind, b.periodKind === period.kind];
  if (aKind !== bKind) return aKind;
  const diff = a.effectiveFrom.getTime() - b.effectiveFrom.getTime();
  return diff !== 0 ? diff > 0 : a.id > b.id;
}

/**
 * A team's target for each metric, from its reps' targets (repTargets, one record per rep): for a sum (isAdditive),
 * the sum of the reps' targets; for a level (a share such as a win rate, an average, days, followers), the reps'
 * common target when they all have the same one. A metric some rep of the team has no target for, or whose
 * reps' shares differ, has no team target (a total against part of a target would read as more than it is).
 * An empty team has none.
 */
export function teamTargets(perRep: readonly Record<string, number>[]): Record<string, number> {
  const out: Record<string, number> = {};
  const first = perRep[0];
  if (!first) return out;
  for (const metricId of Object.keys(first)) {
    const amounts = perRep.map((t) => t[metricId]);
    if (amounts.some((a) => a === undefined)) continue;
    const values = amounts as number[];
    if (isAdditive(metricId)) out[metricId] = values.reduce((a, b) => a + b, 0);
    else if (values.every((v) => v === values[0])) out[metricId] = values[0] as number;
  }
  return out;
}

export type TTargetProgress = {
  target: number;
  actual: number;
  /** 'sum': scaled to the period and paced linearly; 'level': the same target whatever the period, no pace. */
  kind: 'sum' | 'level';
  /** Less is better (LOWER_IS_BETTER): the target is a ceiling, met at or below it. */
  lowerIsBetter: boolean;
  /** Whether actual is at or above target (at or below where less is better), as of now. */
  atTarget: boolean;
  /** actual / target for a sum; null for a level (its gap is read in its unit) and for a target of 0. */
  attainment: number | null;
  /** A sum's linear pace, target × elapsed share of the period; a level's target itself. */
  expectedByNow: number;
  /** actual / expectedByNow for a sum; null at the very start of the period, and always for a level. */
  paceRatio: number | null;
  /** A sum's actual / elapsed share (where the period ends at this rate); null at the very start and for a level. */
  projected: number | null;
  /** How far actual is from the target on the wrong side, in the metric's unit, never below 0. */
  gap: number;
};

/**
 * Progress toward a target at `now`. A sum (isAdditive) is paced linearly through the period; a level is compared
 * as it stands with its target, and gets no pace or projection.
 */
export function targetProgress(
  metricId: string,
  actual: number,
  target: number,
  period: TPeriod,
  now: Date,
): TTargetProgress {
  const lowerIsBetter = LOWER_IS_BETTER.has(metricId);
  const atTarget = lowerIsBetter ? actual <= target : actual >= target;
  const gap = Math.max(lowerIsBetter ? actual - target : target - actual, 0);
  if (!isAdditive(metricId))
    return {
      target,
      actual,
      kind: 'level',
      lowerIsBetter,
      atTarget,
      attainment: null,
      expectedByNow: target,
      paceRatio: null,
      projected: null,
      gap,
    };
  const elapsed = elapsedFraction(period, now);
  const expectedByNow = target * elapsed;
  return {
    target,
    actual,
    kind: 'sum',
    lowerIsBetter,
    atTarget,
    attainment: target === 0 ? null : actual / target,
    expectedByNow,
    paceRatio: expectedByNow > 0 ? actual / expectedByNow : null,
    projected: elapsed > 0 ? actual / elapsed : null,
    gap,
  };
}
