import { closestMatch } from '../domain/closest.js';
import { minorDigits, parseAmount } from '../domain/money.js';
import { isAppError } from '../errors.js';
import { parsePeriod, periodContaining, shownAsTyped, type TCalendar, type TPeriod } from './periods.js';
import { SCALAR_METRICS, type TScalarMetric } from './scalar.js';
import { storedTargetAmount, targetScale } from './targets.js';

/**
 * A target as people write it (`/kpi target set`, the `targets` CSV kind), read and checked the same way for
 * every transport: the metric, the amount, the period kind and the first period it counts for. Each reader
 * returns the value, or the problem with the input field it concerns (plain text).
 */

export type TTargetField = 'metricId' | 'amount' | 'period' | 'from';
export type TTargetProblem = { problem: { field: TTargetField; message: string } };
const problem = (field: TTargetField, message: string): TTargetProblem => ({ problem: { field, message } });

export const TARGET_PERIOD_KINDS = ['week', 'month', 'quarter', 'year'] as const;
export type TTargetPeriodKind = (typeof TARGET_PERIOD_KINDS)[number];

/** The words for each period kind a target may have (the kinds themselves included). */
const PERIOD_WORDS: Record<string, TTargetPeriodKind> = {
  week: 'week',
  weekly: 'week',
  month: 'month',
  monthly: 'month',
  quarter: 'quarter',
  quarterly: 'quarter',
  year: 'year',
  yearly: 'year',
  annual: 'year',
};

/** The period kind a word names (week, weekly …), or null. */
export function targetPeriodKind(word: string): TTargetPeriodKind | null {
  const w = word.trim().toLowerCase();
  return Object.hasOwn(PERIOD_WORDS, w) ? (PERIOD_WORDS[w] ?? null) : null;
}

/**
 * The metrics docs/metrics.md lists that are not one number (a figure per stage, a stage's name): `/kpi me`
 * shows them, but a target cannot be set on them.
 */
const NOT_ONE_NUMBER: Record<string, string> = {
  'funnel.open_by_stage': 'a count of open deals per stage',
  'funnel.stage_conversion': 'a conversion rate per stage',
  'funnel.median_days_in_stage': 'a number of days per stage',
  'funnel.bottleneck': "the name of the funnel's slowest stage",
  'funnel.open_stage_unknown':
    'a count of open deals whose stage is not in the funnel, shown beside the stages',
};

/** The metric a target is on: a known metric id that is an amount to reach (not a change against before). */
export function targetMetric(id: string): TScalarMetric | TTargetProblem {
  if (id.trim() === '') return problem('metricId', 'Say the metric.');
  const lower = id.trim().toLowerCase();
  const perStage = Object.hasOwn(NOT_ONE_NUMBER, lower) ? NOT_ONE_NUMBER[lower] : undefined;
  if (perStage)
    return problem(
      'metricId',
      `${lower} is ${perStage}, not a single number, so it takes no target. A target is on a metric that is one number, such as sales.won_count or opportunities.win_rate (docs/metrics.md).`,
    );
  const metric = SCALAR_METRICS.find((m) => m.id === lower);
  if (!metric && id.length > 100) return problem('metricId', 'That is not a metric id: it is too long.');
  if (!metric) {
    const near = closestMatch(
      id,
      SCALAR_METRICS.map((m) => m.id),
    );
    return problem(
      'metricId',
      `${shownAsTyped(id.trim()).replace(/[\p{Cc}\p{Cf}]/gu, '')} is not a metric${near ? ` (did you mean ${near}?)` : ''}. The ids are in docs/metrics.md.`,
    );
  }
  if (metric.unit === 'percent_change')
    // Pace and attainment need an amount that grows through the period: a change against the previous period
    // swings from −100% on its first day, cannot be scaled from a month to a quarter, and may be negative.
    return problem(
      'metricId',
      `${metric.id} (${metric.title}) is a change against the previous period, not an amount to reach, so it takes no target. Set one on ${metric.id === 'sales.change_vs_previous' ? 'sales.won_total' : 'the figure it compares'} instead, e.g. last period's figure plus 10%.`,
    );
  return metric;
}

