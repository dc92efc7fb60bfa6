import type { TLeaderboard } from '../../src/reports/leaderboard.js';
import type { TRepMetricsReport } from '../../src/reports/rep-metrics.js';
import type { TTeamMetricsReport } from '../../src/reports/team-metrics.js';

/** Names a view must show as written in a terminal and escape in Slack. */
export const HOSTILE = {
  markup: '*Bold* _it_ ~x~ `code` <!here> <@U1> &amp; > quote',
  long: `Maximiliana ${'Wolfeschlegelsteinhausenberger'.repeat(4)} Dorff`,
  emoji: 'Zoë 👩🏽‍💻 🚀',
  rtl: 'سارة محمد',
  cjk: '山田太郎',
};

const PERIOD = {
  key: '2017-06',
  label: 'June 2017',
  start: '2017-06-01T00:00:00.000Z',
  end: '2017-07-01T00:00:00.000Z',
};

/** A hand-made scorecard report: won $2,500.50 of a $5,000 target, behind pace, up 25% on the rep's usual. */
export function repReport(name: string, over: Partial<TRepMetricsReport> = {}): TRepMetricsReport {
  return {
    rep: { id: 'r1', name, email: null, slackUserId: 'U1' },
    period: PERIOD,
    previousPeriod: { key: '2017-05', start: '2017-05-01T00:00:00.000Z', end: '2017-06-01T00:00:00.000Z' },
    // Asked about while June 2017 is still under way: pace words, not met or missed.
    periodEnded: false,
    currency: 'USD',
    locale: 'en-US',
    metrics: {
      'sales.won_total': 2500.5,
      'opportunities.created_to_lost_ratio': 2,
      'opportunities.win_rate': 0.5,
      'outreach.total': 120,
      'linkedin.followers': null,
      'social.likes_per_post': null,
      'conversion.rate': null,
      'expertise.avg_score': 88,
      'personalization.personalized': 30,
      'churn.first_year_churned': 0,
      'funnel.open_by_stage': { Qualify: 3, [HOSTILE.markup]: 1 },
      'funnel.stage_conversion': { Qualify: 0.5, [HOSTILE.markup]: null },
      'funnel.median_days_in_stage': { Qualify: 4.25, [HOSTILE.markup]: null },
      'funnel.bottleneck': { stage: HOSTILE.markup, reason: 'conversion', rep: 0.2, team: 0.6, sample: 10 },
    },
    trends: { 'sales.won_total': { baseline: 2000.4, teamMedian: 1800 } },
    diagnosis: {
      verdict: 'declining',
      current: {
        key: '2017-06',
        wonTotal: 2500.5,
        wonCount: 2,
        winRate: 0.5,
        created: 4,
        outreach: 120,
        personalized: 30,
      },
      baseline: {
        periods: ['2017-03', '2017-04', '2017-05'],
        wonTotal: 2000.4,
        wonCount: 3,
        avgDealSize: 666.8,
        winRate: 0.6,
        created: 5,
        outreach: 100,
        personalized: 20,
      },
      change: -0.3,
      countShare: 0.7,
      driver: 'fewer_deals_pipeline',
      explanation: `${name} won fewer deals than usual: create more pipeline in ${HOSTILE.markup}.`,
    },
    targets: { 'sales.won_total': 5000 },
    pace: {
      'sales.won_total': {
        target: 5000,
        actual: 2500.5,
        kind: 'sum',
        lowerIsBetter: false,
        atTarget: false,
        attainment: 0.5001,
        expectedByNow: 3000,
        paceRatio: 0.83,
        projected: 4000,
        gap: 2499.5,
      },
    },
    history: [{ key: '2017-06', label: 'June 2017', won: 2500.5, target: 5000 }],
    ...over,
  };
}

export function board(names: string[]): TLeaderboard {
  return {
    metric: 'sales.won_total',
    period: PERIOD,
    currency: 'USD',
    locale: 'en-US',
    // Every rep but the last has a result (ranked); the last has none, so is counted, not ranked.
    rows: names.slice(0, -1).map((name, i) => ({
      rank: i + 1,
      rep: { id: `r${i + 1}`, name, email: null, slackUserId: null },
      value: 1000.25 * (names.length - i),
    })),
    ranked: Math.max(0, names.length - 1),
    unranked: names.length ? 1 : 0,
    own: null,
  };
}

export function teamReport(names: string[]): TTeamMetricsReport {
  const metrics = (won: number | null) => ({
    'sales.won_total': won,
    'opportunities.win_rate': 0.5,
    'opportunities.created_to_lost_ratio': 1.5,
    'outreach.total': 40,
    'personalization.personalized': 10,
  });
  return {
    team: { manager: { id: 'm1', name: 'Mona <b>' }, reps: names.map((name, i) => ({ id: `r${i}`, name })) },
    period: PERIOD,
    currency: 'USD',
    locale: 'en-US',
    metric: 'sales.won_total',
    comparison: { key: '2017-05', start: '2017-05-01T00:00:00.000Z', end: '2017-05-10T00:00:00.000Z' },
    metrics: metrics(10_000.75),
    // Ranked by won revenue as the report ranks: the first rep (100) last, the rest (5,000 each) by name.
    byRep: names
      .map((name, i) => ({
        id: `r${i}`,
        name,
        rank: 0 as number | null,
        metrics: metrics(i === 0 ? 100 : 5000),
        before: metrics(4000),
        targets: { 'sales.won_total': 30_000 / names.length },
      }))
      .sort(
        (a, b) =>
          (b.metrics['sales.won_total'] ?? 0) - (a.metrics['sales.won_total'] ?? 0) ||
          a.name.localeCompare(b.name),
      )
      .map((r, i) => ({ ...r, rank: i + 1 })),
    targets: { 'sales.won_total': 30_000 },
  };
}
