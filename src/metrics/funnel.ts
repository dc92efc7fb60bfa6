import type { TPeriod } from './periods.js';
import { DAY_MS, median } from './stats.js';

/**
 * Funnel flow from stage history. Pure. The rules are written in docs/metrics.md ("Funnel"); in short:
 *
 * - A deal's timeline is its stage history (one row per stage it was seen entering, at the time the event says)
 *   read in time order, repeats of the same stage in a row being one stay. The order rows were stored in never
 *   matters: a move that arrives late slots into its place. The first stay starts when the deal was created
 *   (openedAt); with no creation date it has no start (never counted as entered, no dwell).
 * - A deal with no history (a CSV row that only says where the deal is now) counts as open in its stage but
 *   never as entering or leaving one: it has no conversion and no dwell.
 * - Every exit (a move to another stage, a win, a loss) counts for a period only if it happened inside the
 *   period, and not after `now`: a past period's figures never change once it has ended.
 * - Open deals are those open at the end of the period (at `now` for the current one), each in the stage it had
 *   then.
 */
export type TFunnelDeal = {
  key: string;
  /** The current stage. */
  stage: string;
  status: 'open' | 'won' | 'lost';
  /** Null when the creation date is unknown: the first stage then has no entry time (never "entered"). */
  openedAt: Date | null;
  closedAt: Date | null;
  /** When the store first held the deal (its row's creation): orders stages learned from deals without history. */
  seenAt?: Date;
};

/**
 * One row of stage history: the deal was seen entering `toStage` at `changedAt`. `fromStage` is only set on
 * rows written before history was kept per move (and by an import's move, which has no time of its own): the
 * stage the deal was in before; it is read for the earliest row only.
 */
export type TStageChange = { dealKey: string; fromStage: string | null; toStage: string; changedAt: Date };

export type TFunnelStats = {
  /** Open deals per stage at the end of the window (at `now` when it has not ended); every stage, 0 included. */
  openByStage: Record<string, number>;
  /** Per stage: of the deals that entered it in the window, the share that went further (a later stage or won) in it. */
  stageConversion: Record<string, number | null>;
  /** Per stage: how many deals entered it in the window (the sample behind the conversion). */
  entered: Record<string, number>;
  /** Per stage: median days spent, over the deals that left it in the window. */
  medianDaysInStage: Record<string, number | null>;
  /** Per stage: how many deals left it in the window (the sample behind the median). */
  exited: Record<string, number>;
  /**
   * Deals open at the end of the window (known to exist then) whose stage then is not known: no stage history,
   * and closed since (their current stage is where they ended, not where they were).
   */
  openStageUnknown: number;
};

/** A stay in a stage: when it started (null: unknown) and when history first saw it (its row's time). */
type TStay = { stage: string; at: Date | null; seen: Date };

/** Rows in time order; at one instant, by stage name, so the order rows were stored in never matters. */
const byTime = (a: TStageChange, b: TStageChange) =>
  a.changedAt.getTime() - b.changedAt.getTime() ||
  (a.toStage < b.toStage ? -1 : a.toStage > b.toStage ? 1 : 0);

/**
 * A deal's stays, in order: each stage it entered and when. Empty when the deal has no history. The first stay
 * starts at the deal's creation; it has no start (null) when the creation date is unknown or later than the
 * first row (data that contradicts itself is not read as an entry).
 */
export function timelineOf(deal: TFunnelDeal, changes: TStageChange[]): TStay[] {
  const sorted = [...changes].sort(byTime);
  const first = sorted[0];
  if (!first) return [];
  const opened = (t: Date) =>
    deal.openedAt && deal.openedAt.getTime() <= t.getTime() ? deal.openedAt : null;
  const stays: TStay[] = [];
  if (first.fromStage !== null && first.fromStage !== first.toStage)
    stays.push({ stage: first.fromStage, at: opened(first.changedAt), seen: first.changedAt });
  for (const c of sorted) {
    if (stays[stays.length - 1]?.stage === c.toStage) continue;
    stays.push({
      stage: c.toStage,
      at: stays.length === 0 ? opened(c.changedAt) : c.changedAt,
      seen: c.changedAt,
    });
  }
  return stays;
}

const inside = (t: Date | null, start: Date, end: Date): t is Date =>
  t !== null && t.getTime() >= start.getTime() && t.getTime() < end.getTime();

/** stageAt's answer for a deal that was open at the instant, in a stage not known (no history, closed since). */
const UNKNOWN_STAGE = Symbol('unknown stage');

/**
 * The deal's stage at an instant: null when it was not open then (or is not known to have existed),
 * UNKNOWN_STAGE when it was open but where it stood is not known. A deal is known to exist
 * from its creation date, else from its first history row; a deal with neither (an import's row without dates)
 * is known only as it is now, so it counts only when `at` is now.
 */