/**
 * The largest target amount of a metric: below a trillion, and within what a target keeps exactly (an integer
 * below 2^53 of its stored unit: minor units of money, millionths of a rate); a share at most 1 (100%).
 */
export function largestTarget(metric: TScalarMetric): number {
  if (metric.unit === 'share') return 1;
  const exact = Math.floor(Number.MAX_SAFE_INTEGER / targetScale(metric.unit));
  return Math.min(999_999_999_999, exact);
}

/**
 * A target amount as typed (50000, 50k, 1.5m, 25%) for a metric: `amount` in the metric's unit as read (major
 * units for money), `stored` as the target keeps it (money in minor units of `currency`). Positive, below a
 * trillion, a share at most 100%, no decimals finer than the currency's or than a target keeps: refused, never
 * rounded.
 */
export function targetAmount(
  metric: TScalarMetric,
  typedRaw: string,
  currency: string,
): { amount: number; stored: number } | TTargetProblem {
  const typedAmount = typedRaw.replace(/\s+/g, '');
  if (typedAmount.length > 40) return problem('amount', 'The amount is too long.');
  const echo = shownAsTyped(typedAmount).replace(/[\p{Cc}\p{Cf}]/gu, '');
  const largest = largestTarget(metric);
  // Written with an exponent (1e20): not an amount KPI Bot reads, but the reason it is refused is its size.
  const exponent = /^\d+(?:\.\d+)?e[+]?\d+$/i.test(typedAmount) ? Number(typedAmount) : null;
  if (exponent !== null && exponent > largest)
    return problem(
      'amount',
      `The amount is too large: at most ${largest.toLocaleString('en-US')}, got "${echo}".`,
    );
  if (exponent !== null)
    return problem('amount', `Write the amount in digits, such as 50000, 50k or 1.5m, got "${echo}".`);
  if (typedAmount.includes('%') && metric.unit !== 'share')
    return problem(
      'amount',
      `${metric.title} (${metric.id}) is not a share, so its amount is not a percent; got "${echo}". Say it in the metric's own unit${metric.unit === 'money' ? ', e.g. 4000 or 4k' : ''}.`,
    );
  let amount = parseAmount(typedAmount);
  if (amount === null || amount <= 0)
    return problem(
      'amount',
      `The amount must be a positive number such as 50000, 50k or 75%, got "${echo}".`,
    );
  if (metric.unit === 'share') {
    // A share written without % (25) means percent; 0.25 is the same share as a fraction.
    if (!typedAmount.includes('%') && amount > 1) amount /= 100;
    if (amount > 1)
      return problem('amount', `${metric.title} is a share: the amount is at most 100%, got "${echo}".`);
  }
  if (amount > largest)
    return problem(
      'amount',
      `The amount is too large: at most ${largest.toLocaleString('en-US')}, got "${echo}".`,
    );
  const digits = minorDigits(currency);
  const minor = amount * 10 ** digits;
  // Decimals as typed (1.5k has none left over: 1500), not of the float, which 1,234,567,890.12 would fail.
  const typed = /\.(\d+)\s*([kKmM])?$/.exec(typedAmount.replace(/%$/, ''));
  const shift = typed?.[2] ? (typed[2].toLowerCase() === 'k' ? 3 : 6) : 0;
  const decimals = Math.max(0, (typed?.[1]?.replace(/0+$/, '').length ?? 0) - shift);
  if (metric.unit === 'money' && decimals > digits)
    return problem(
      'amount',
      `${currency.toUpperCase()} has ${digits} decimal place${digits === 1 ? '' : 's'}; "${echo}" has more.`,
    );
  const stored = metric.unit === 'money' ? Math.round(minor) : amount;
  // Targets are stored as integers (money in minor units, counts whole, other units in millionths): refused
  // when the amount has no exact integer form, never rounded.
  if (storedTargetAmount(stored, metric.unit) === null)
    return problem(
      'amount',
      Math.abs(stored) * targetScale(metric.unit) > Number.MAX_SAFE_INTEGER
        ? `The amount is too large: at most ${largest.toLocaleString('en-US')}, got "${echo}".`
        : metric.unit === 'count'
          ? `${metric.title} is counted in whole numbers; "${echo}" is not one.`
          : `"${echo}" is finer than a target keeps (a millionth${metric.unit === 'share' ? ', 0.0001%' : ''}).`,
    );
  return { amount, stored };
}

