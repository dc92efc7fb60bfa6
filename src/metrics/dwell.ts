import { type TFunnelDeal, type TStageChange, timelineOf } from './funnel.js';
import { DAY_MS } from './stats.js';

/**
 * Dwell in a stage, read from stage history exactly as the funnel reads it (timelineOf in funnel.ts): a deal's
 * stays in time order, repeats of a stage in a row one stay, the first stay starting at the deal's creation
 * (unknown without one). A stay is completed when the deal left it: the next stay's entry, else the deal's close
 * (a win or a loss). Pure.
 */

/** Below this many completed dwells in a stage, the team's usual for it is not known (no stage rule there). */
export const MIN_DWELL_SAMPLES = 5;
/** The team's usual dwell in a stage: this percentile of its completed dwells. */
export const USUAL_DWELL_PERCENTILE = 0.9;

/**
 * The p-th percentile of a list by nearest rank: the smallest value with at least p of the list at or below it
 * (of 10 values, p = 0.9 is the 9th smallest). Null for an empty list. The order of the list never matters.
 *
 * @example percentile([5, 1, 4, 2, 3], 0.9) // 5
 */
export function percentile(xs: readonly number[], p: number): number | null {
  if (xs.length === 0) return null;
  const sorted = [...xs].sort((a, b) => a - b);
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil(p * sorted.length)));
  return sorted[rank - 1] as number;
}

/** Stage changes grouped by deal (the key of TStageChange.dealKey), only those at or before `now`. */
export function changesByDeal(changes: readonly TStageChange[], now: Date): Map<string, TStageChange[]> {
  const out = new Map<string, TStageChange[]>();
  for (const c of changes) {
    if (c.changedAt.getTime() > now.getTime()) continue;
    const list = out.get(c.dealKey);
    if (list) list.push(c);
    else out.set(c.dealKey, [c]);
  }
  return out;
}

/**
 * Completed dwells (in days) per stage: every stay of these deals with a known start that ended between `since`
 * and `now` (both included), as the funnel counts an exit (the next stage's entry, else the close). A stay still
 * going at `now` is not completed and counts nothing.
 *
 * @example completedDwells([deal], [{ dealKey: deal.key, fromStage: null, toStage: 'Demo', changedAt }], since, now)
 */
export function completedDwells(
  deals: readonly TFunnelDeal[],
  byDeal: ReadonlyMap<string, TStageChange[]>,
  since: Date,
  now: Date,
): Map<string, number[]> {
  const out = new Map<string, number[]>();
  for (const deal of deals) {
    const stays = timelineOf(deal, byDeal.get(deal.key) ?? []);
    const closedAt =
      deal.status !== 'open' && deal.closedAt && deal.closedAt.getTime() <= now.getTime()
        ? deal.closedAt
        : null;
    stays.forEach((stay, i) => {
      if (!stay.at) return;
      const leftAt = stays[i + 1]?.at ?? (i === stays.length - 1 ? closedAt : null);
      if (!leftAt || leftAt.getTime() < since.getTime() || leftAt.getTime() > now.getTime()) return;
      if (leftAt.getTime() < stay.at.getTime()) return;
      const list = out.get(stay.stage);
      const days = (leftAt.getTime() - stay.at.getTime()) / DAY_MS;
      if (list) list.push(days);
      else out.set(stay.stage, [days]);
    });
  }
  return out;
}

/** The team's usual dwell in a stage (days, fractional) and how many completed dwells it stands on. */
export type TUsualDwell = { days: number; samples: number };

/**
 * The team's usual dwell per stage: the USUAL_DWELL_PERCENTILE of its completed dwells, for stages with at least
 * `minSamples` of them; a stage with fewer has no entry.
 */
export function usualDwellByStage(
  dwells: ReadonlyMap<string, readonly number[]>,
  minSamples = MIN_DWELL_SAMPLES,
  p = USUAL_DWELL_PERCENTILE,
): Map<string, TUsualDwell> {
  const out = new Map<string, TUsualDwell>();
  for (const [stage, xs] of dwells) {
    if (xs.length < Math.max(1, minSamples)) continue;
    out.set(stage, { days: percentile(xs, p) as number, samples: xs.length });
  }
  return out;
}

/**
 * How long the team's deals took from open to close, in days (fractional): every deal won or lost with a known
 * open date, closed between `since` and `now` (both included), not before it opened. Order-free.
 *
 * @example closeDurations([{ status: 'won', openedAt: jan1, closedAt: jan11 }], since, now) // [10]
 */
export function closeDurations(
  deals: readonly Pick<TFunnelDeal, 'status' | 'openedAt' | 'closedAt'>[],
  since: Date,
  now: Date,
): number[] {
  const out: number[] = [];
  for (const d of deals) {
    if (d.status !== 'won' && d.status !== 'lost') continue;
    if (!d.openedAt || !d.closedAt) continue;
    const closed = d.closedAt.getTime();
    if (closed < since.getTime() || closed > now.getTime() || closed < d.openedAt.getTime()) continue;
    out.push((closed - d.openedAt.getTime()) / DAY_MS);
  }
  return out;
}

/**
 * When an open deal entered the stage it is in now: the start of its last stay when that stay is its current
 * stage (when the start is unknown, as the funnel has it for a first stay without a creation date, the time
 * history first saw it there: a lower bound). With no history for its current stage (a CSV row that only says
 * where the deal is), `fallback`: the store's own record of it, again a lower bound.
 */
export function currentStageSince(
  deal: Pick<TFunnelDeal, 'key' | 'stage' | 'status' | 'openedAt' | 'closedAt'>,
  changes: readonly TStageChange[],
  fallback: Date,
): Date {
  return currentStageEntry(deal, changes) ?? fallback;
}

/**
 * When an open deal entered its current stage as its stage history tells (currentStageSince), or null when the
 * history has nothing about its current stage (no rows, or the last stay is another stage).
 */
export function currentStageEntry(
  deal: Pick<TFunnelDeal, 'key' | 'stage' | 'status' | 'openedAt' | 'closedAt'>,
  changes: readonly TStageChange[],
): Date | null {
  const stays = timelineOf({ ...deal }, [...changes]);
  const last = stays[stays.length - 1];
  if (last && last.stage === deal.stage) return last.at ?? last.seen;
  return null;
}
