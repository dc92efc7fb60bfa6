import { NO_FACTS } from '../metrics/facts.js';
import {
  localDateOf,
  periodContaining,
  previousPeriod,
  type TCalendar,
  type TPeriod,
} from '../metrics/periods.js';
import { LOWER_IS_BETTER, SCALAR_METRICS, type TMetricUnit } from '../metrics/scalar.js';
import { isAdditive } from '../metrics/targets.js';
import { loadFactsByRep } from '../store/facts.js';
import { activeRepsForWeeklyBoard } from '../store/reps.js';
import type { TDb } from '../store/store.js';
import { resolveTargetsForReps } from '../store/targets.js';
import type { Workspace } from '../store/types.js';
import { calendarOf, presentMetrics, presentPeriod } from './present.js';

/** A month this young has too little in it to rank: the board shows the month just ended instead. */
export const MIN_DAYS_TO_DATE = 3;

export type TWeeklyRow = {
  rank: number;
  rep: { id: string; name: string; slackUserId: string | null };
  /** Major units for money; null = no data. */
  value: number | null;
  target: number | null;
  /** value / target, null without a target. */
  attainment: number | null;
  /** Change against the same point of the previous period (positive = better), null without data. */
  improvement: number | null;
  /** The quality column's value for the rep (first-year churn rate or created:lost ratio). */
  quality: number | null;
  /**
   * How far behind the rep ranked just above (the difference of their values, in the metric's unit); null for
   * the first, or without a result.
   */
  gapToNext: number | null;
  /** value / the leader's value, for a rep without a target on a more-is-better metric; else null. */
  ofLeader: number | null;
  /**
   * The move since the last post (the board of the slot a week before, computed from the same facts): places up
   * (positive) or down (negative), 'new' for a rep without a result then; null when there was no comparison
   * (see TWeeklyLeaderboard.movementBasis).
   */
  movement: number | 'new' | null;
};

/** A row with a result worth naming: no data, or nothing yet on a more-is-better metric, is not. */
export const hasResult = (lowerIsBetter: boolean, r: Pick<TWeeklyRow, 'value'>) =>
  r.value !== null && (lowerIsBetter || r.value !== 0);

/** The week between two posts: rank movement compares with the board of the slot this long before. */
const WEEK_MS = 7 * 86_400_000;

export type TWeeklyLeaderboard = {
  metric: { id: string; title: string; unit: TMetricUnit };
  quality: { id: string; title: string; unit: TMetricUnit };
  /** The month the board is about (whole, as the calendar cuts it). */
  period: { key: string; label: string; start: string; end: string };
  /** "to date" when the month is still running at the slot: then only facts before the slot count. */
  toDate: boolean;
  /** The slot the board stands for (ISO): the figures are the facts up to this instant, whenever the job ran. */
  asOf: string;
  /**
   * The stretch the figures cover: the month from its start to the slot ("December 2017 to date (1–4 Dec)"), or
   * the whole month once it has ended ("November 2017").
   */
  span: { label: string; start: string; end: string };
  /**
   * The stretch "most improved" compares with: the previous month cut at the same offset from its start
   * ("1–4 Nov"), or the whole previous month ("October 2017") when the board shows a finished month.
   */
  comparison: { label: string; start: string; end: string };
  /** Lower values rank first (e.g. lost opportunities); else a 0 is no result and is not shown publicly. */
  lowerIsBetter: boolean;
  currency: string;
  locale: string;
  rows: TWeeklyRow[];
  top: number;
  mostImproved: TWeeklyRow | null;
  /**
   * What the rows' movement compares with: 'last-week' when the board of the slot a week before ranks the same
   * month (then `movement` is set on every ranked row); 'new-month' when that board was about another month (the
   * first post of a month: "↑22" against May's board would mean nothing, so no row moves); null when there was no
   * comparison (not asked for, or that board ranked nobody: everyone would be "new").
   */
  movementBasis: 'last-week' | 'new-month' | null;
};

const metricById = (id: string) => SCALAR_METRICS.find((m) => m.id === id);