/** How far ahead a target may start. */
export const TARGET_START_MAX_YEARS_AHEAD = 10;

const KIND_NOUN: Record<TTargetPeriodKind, string> = {
  week: 'a week',
  month: 'a month',
  quarter: 'a quarter',
  year: 'a year',
};
const KIND_ADJECTIVE: Record<TTargetPeriodKind, string> = {
  week: 'weekly',
  month: 'monthly',
  quarter: 'quarterly',
  year: 'yearly',
};

/** A period as it can be typed back: its key (2024-01, 2024-Q1, FY2024), a week by its first day. */
function typable(p: TPeriod): string {
  return p.kind === 'week' ? (p.key.split('/')[0] ?? p.key) : p.key;
}

/**
 * The first period a target of `kind` counts for. Without `from`, the current one. With `from` (any period as
 * `/kpi me` reads it: 2024-01, 2024-Q1, last month, 2024-03-04), the period of `kind` that starts where `from`
 * starts; a `from` starting inside such a period is refused, naming the one containing it and the next (a
 * quarterly target from 2024-02 would otherwise count for January or not for February). Not before 1970, nor
 * more than ten years ahead.
 */
export function targetStart(
  kind: TTargetPeriodKind,
  from: string | undefined,
  now: Date,
  cal: TCalendar,
): TPeriod | TTargetProblem {
  if (from === undefined || from.trim() === '') return periodContaining(kind, now, cal);
  let named: TPeriod;
  try {
    named = parsePeriod(from, now, cal);
  } catch (error) {
    if (isAppError(error)) return problem('from', error.message);
    throw error;
  }
  // A date reads as a range of one day (a target starts on it), and a range that is exactly a period of the
  // target's kind (2024-05-01..2024-05-31 for a monthly one) is that period. Any other range (2017-06-01..
  // 2017-06-15), and a rolling one (last 30 days, ytd) whatever day it is asked on, is not a calendar period.
  const rolling = /^(?:(?:last|past)\s+\d|ytd$|qtd$|year to date$|quarter to date$)/i.test(from.trim());
  const asKind = periodContaining(kind, named.start, cal);
  const oneDay = periodContaining('day', named.start, cal).end.getTime() === named.end.getTime();
  const wholePeriod =
    asKind.start.getTime() === named.start.getTime() && asKind.end.getTime() === named.end.getTime();
  if (named.kind === 'custom' && (rolling || !(oneDay || wholePeriod)))
    return problem(
      'from',
      `"${shownAsTyped(from.trim())}" is a range of days, not a calendar period: from (the first period a target counts for) takes a calendar period: a month (2017-06), a quarter (2017-Q2), a year (2017), a date (2017-06-05), or this or last month, quarter or year.`,
    );
  const first = periodContaining(kind, named.start, cal);
  if (first.start.getTime() !== named.start.getTime()) {
    const next = periodContaining(kind, first.end, cal);
    return problem(
      'from',
      `A ${KIND_ADJECTIVE[kind]} target starts with ${KIND_NOUN[kind]}, and "${shownAsTyped(from.trim())}" begins inside ${first.label}. Say ${typable(first)} or ${typable(next)}.`,
    );
  }
  const latest = periodContaining(
    kind,
    new Date(Date.UTC(new Date(now).getUTCFullYear() + TARGET_START_MAX_YEARS_AHEAD, 0, 1)),
    cal,
  );
  if (first.start > latest.start)
    return problem(
      'from',
      `"${shownAsTyped(from.trim())}" is more than ${TARGET_START_MAX_YEARS_AHEAD} years ahead; a target starts at most that far ahead.`,
    );
  return first;
}

/** A team target on someone nobody (active) reports to: refused in every transport, on the manager. */
export const managesNobody = (name: string) =>
  `${name} manages nobody: a team target applies to a manager's reports.`;

export const isTargetProblem = (x: unknown): x is TTargetProblem =>
  typeof x === 'object' && x !== null && 'problem' in x;
