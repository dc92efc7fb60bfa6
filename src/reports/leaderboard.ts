import { closestMatch } from '../domain/closest.js';
import { AppError } from '../errors.js';
import { NO_FACTS, type TFacts } from '../metrics/facts.js';
import { previousPeriod, resolvePeriod, shownAsTyped, type TPeriod } from '../metrics/periods.js';
import { LOWER_IS_BETTER, OUTREACH_KINDS, SCALAR_METRICS } from '../metrics/scalar.js';
import { activityTotalsByRep, dealTotalsByRep, loadFactsByRep } from '../store/facts.js';
import { activeRepsForRanking } from '../store/reps.js';
import type { TDb } from '../store/store.js';
import { resolveTargetsForReps } from '../store/targets.js';
import type { Workspace } from '../store/types.js';
import { calendarOf, presentMetrics, presentPeriod } from './present.js';

export type TLeaderboard = {
  metric: string;
  period: { key: string; label: string; start: string; end: string };
  currency: string;
  /** BCP 47 locale numbers are formatted in (the workspace setting). */
  locale: string;
  rows: {
    rank: number;
    rep: { id: string; name: string; email: string | null; slackUserId: string | null };
    value: number | null;
  }[];
};

/**
 * Every active rep of a workspace ranked by one metric for a period: best first (lowest first for metrics
 * where less is better), reps without data last, ties broken by name. Facts and targets are loaded with one
 * query per kind for all reps together.
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
  opts: { factsOnly?: boolean; allFacts?: boolean } = {},
): Promise<TLeaderboard> {
  const metric = SCALAR_METRICS.find((m) => m.id === metricId);
  if (!metric) {
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
  const cal = calendarOf(workspace);
  const period = resolvePeriod(periodText, now, cal);
  const previous = previousPeriod(period, cal);
  const reps = await activeRepsForRanking(db, workspace.id);
  const ids = reps.map((r) => r.id);
  let scored: { rep: (typeof reps)[number]; value: number | null }[];
  const sums = opts.factsOnly ? null : await sqlTotals(db, workspace.id, metric.id, period);
  if (sums) {
    // A plain sum or count: added up by the database (one GROUP BY on a covering index), not from loaded rows.
    scored = reps.map((rep) => ({
      rep,
      value: presentMetrics({ [metric.id]: sums.get(rep.id) ?? 0 }, workspace.currency)[metric.id] ?? null,
    }));
  } else {
    const [facts, targets] = await Promise.all([
      loadFactsByRep(
        db,
        workspace.id,
        ids,
        { start: previous.start, end: period.end },
        opts.allFacts ? undefined : factKindsOf(metric.id),
      ),
      resolveTargetsForReps(db, workspace.id, reps, period),
    ]);
    scored = reps.map((rep) => {
      const value = metric.compute({
        facts: facts.get(rep.id) ?? NO_FACTS,
        period,
        previous,
        now,
        targets: targets.get(rep.id) ?? {},
      });
      return { rep, value: presentMetrics({ [metric.id]: value }, workspace.currency)[metric.id] ?? null };
    });
  }
  const lowerFirst = LOWER_IS_BETTER.has(metric.id);
  scored.sort((a, b) => {
    if (a.value === null || b.value === null) {
      return a.value === b.value ? a.rep.name.localeCompare(b.rep.name) : a.value === null ? 1 : -1;
    }
    const diff = lowerFirst ? a.value - b.value : b.value - a.value;
    return diff !== 0 ? diff : a.rep.name.localeCompare(b.rep.name);
  });
  const rows = scored.slice(0, top ?? scored.length).map((s, i) => ({
    rank: i + 1,
    rep: { id: s.rep.id, name: s.rep.name, email: s.rep.email, slackUserId: s.rep.slackUserId },
    value: s.value,
  }));
  return {
    metric: metric.id,
    period: presentPeriod(period),
    currency: workspace.currency,
    locale: workspace.locale,
    rows,
  };
}

const OUTREACH = [...OUTREACH_KINDS] as string[];

/**
 * The metrics that are a plain sum or count over one table, with the same rules as their compute functions in
 * metrics/scalar.ts (a test keeps the two in step): per rep, for the period [start, end). Null for other metrics.
 */
async function sqlTotals(
  db: TDb,
  workspaceId: string,
  metricId: string,
  period: { start: Date; end: Date },
): Promise<Map<string, number> | null> {
  const deals = (which: 'won' | 'lost' | 'opened', field: 'sum' | 'count') =>
    dealTotalsByRep(
      db,
      workspaceId,
      which === 'opened' ? { opened: period } : { closed: which, within: period },
      field,
    );
  const activities = (which: { kind: string | string[]; personalized?: boolean }) =>
    activityTotalsByRep(db, workspaceId, which, period);
  switch (metricId) {
    case 'sales.won_total':
      return deals('won', 'sum');
    case 'sales.won_count':
      return deals('won', 'count');
    case 'opportunities.created':
      return deals('opened', 'count');
    case 'opportunities.lost':
      return deals('lost', 'count');
    case 'outreach.calls':
      return activities({ kind: 'call' });
    case 'outreach.emails':
      return activities({ kind: 'email' });
    case 'outreach.total':
      return activities({ kind: OUTREACH });
    case 'personalization.personalized':
      return activities({ kind: OUTREACH, personalized: true });
    case 'personalization.generic':
      return activities({ kind: OUTREACH, personalized: false });
    default:
      return null;
  }
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