const SHORT_MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** The local days an interval [start, end) of one month touches, as "1–4 Dec" (one day: "1 Dec"). */
export function dayRange(start: Date, end: Date, cal: TCalendar): string {
  const first = localDateOf(start, cal.timezone);
  const last = localDateOf(new Date(Math.max(end.getTime() - 1, start.getTime())), cal.timezone);
  const month = SHORT_MONTHS[last.m] ?? '';
  return first.d === last.d && first.m === last.m ? `${last.d} ${month}` : `${first.d}–${last.d} ${month}`;
}

/**
 * A month cut at an instant: [start of the month, cut), keyed and labelled as that stretch. Metrics computed
 * for it count only facts before the cut, so facts after the slot (backfilled or replayed data) are left out.
 */
function cutAt(month: TPeriod, cut: Date, cal: TCalendar): TPeriod {
  if (cut.getTime() >= month.end.getTime()) return month;
  return {
    kind: 'custom',
    start: month.start,
    end: cut,
    key: `${month.key}-to-${cut.toISOString()}`,
    label: `${month.label} to date (${dayRange(month.start, cut, cal)})`,
  };
}

/**
 * The weekly board of a workspace: every active rep ranked by one metric for this (fiscal-calendar) month to
 * date (the month just ended in its first days), with their own target's attainment, the change against the
 * same point of the month before (so "most improved" is fair mid-month), and a quality column so the board is
 * hard to game: first-year churn when the workspace tracks customers, else created : lost.
 */
