import { minorDigits } from '../domain/money.js';
import { parseWorkspaceSettings } from '../domain/settings.js';
import {
  diagnoseDecline,
  MIN_BASELINE_PERIODS,
  type TDiagnosis,
  type TPeriodSnapshot,
  usualPeriods,
} from '../metrics/diagnosis.js';
import { NO_FACTS, type TFacts } from '../metrics/facts.js';
import {
  findBottleneck,
  funnelOrder,
  funnelStats,
  type TBottleneck,
  type TFunnelStats,
} from '../metrics/funnel.js';
import { previousPeriod, type TPeriod } from '../metrics/periods.js';
import {
  computeScalarMetrics,
  NO_TOTALS,
  SCALAR_METRICS,
  type TPeriodTotals,
  type TTotalsFormula,
} from '../metrics/scalar.js';
import { median } from '../metrics/stats.js';
import { firstCloseOfWorkspace, loadFactsByRep, loadFunnelFactsByRep } from '../store/facts.js';
import { firstFactAtByRep } from '../store/first-facts.js';
import { periodTotalsByRep } from '../store/rankings.js';
import { teamMemberIds } from '../store/reps.js';
import type { TDb } from '../store/store.js';
import type { Rep, Workspace } from '../store/types.js';
import { formatMetric } from './format.js';
import { calendarOf } from './present.js';

/**
 * How many earlier periods a rep's own baseline (the "usual") looks back over; of those, only the periods that
 * start at or after the rep's first fact count (usualPeriods), and at least MIN_BASELINE_PERIODS must.
 */
export const BASELINE_PERIODS = 6;

/** Trend metrics read from closed deals: their usual starts no earlier than the workspace's first close. */
const CLOSED_DEAL_METRICS = ['sales.won_total', 'sales.won_count', 'opportunities.win_rate'] as const;

/** Metrics whose trend the report shows against the rep's baseline and the team. */
export const TREND_METRICS = [
  'sales.won_total',
  'sales.won_count',
  'opportunities.created',
  'opportunities.win_rate',
  'outreach.total',
  'personalization.personalized',
] as const;

/**
 * Each trend metric's formula of period totals, which the teammates' values come from. Every one has one, and
 * none reads targets: the rep's own value is then the one of the period's scorecard, whatever the targets.
 */
const TREND_FORMULAS = TREND_METRICS.map((id) => {
  const totals = SCALAR_METRICS.find((m) => m.id === id)?.totals;
  if (!totals || totals.usesTargets)
    throw new Error(`trend metric ${id} is not a target-free formula of totals`);
  return { id, totals };
});
const TREND_NEEDS: readonly (keyof TPeriodTotals)[] = [
  ...new Set(TREND_FORMULAS.flatMap((f) => f.totals.needs)),
];

export type TRepInsights = {
  /** The period's scalar metrics (minor units), computed with the rep's targets. */
  current: Record<string, number | null>;
  funnel: TFunnelStats & { stageOrder: string[]; bottleneck: TBottleneck | null };
  /**
   * Per metric: the rep's baseline (the median of the earlier periods since the rep's record began; null with
   * fewer than MIN_BASELINE_PERIODS of them) and the team's median this period.
   */
  trends: Record<string, { baseline: number | null; teamMedian: number | null }>;
  diagnosis: TDiagnosis;
  /** The BASELINE_PERIODS periods before this one, oldest first, with the rep's won total (minor units). */
  history: { period: TPeriod; wonTotal: number | null }[];
};

/** The rep's team: their manager's active reports, or every active rep when they have no manager. */
async function teamOf(db: TDb, workspaceId: string, rep: Rep): Promise<string[]> {
  const team = await teamMemberIds(db, workspaceId, rep.managerId);
  return [...new Set([rep.id, ...team.map((t) => t.id)])];
}

/**
 * Funnel, trends and the decline diagnosis of one rep for a period: the rep's last BASELINE_PERIODS periods
 * of the same kind form the baseline, the team's facts give the comparison. Money values stay in minor units
 * except in the diagnosis's words.
 */