function stageAt(
  deal: TFunnelDeal,
  stays: TStay[],
  at: Date,
  isNow: boolean,
): string | typeof UNKNOWN_STAGE | null {
  const t = at.getTime();
  // Closed by then (or closed with no date: when is unknown, so it is not counted as open at any time).
  if (deal.status !== 'open' && (deal.closedAt === null || deal.closedAt.getTime() < t)) return null;
  const knownFrom = deal.openedAt ?? stays[0]?.seen ?? null;
  if (knownFrom === null) return isNow && deal.status === 'open' ? deal.stage : null;
  if (knownFrom.getTime() >= t) return null;
  // No history: where it was is known only if it is still open (its current stage); closed since, it is not.
  if (stays.length === 0) return deal.status === 'open' ? deal.stage : UNKNOWN_STAGE;
  let stage: string | null = null;
  for (const s of stays) {
    if ((s.at ?? s.seen).getTime() < t) stage = s.stage;
    else break;
  }
  return stage;
}

/** Funnel figures of a set of deals (one rep's or a team's) over a window, as of `now`. */
export function funnelStats(
  deals: TFunnelDeal[],
  changes: TStageChange[],
  stageOrder: string[],
  window: TPeriod,
  now: Date,
): TFunnelStats {
  // Everything is read as of the window's end, or `now` when the window has not ended.
  const asOf = new Date(Math.min(window.end.getTime(), now.getTime()));
  const position = new Map(stageOrder.map((s, i) => [s, i]));
  const byDeal = new Map<string, TStageChange[]>();
  for (const c of changes) {
    if (c.changedAt.getTime() >= asOf.getTime()) continue;
    const list = byDeal.get(c.dealKey) ?? [];
    list.push(c);
    byDeal.set(c.dealKey, list);
  }
  const zero = () => Object.fromEntries(stageOrder.map((s) => [s, 0])) as Record<string, number>;
  const openByStage = zero();
  const enteredCount = zero();
  const advanced = zero();
  const dwell: Record<string, number[]> = Object.fromEntries(stageOrder.map((s) => [s, []]));
  let openStageUnknown = 0;

  for (const deal of deals) {
    const stays = timelineOf(deal, byDeal.get(deal.key) ?? []);
    const openIn = stageAt(deal, stays, asOf, asOf.getTime() === now.getTime());
    if (openIn === UNKNOWN_STAGE) openStageUnknown += 1;
    else if (openIn !== null && position.has(openIn)) openByStage[openIn] = (openByStage[openIn] ?? 0) + 1;
    // The deal's close, as an exit, when it happened before the window's end (and by now).
    const closedAt =
      deal.status !== 'open' && deal.closedAt && deal.closedAt.getTime() < asOf.getTime()
        ? deal.closedAt
        : null;
    stays.forEach((stay, i) => {
      const pos = position.get(stay.stage);
      if (pos === undefined) return;
      const next = stays[i + 1];
      // Where the stay ended: the next stage's entry, else the close (both only up to asOf).
      const leftAt = next?.at ?? closedAt;
      if (inside(stay.at, window.start, asOf)) {
        enteredCount[stay.stage] = (enteredCount[stay.stage] ?? 0) + 1;
        const later = stays
          .slice(i + 1)
          .some(
            (s) => (position.get(s.stage) ?? -1) > pos && s.at !== null && s.at.getTime() < asOf.getTime(),
          );
        const won = deal.status === 'won' && closedAt !== null;
        if (later || won) advanced[stay.stage] = (advanced[stay.stage] ?? 0) + 1;
      }
      if (stay.at && inside(leftAt, window.start, asOf))
        dwell[stay.stage]?.push((leftAt.getTime() - stay.at.getTime()) / DAY_MS);
    });
  }
  const stageConversion: Record<string, number | null> = {};
  const medianDaysInStage: Record<string, number | null> = {};
  const exited: Record<string, number> = {};
  for (const s of stageOrder) {
    const n = enteredCount[s] ?? 0;
    stageConversion[s] = n === 0 ? null : (advanced[s] ?? 0) / n;
    medianDaysInStage[s] = median(dwell[s] ?? []);
    exited[s] = dwell[s]?.length ?? 0;
  }
  return {
    openByStage,
    stageConversion,
    entered: enteredCount,
    medianDaysInStage,
    exited,
    openStageUnknown,
  };
}

/** Below this many deals through a stage, a difference from the team is noise, and no bottleneck is named. */
export const MIN_BOTTLENECK_SAMPLE = 5;
/** A stage is a bottleneck only when the rep is at least this much (relatively) behind the team there. */
export const MIN_BOTTLENECK_SHORTFALL = 0.2;

export type TBottleneck = {
  stage: string;
  reason: 'conversion' | 'dwell';
  rep: number;
  team: number;
  /** Relative shortfall: (team − rep) / team for conversion, (rep − team) / team for dwell. */
  shortfall: number;
  sample: number;
};