export async function weeklyLeaderboard(
  db: TDb,
  workspace: Workspace,
  opts: { metricId: string; top: number; asOf: Date; movement?: boolean },
): Promise<TWeeklyLeaderboard> {
  const metric = metricById(opts.metricId) ?? metricById('sales.won_total');
  if (!metric) throw new Error('sales.won_total is missing');
  const cal = calendarOf(workspace);
  let period = periodContaining('month', opts.asOf, cal);
  if (opts.asOf.getTime() - period.start.getTime() < MIN_DAYS_TO_DATE * 86_400_000)
    period = previousPeriod(period, cal);
  // Both stretches end at the slot: this month from its start to the slot, the previous month from its start
  // to the same offset (so Dec 1–4 09:00 against Nov 1–4 09:00). A finished month is compared whole.
  const toDate = opts.asOf.getTime() < period.end.getTime();
  const previous = previousPeriod(period, cal);
  const beforePrevious = previousPeriod(previous, cal);
  const elapsedMs = Math.min(opts.asOf.getTime(), period.end.getTime()) - period.start.getTime();
  const sameStretch = (month: TPeriod) =>
    toDate ? cutAt(month, new Date(month.start.getTime() + elapsedMs), cal) : month;
  const span = sameStretch(period);
  const comparison = sameStretch(previous);
  const comparisonLabel = toDate ? dayRange(comparison.start, comparison.end, cal) : previous.label;
  // The stretch each one is compared with by a metric that compares (sales.change_vs_previous).
  const before = new Map<TPeriod, TPeriod>([
    [span, comparison],
    [comparison, sameStretch(beforePrevious)],
  ]);
  const reps = await activeRepsForWeeklyBoard(db, workspace.id);
  const ids = reps.map((r) => r.id);
  const [facts, targets] = await Promise.all([
    // Nothing at or after the slot is loaded: a re-run for the same slot gives the same board.
    loadFactsByRep(db, workspace.id, ids, { start: beforePrevious.start, end: span.end }),
    resolveTargetsForReps(db, workspace.id, reps, period),
  ]);
  const churn = metricById('churn.first_year_churn_rate');
  const ratio = metricById('opportunities.created_to_lost_ratio');
  const computed = reps.map((rep) => {
    const f = facts.get(rep.id) ?? NO_FACTS;
    const t = targets.get(rep.id) ?? {};
    const at = (p: TPeriod, id = metric.id) =>
      metricById(id)?.compute({
        facts: f,
        period: p,
        previous: before.get(p) ?? previousPeriod(p, cal),
        now: opts.asOf,
        targets: t,
      }) ?? null;
    return {
      rep,
      raw: at(span),
      before: at(comparison),
      churn: churn ? at(span, churn.id) : null,
      ratio: ratio ? at(span, ratio.id) : null,
      target: t[metric.id] ?? null,
    };
  });
  const quality = computed.some((c) => c.churn !== null) ? churn : ratio;
  const present = (v: number | null) =>
    v === null ? null : (presentMetrics({ [metric.id]: v }, workspace.currency)[metric.id] ?? null);
  const lowerFirst = LOWER_IS_BETTER.has(metric.id);
  const rows = computed
    .map((c) => ({
      rep: { id: c.rep.id, name: c.rep.name, slackUserId: c.rep.slackUserId },
      value: present(c.raw),
      target: present(c.target),
      // "% of target" only for a sum where more is better (of a lost-deals target, or a win rate's, it means
      // little: a level's target is read as a gap, docs/metrics.md "Pace").
      attainment:
        c.raw !== null && c.target && !lowerFirst && isAdditive(metric.id) ? c.raw / c.target : null,
      improvement:
        c.raw === null || c.before === null
          ? null
          : present(lowerFirst ? c.before - c.raw : c.raw - c.before),
      quality: quality === churn ? c.churn : c.ratio,
      gapToNext: null as number | null,
      ofLeader: null as number | null,
      movement: null as number | 'new' | null,
    }))
    .sort((a, b) => {
      if (a.value === null || b.value === null)
        return a.value === b.value ? a.rep.name.localeCompare(b.rep.name) : a.value === null ? 1 : -1;
      const diff = lowerFirst ? a.value - b.value : b.value - a.value;
      return diff !== 0 ? diff : a.rep.name.localeCompare(b.rep.name);
    })
    .map((r, i) => ({ ...r, rank: i + 1 }));
  // Gaps and "% of the leader" among the reps with a result, and the move since the last post.
  const ranked = rows.filter((r) => hasResult(lowerFirst, r));
  const leader = ranked[0]?.value ?? null;
  const last =
    opts.movement === false
      ? null
      : await weeklyLeaderboard(db, workspace, {
          ...opts,
          asOf: new Date(opts.asOf.getTime() - WEEK_MS),
          movement: false,
        });
  const lastRanked = (last?.rows ?? []).filter((r) => hasResult(lowerFirst, r));
  const movementBasis =
    !last || lastRanked.length === 0 ? null : last.period.key === period.key ? 'last-week' : 'new-month';
  const lastRank = new Map(lastRanked.map((r) => [r.rep.id, r.rank] as const));
  for (const [i, r] of ranked.entries()) {
    const above = ranked[i - 1];
    r.gapToNext = above && above.value !== null && r.value !== null ? Math.abs(above.value - r.value) : null;
    r.ofLeader =
      i > 0 && !lowerFirst && r.target === null && leader !== null && leader > 0 && r.value !== null
        ? r.value / leader
        : null;
    if (movementBasis === 'last-week') {
      const before = lastRank.get(r.rep.id);
      r.movement = before === undefined ? 'new' : before - r.rank;
    }
  }
  const improvedFirst = [...rows]
    .filter((r) => (r.improvement ?? 0) > 0)
    .sort((a, b) => (b.improvement ?? 0) - (a.improvement ?? 0) || a.rep.name.localeCompare(b.rep.name));
  const q = quality ?? metric;
  return {
    metric: { id: metric.id, title: metric.title, unit: metric.unit },
    quality: { id: q.id, title: q.title, unit: q.unit },
    period: presentPeriod(period),
    toDate,
    asOf: opts.asOf.toISOString(),
    span: { label: span.label, start: span.start.toISOString(), end: span.end.toISOString() },
    comparison: {
      label: comparisonLabel,
      start: comparison.start.toISOString(),
      end: comparison.end.toISOString(),
    },
    lowerIsBetter: lowerFirst,
    currency: workspace.currency,
    locale: workspace.locale,
    rows,
    top: opts.top,
    mostImproved: improvedFirst[0] ?? null,
    movementBasis,
  };
}