export async function repInsights(
  db: TDb,
  workspace: Workspace,
  rep: Rep,
  period: TPeriod,
  now: Date,
  targets: Record<string, number> = {},
): Promise<TRepInsights> {
  const cal = calendarOf(workspace);
  const history: TPeriod[] = [];
  let p = period;
  for (let i = 0; i < BASELINE_PERIODS; i++) {
    p = previousPeriod(p, cal);
    history.unshift(p);
  }
  const oldest = previousPeriod(history[0] as TPeriod, cal);
  const teamIds = await teamOf(db, workspace.id, rep);
  const previous = previousPeriod(period, cal);
  const [repFacts, teamTotals, funnelFacts, firstFacts, firstClose] = await Promise.all([
    loadFactsByRep(db, workspace.id, [rep.id], { start: oldest.start, end: period.end }),
    // The rep's own facts come with the longer window above. The teammates' only for the trend metrics' team
    // medians: the period totals those metrics are formulas of, added up by the database (as a leaderboard's).
    periodTotalsByRep(db, workspace.id, TREND_NEEDS, {
      period,
      previous,
      now,
      reps: teamIds.filter((id) => id !== rep.id),
    }),
    loadFunnelFactsByRep(db, workspace.id, teamIds, period),
    firstFactAtByRep(db, workspace.id, [rep.id]),
    firstCloseOfWorkspace(db, workspace.id),
  ]);
  // The usual: only the earlier periods since the rep's record began (a partial first period left out). A fact
  // after the period diagnosed says nothing about the history before it.
  const first = firstFacts.get(rep.id);
  const firstFactAt = first && first.getTime() < period.end.getTime() ? first : null;
  const usual = new Set(usualPeriods(history, firstFactAt));
  // Won revenue, deals won and the win rate are read from closed deals: their usual also starts no earlier than
  // the workspace's record of closed deals (imported history that begins in March says nothing of February).
  const closesFrom =
    firstClose && firstFactAt && firstClose.getTime() > firstFactAt.getTime() && firstClose < period.end
      ? firstClose
      : null;
  const usualOfCloses = closesFrom ? new Set(usualPeriods(history, closesFrom)) : usual;
  const own: TFacts = repFacts.get(rep.id) ?? NO_FACTS;
  const valuesFor = (facts: TFacts, at: TPeriod) =>
    computeScalarMetrics({ facts, period: at, previous: previousPeriod(at, cal), now, targets: {} });
  const series = history.map((h) => ({
    key: h.key,
    values: valuesFor(own, h),
    usual: usual.has(h),
    usualOfCloses: usualOfCloses.has(h),
  }));
  const usualSeries = series.filter((s) => s.usual);
  const closesSeries = series.filter((s) => s.usualOfCloses);
  const current = computeScalarMetrics({ facts: own, period, previous, now, targets });

  const trends: TRepInsights['trends'] = {};
  const teammateValue = (totals: TTotalsFormula, id: string) =>
    totals.value({ ...NO_TOTALS, ...teamTotals.get(id) }, { period, now, targets: {} });
  const teamValues = teamIds.map((id) =>
    id === rep.id
      ? current
      : Object.fromEntries(TREND_FORMULAS.map((f) => [f.id, teammateValue(f.totals, id)])),
  );
  for (const id of TREND_METRICS) {
    const numbers = (xs: (number | null | undefined)[]) =>
      xs.filter((x): x is number => typeof x === 'number');
    const of = (CLOSED_DEAL_METRICS as readonly string[]).includes(id) ? closesSeries : usualSeries;
    trends[id] = {
      baseline: of.length < MIN_BASELINE_PERIODS ? null : median(numbers(of.map((s) => s.values[id]))),
      teamMedian: median(numbers(teamValues.map((v) => v[id]))),
    };
  }

  const settings = parseWorkspaceSettings(workspace.settings);
  const allFunnel = [...funnelFacts.values()];
  const teamDeals = allFunnel.flatMap((f) => f.deals);
  const teamChanges = allFunnel.flatMap((f) => f.changes);
  const stageOrder = funnelOrder(settings.funnelStages, teamDeals, teamChanges);
  const mine = funnelFacts.get(rep.id) ?? { deals: [], changes: [] };
  const repFunnel = funnelStats(mine.deals, mine.changes, stageOrder, period, now);
  const teamFunnel = funnelStats(teamDeals, teamChanges, stageOrder, period, now);
  const bottleneck = findBottleneck(repFunnel, teamFunnel, stageOrder);

  const snapshot = (key: string, v: Record<string, number | null>): TPeriodSnapshot => ({
    key,
    wonTotal: v['sales.won_total'] ?? 0,
    wonCount: v['sales.won_count'] ?? 0,
    winRate: v['opportunities.win_rate'] ?? null,
    created: v['opportunities.created'] ?? 0,
    outreach: v['outreach.total'] ?? 0,
    personalized: v['personalization.personalized'] ?? 0,
  });
  const scale = 10 ** minorDigits(workspace.currency);
  const diagnosis = diagnoseDecline(
    snapshot(period.label, current),
    closesSeries.map((s) => snapshot(s.key, s.values)),
    {
      repName: rep.name,
      usual: {
        unit: period.kind === 'custom' ? 'period' : period.kind,
        periodLabel: period.label,
        since: firstFactAt ? ([...history, period].find((p) => p.end > firstFactAt)?.label ?? null) : null,
        newThisPeriod: firstFactAt !== null && firstFactAt.getTime() >= period.start.getTime(),
        closesSince: closesFrom
          ? ([...history, period].find((p) => p.end > closesFrom)?.label ?? null)
          : null,
      },
      bottleneck,
      formatMoney: (minor) => formatMetric(minor / scale, 'money', workspace.currency, workspace.locale),
    },
  );
  return {
    current,
    funnel: { ...repFunnel, stageOrder, bottleneck },
    trends,
    diagnosis,
    history: series.map((s, i) => ({
      period: history[i] as TPeriod,
      wonTotal: s.values['sales.won_total'] ?? null,
    })),
  };
}