/**
 * The stage where a rep falls furthest behind the team: the largest relative shortfall in conversion (team −
 * rep) / team or in median dwell (rep − team) / team, among stages with at least MIN_BOTTLENECK_SAMPLE deals
 * of the rep's and a shortfall of at least MIN_BOTTLENECK_SHORTFALL. Null when no stage qualifies.
 */
export function findBottleneck(
  rep: TFunnelStats,
  team: TFunnelStats,
  stageOrder: string[],
): TBottleneck | null {
  let worst: TBottleneck | null = null;
  for (const stage of stageOrder) {
    const candidates: TBottleneck[] = [];
    const rc = rep.stageConversion[stage];
    const tc = team.stageConversion[stage];
    if (rc != null && tc != null && tc > 0 && (rep.entered[stage] ?? 0) >= MIN_BOTTLENECK_SAMPLE) {
      candidates.push({
        stage,
        reason: 'conversion',
        rep: rc,
        team: tc,
        shortfall: (tc - rc) / tc,
        sample: rep.entered[stage] ?? 0,
      });
    }
    const rd = rep.medianDaysInStage[stage];
    const td = team.medianDaysInStage[stage];
    if (rd != null && td != null && td > 0 && (rep.exited[stage] ?? 0) >= MIN_BOTTLENECK_SAMPLE) {
      candidates.push({
        stage,
        reason: 'dwell',
        rep: rd,
        team: td,
        shortfall: (rd - td) / td,
        sample: rep.exited[stage] ?? 0,
      });
    }
    for (const c of candidates) {
      if (c.shortfall >= MIN_BOTTLENECK_SHORTFALL && (!worst || c.shortfall > worst.shortfall)) worst = c;
    }
  }
  return worst;
}

/**
 * The funnel order used: the workspace's `funnelStages` when set, less stages where only closed deals sit (a
 * "Won" in the list is where deals end, not a stage they move through), then every other stage open deals are
 * in or moved through, in the learned order, so no deal drops out of the funnel because its stage is missing
 * from the list. Without the setting, the learned order (inferStageOrder).
 */
export function funnelOrder(
  configured: readonly string[] | undefined,
  deals: TFunnelDeal[],
  changes: TStageChange[],
): string[] {
  const learned = inferStageOrder(deals, changes);
  if (!configured?.length) return learned;
  const closedOnly = terminalStages(deals);
  const listed = configured.filter((s) => !closedOnly.has(s));
  return [...listed, ...learned.filter((s) => !listed.includes(s))];
}

/** Stages where only closed deals sit and no open deal does (e.g. Won, Lost). */
function terminalStages(deals: TFunnelDeal[]): Set<string> {
  const open = new Set<string>();
  const closed = new Set<string>();
  for (const deal of deals) (deal.status === 'open' ? open : closed).add(deal.stage);
  return new Set([...closed].filter((s) => !open.has(s)));
}

/**
 * A funnel order when the workspace has not set one: stages seen in stage histories, ordered by their average
 * position in them; then stages known only as the current stage of deals without history (a CSV import), in the
 * order they first appeared in the store (`seenAt`; by name at the same instant). Never alphabetical where an
 * order can be learned. Terminal stages (where only closed deals sit and no open deal ever does) are left out.
 */
export function inferStageOrder(deals: TFunnelDeal[], changes: TStageChange[]): string[] {
  const byDeal = new Map<string, TStageChange[]>();
  for (const c of changes) byDeal.set(c.dealKey, [...(byDeal.get(c.dealKey) ?? []), c]);
  const positions = new Map<string, number[]>();
  const firstSeen = new Map<string, number>();
  for (const deal of deals) {
    const stays = timelineOf(deal, byDeal.get(deal.key) ?? []);
    stays.forEach((e, i) => {
      positions.set(e.stage, [...(positions.get(e.stage) ?? []), i]);
    });
    if (stays.length === 0) {
      const seen = deal.seenAt?.getTime() ?? Number.POSITIVE_INFINITY;
      firstSeen.set(deal.stage, Math.min(firstSeen.get(deal.stage) ?? Number.POSITIVE_INFINITY, seen));
    }
  }
  const terminal = terminalStages(deals);
  const keep = (s: string) => s !== '' && !terminal.has(s);
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  const byName = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
  const learned = [...positions.keys()]
    .filter(keep)
    .sort((a, b) => mean(positions.get(a) ?? []) - mean(positions.get(b) ?? []) || byName(a, b));
  const seenOnly = [...firstSeen.keys()]
    .filter((s) => keep(s) && !positions.has(s))
    .sort((a, b) => (firstSeen.get(a) ?? 0) - (firstSeen.get(b) ?? 0) || byName(a, b));
  return [...learned, ...seenOnly];
}
