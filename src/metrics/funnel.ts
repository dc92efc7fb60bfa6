import type { TPeriod } from './periods.js';
import { DAY_MS, median } from './stats.js';

/**
 * Funnel flow from stage-change history. Pure.
 *
 * A deal's timeline is the list of stages it entered, with times: the stage it was created in (at openedAt),
 * then each change's target stage (at the change). Stages are compared by their position in the workspace's
 * funnel order (`stageOrder`); stages outside it (e.g. closed-won, closed-lost) are not funnel stages.
 */
export type TFunnelDeal = {
  key: string;
  /** The current stage. */
  stage: string;
  status: 'open' | 'won' | 'lost';
  /** Null when the creation date is unknown: the first stage then has no entry time (never "entered"). */
  openedAt: Date | null;
  closedAt: Date | null;
};

export type TStageChange = { dealKey: string; fromStage: string | null; toStage: string; changedAt: Date };

export type TFunnelStats = {
  /** Open deals per stage now (every stage of the order, 0 included). */
  openByStage: Record<string, number>;
  /** Per stage: of the deals that entered it in the window, the share that went further (a later stage or won). */
  stageConversion: Record<string, number | null>;
  /** Per stage: how many deals entered it in the window (the sample behind the conversion). */
  entered: Record<string, number>;
  /** Per stage: median days spent, over the deals that left it in the window. */
  medianDaysInStage: Record<string, number | null>;
  /** Per stage: how many deals left it in the window (the sample behind the median). */
  exited: Record<string, number>;
};

function timelineOf(deal: TFunnelDeal, changes: TStageChange[]): { stage: string; at: Date | null }[] {
  const sorted = [...changes].sort((a, b) => a.changedAt.getTime() - b.changedAt.getTime());
  const first = sorted[0];
  const initial = first ? (first.fromStage ?? first.toStage) : deal.stage;
  const entries: { stage: string; at: Date | null }[] = [{ stage: initial, at: deal.openedAt }];
  for (const c of sorted) {
    if (entries[entries.length - 1]?.stage !== c.toStage) entries.push({ stage: c.toStage, at: c.changedAt });
  }
  return entries;
}

const within = (t: Date | null, p: TPeriod): t is Date =>
  t !== null && t.getTime() >= p.start.getTime() && t.getTime() < p.end.getTime();

/** Funnel figures of a set of deals (one rep's or a team's) over a window, as of `now`. */
export function funnelStats(
  deals: TFunnelDeal[],
  changes: TStageChange[],
  stageOrder: string[],
  window: TPeriod,
  now: Date,
): TFunnelStats {
  const position = new Map(stageOrder.map((s, i) => [s, i]));
  const byDeal = new Map<string, TStageChange[]>();
  for (const c of changes) {
    if (c.changedAt.getTime() > now.getTime()) continue;
    const list = byDeal.get(c.dealKey) ?? [];
    list.push(c);
    byDeal.set(c.dealKey, list);
  }
  const openByStage: Record<string, number> = Object.fromEntries(stageOrder.map((s) => [s, 0]));
  const enteredCount: Record<string, number> = Object.fromEntries(stageOrder.map((s) => [s, 0]));
  const advanced: Record<string, number> = Object.fromEntries(stageOrder.map((s) => [s, 0]));
  const dwell: Record<string, number[]> = Object.fromEntries(stageOrder.map((s) => [s, []]));

  for (const deal of deals) {
    if (deal.status === 'open' && position.has(deal.stage))
      openByStage[deal.stage] = (openByStage[deal.stage] ?? 0) + 1;
    const timeline = timelineOf(deal, byDeal.get(deal.key) ?? []);
    timeline.forEach((entry, i) => {
      const pos = position.get(entry.stage);
      if (pos === undefined) return;
      if (within(entry.at, window)) {
        enteredCount[entry.stage] = (enteredCount[entry.stage] ?? 0) + 1;
        const later = timeline.slice(i + 1).some((e) => (position.get(e.stage) ?? -1) > pos);
        const wonAfter =
          deal.status === 'won' && deal.closedAt !== null && deal.closedAt.getTime() <= now.getTime();
        if (later || wonAfter) advanced[entry.stage] = (advanced[entry.stage] ?? 0) + 1;
      }
      const next = timeline[i + 1];
      const leftAt = next?.at ?? (deal.status !== 'open' ? deal.closedAt : null);
      if (entry.at && within(leftAt, window))
        dwell[entry.stage]?.push((leftAt.getTime() - entry.at.getTime()) / DAY_MS);
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
  return { openByStage, stageConversion, entered: enteredCount, medianDaysInStage, exited };
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
 * A funnel order when the workspace has not set one: stages ordered by their average position in the deals'
 * stage histories (alphabetically where there is no history), leaving out terminal stages (those where only
 * closed deals sit and no open deal ever does).
 */
export function inferStageOrder(deals: TFunnelDeal[], changes: TStageChange[]): string[] {
  const byDeal = new Map<string, TStageChange[]>();
  for (const c of changes) byDeal.set(c.dealKey, [...(byDeal.get(c.dealKey) ?? []), c]);
  const positions = new Map<string, number[]>();
  const openStages = new Set<string>();
  const closedOnly = new Set<string>();
  for (const deal of deals) {
    if (deal.status === 'open') openStages.add(deal.stage);
    else closedOnly.add(deal.stage);
    timelineOf(deal, byDeal.get(deal.key) ?? []).forEach((e, i) => {
      positions.set(e.stage, [...(positions.get(e.stage) ?? []), i]);
    });
  }
  const terminal = new Set([...closedOnly].filter((s) => !openStages.has(s)));
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  return [...positions.keys()]
    .filter((s) => s !== '' && !terminal.has(s))
    .sort((a, b) => mean(positions.get(a) ?? []) - mean(positions.get(b) ?? []) || a.localeCompare(b));
}
