import { closestMatch } from '../domain/closest.js';
import { AppError } from '../errors.js';
import { NO_FACTS, type TFacts } from '../metrics/facts.js';
import { previousPeriod, resolvePeriod, shownAsTyped, type TPeriod } from '../metrics/periods.js';
import { LOWER_IS_BETTER, NO_TOTALS, SCALAR_METRICS, type TScalarMetric } from '../metrics/scalar.js';
import { loadFactsByRep } from '../store/facts.js';
import { periodTotalsByRep } from '../store/rankings.js';
import { activeRepsForRanking } from '../store/reps.js';
import type { TDb } from '../store/store.js';
import { resolveTargetsForReps } from '../store/targets.js';
import type { Workspace } from '../store/types.js';
import { calendarOf, presentMetrics, presentPeriod } from './present.js';

export type TLeaderboardRow = {
  rank: number;
  rep: { id: string; name: string; email: string | null; slackUserId: string | null };
  value: number | null;
};

export type TLeaderboard = {
  metric: string;
  period: { key: string; label: string; start: string; end: string };
  currency: string;
  /** BCP 47 locale numbers are formatted in (the workspace setting). */
  locale: string;
  /** The reps with a result, best first, ranked 1, 2, 3 …: the top N of them when a top is asked for. */
  rows: TLeaderboardRow[];
  /** How many reps have a result (are ranked), the top N or not. */
  ranked: number;
  /** How many active reps have no result for the period (no data, or 0 where more is better): not ranked. */
  unranked: number;
  /**
   * The rep asked about (the asker) when they are ranked below the top N: their own row, with their rank among
   * everyone ranked; null when they are in the top N, have no result, or nobody was asked about.
   */
  own: TLeaderboardRow | null;
};

/**
 * Whether a value is a result a board ranks: a number, and not 0 on a metric where more is better (0 won, 0
 * calls: nothing to rank by). The weekly post (reports/weekly-leaderboard.ts) names reps by the same rule.
 */
export function isResult(value: number | null | undefined, lowerIsBetter: boolean): value is number {
  return typeof value === 'number' && Number.isFinite(value) && (lowerIsBetter || value !== 0);
}

/** A metric by its id; a `bad_request` naming the closest id when there is none. */
export function metricNamed(metricId: string): TScalarMetric {
  const metric = SCALAR_METRICS.find((m) => m.id === metricId);
  if (metric) return metric;
  const near = closestMatch(
    metricId,
    SCALAR_METRICS.map((m) => m.id),
  );
  throw new AppError(
    'bad_request',
    `"${shownAsTyped(metricId)}" is not a metric id${near ? `; did you mean ${near}?` : ''} (all ids: docs/metrics.md)`,
    { field: 'metric' },
  );
}

/**
 * The active reps of a workspace with a result (isResult) ranked by one metric for a period: best first (lowest
 * first for metrics where less is better), ties broken by name; reps without a result are counted, not ranked.
 * `top` keeps the first N; `opts.asker` (a rep id) adds that rep's own row when they rank below them.
 *
 * A metric that is a formula of period totals (sums, counts, latest readings: every one but first-year churn)
 * has the database compute those totals for all reps at once (store/rankings.ts) and applies the metric's own
 * formula to them; the others are computed from the facts of the metric's kind, loaded for all reps together.
 */
export async function leaderboardReport(
  db: TDb,
  workspace: Workspace,
  metricId: string,
  /** As people write it (`last month`, `2017-Q2`), or a period already made. */
  periodText: string | TPeriod,
  now: Date,
  top?: number,
  /** Compute every metric from loaded facts, optionally loading every kind of fact (tests compare the ways). */
  opts: { factsOnly?: boolean; allFacts?: boolean; asker?: string } = {},
): Promise<TLeaderboard> {
  const metric = metricNamed(metricId);
  const cal = calendarOf(workspace);
  const period = resolvePeriod(periodText, now, cal);
  const previous = previousPeriod(period, cal);
  const reps = await activeRepsForRanking(db, workspace.id);
  const ids = reps.map((r) => r.id);
  const totals = opts.factsOnly ? undefined : metric.totals;
  const targets = () => resolveTargetsForReps(db, workspace.id, reps, period);
  let values: (number | null)[];
  if (totals) {
    // Totals added up by the database (GROUP BYs on indexes, a seek per rep for latest readings), not rows.
    const [byRep, targetsByRep] = await Promise.all([
      periodTotalsByRep(db, workspace.id, totals.needs, { period, previous, now }),
      totals.usesTargets ? targets() : new Map<string, Partial<Record<string, number>>>(),
    ]);
    values = reps.map((rep) =>
      totals.value(
        { ...NO_TOTALS, ...byRep.get(rep.id) },
        { period, now, targets: targetsByRep.get(rep.id) ?? {} },
      ),
    );
  } else {
    const [facts, targetsByRep] = await Promise.all([
      loadFactsByRep(
        db,
        workspace.id,
        ids,
        { start: previous.start, end: period.end },
        opts.allFacts ? undefined : factKindsOf(metric.id),
      ),
      targets(),
    ]);
    values = reps.map((rep) =>
      metric.compute({
        facts: facts.get(rep.id) ?? NO_FACTS,
        period,
        previous,
        now,
        targets: targetsByRep.get(rep.id) ?? {},
      }),
    );
  }
  const scored = reps.map((rep, i) => ({
    rep,
    value: presentMetrics({ [metric.id]: values[i] }, workspace.currency)[metric.id] ?? null,
  }));
  const lowerFirst = LOWER_IS_BETTER.has(metric.id);
  const withResult = scored.filter((s) => isResult(s.value, lowerFirst)) as {
    rep: (typeof reps)[number];
    value: number;
  }[];
  withResult.sort((a, b) => {
    const diff = lowerFirst ? a.value - b.value : b.value - a.value;
    return diff !== 0 ? diff : a.rep.name.localeCompare(b.rep.name) || a.rep.id.localeCompare(b.rep.id);
  });
  const all = withResult.map((s, i) => ({
    rank: i + 1,
    rep: { id: s.rep.id, name: s.rep.name, email: s.rep.email, slackUserId: s.rep.slackUserId },
    value: s.value,
  }));
  const rows = all.slice(0, top ?? all.length);
  const own = opts.asker ? (all.slice(rows.length).find((r) => r.rep.id === opts.asker) ?? null) : null;
  return {
    metric: metric.id,
    period: presentPeriod(period),
    currency: workspace.currency,
    locale: workspace.locale,
    rows,
    ranked: all.length,
    unranked: scored.length - all.length,
    own,
  };
}

/** The kind of facts a metric reads, by its family (docs/metrics.md): a ranking loads only those, for 1,000 reps. */
function factKindsOf(metricId: string): (keyof TFacts)[] | undefined {
  const family = metricId.split('.')[0];
  const kinds: Record<string, (keyof TFacts)[]> = {
    sales: ['deals'],
    opportunities: ['deals'],
    outreach: ['activities'],
    personalization: ['activities'],
    linkedin: ['socialSnapshots'],
    social: ['socialPosts'],
    conversion: ['leads'],
    expertise: ['training'],
    churn: ['customers'],
  };
  return family ? kinds[family] : undefined;
}
