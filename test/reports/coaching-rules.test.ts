import { describe, expect, it } from 'vitest';
import { diagnoseDecline, type TPeriodSnapshot } from '../../src/metrics/diagnosis.js';
import { targetProgress } from '../../src/metrics/targets.js';
import { evaluateRules, ruleConfig, type TCoachingInput } from '../../src/reports/coaching-rules.js';

const month = (key: string, wonTotal: number, wonCount: number, extra: Partial<TPeriodSnapshot> = {}) => ({
  key,
  wonTotal,
  wonCount,
  winRate: 0.5,
  created: 10,
  outreach: 100,
  personalized: 50,
  ...extra,
});
const usual = ['2026-04', '2026-05', '2026-06', '2026-07', '2026-08', '2026-09'].map((k, i) =>
  month(k, 2_000_000 + (i % 2) * 100_000, 2),
);
const money = (minor: number) => `$${(minor / 100).toFixed(2)}`;

function input(over: {
  lastWon?: [number, number];
  metrics?: Record<string, number | null>;
  lastMetrics?: Record<string, number | null>;
  pace?: TCoachingInput['current']['pace'];
  elapsed?: number;
  teamChurn?: number | null;
  trainingTracked?: boolean;
  outreachTracked?: boolean;
  recordings?: TCoachingInput['recordings'];
  bottleneck?: TCoachingInput['current']['bottleneck'];
}): TCoachingInput {
  const [won, count] = over.lastWon ?? [2_000_000, 2];
  const diagnosis = diagnoseDecline(month('2026-10', won, count, { winRate: count ? 0.2 : 0 }), usual, {
    repName: 'Lee Park',
    formatMoney: money,
  });
  return {
    repName: 'Lee Park',
    current: {
      key: '2026-11',
      label: 'November 2026',
      elapsed: over.elapsed ?? 0.5,
      metrics: over.metrics ?? {},
      pace: over.pace ?? {},
      bottleneck: over.bottleneck ?? null,
    },
    last: {
      key: '2026-10',
      label: 'October 2026',
      metrics: over.lastMetrics ?? {},
      diagnosis,
      teamChurn: over.teamChurn ?? null,
    },
    trainingTracked: over.trainingTracked ?? false,
    outreachTracked: over.outreachTracked ?? true,
    recordings: over.recordings ?? [],
    formatMoney: (v) => `$${v}`,
  };
}

const rulesOf = (i: TCoachingInput, config = ruleConfig()) => evaluateRules(i, config).map((a) => a.rule);
const nov = {
  kind: 'month' as const,
  start: new Date('2026-11-01T00:00Z'),
  end: new Date('2026-12-01T00:00Z'),
  key: '2026-11',
  label: 'November 2026',
};
const mid = new Date('2026-11-16T00:00Z');

describe('coaching alert rules', () => {
  it('stays quiet for a rep whose numbers are ordinary', () => {
    expect(rulesOf(input({}))).toEqual([]);
    // A dip inside the rep's usual spread, a couple of lost deals, pace fine: still quiet.
    expect(
      rulesOf(
        input({
          lastWon: [1_700_000, 2],
          lastMetrics: { 'opportunities.lost': 2, 'opportunities.created': 1 },
          pace: { 'outreach.total': targetProgress('outreach.total', 48, 100, nov, mid) },
        }),
      ),
    ).toEqual([]);
  });

  it('flags a real decline with the numbers, the likely reason, a next step and recorded calls', () => {
    const [alert] = evaluateRules(
      input({
        lastWon: [300_000, 1],
        recordings: [
          { url: 'https://calls.example.com/r/1', subject: 'Discovery call', at: '2026-11-10T10:00:00Z' },
        ],
      }),
      ruleConfig(),
    );
    expect(alert?.rule).toBe('sales_decline');
    expect(alert?.periodKey).toBe('2026-10');
    expect(alert?.headline).toBe("Lee Park's sales fell 85% below their usual in October 2026");
    expect(alert?.facts).toMatch(/\$3,?000\.00|\$3000\.00/);
    expect(alert?.reason.length).toBeGreaterThan(10);
    expect(alert?.nextStep).toMatch(/1:1 agenda: \(1\)/);
    expect(alert?.links).toEqual([
      { url: 'https://calls.example.com/r/1', label: 'Discovery call (2026-11-10)' },
    ]);
  });

  it('flags lost outpacing created only with enough lost deals', () => {
    expect(rulesOf(input({ lastMetrics: { 'opportunities.lost': 6, 'opportunities.created': 2 } }))).toEqual([
      'lost_outpacing_created',
    ]);
    expect(rulesOf(input({ lastMetrics: { 'opportunities.lost': 2, 'opportunities.created': 0 } }))).toEqual(
      [],
    );
  });

  it('flags outreach and personalized outreach behind pace, but not in the first quarter of the month', () => {
    const pace = {
      'outreach.total': targetProgress('outreach.total', 20, 200, nov, mid),
      'personalization.personalized': targetProgress('personalization.personalized', 5, 50, nov, mid),
    };
    expect(rulesOf(input({ pace }))).toEqual(['outreach_behind_pace', 'personalized_behind_pace']);
    expect(rulesOf(input({ pace, elapsed: 0.1 }))).toEqual([]);
    // A workspace that records no outreach at all gets no pace alerts.
    expect(rulesOf(input({ pace, outreachTracked: false }))).toEqual([]);
    const [alert] = evaluateRules(input({ pace }), ruleConfig());
    expect(alert?.facts).toMatch(/^20 so far against \d+ expected by now \(target 200; \d+% of pace/);
  });

  it('flags a funnel bottleneck, training gaps and churn above the team', () => {
    const bottleneck = {
      stage: 'Demo',
      reason: 'conversion' as const,
      rep: 0.2,
      team: 0.6,
      shortfall: 0.67,
      sample: 9,
    };
    expect(rulesOf(input({ bottleneck }))).toEqual(['funnel_bottleneck']);
    expect(
      rulesOf(input({ trainingTracked: true, metrics: { 'expertise.days_since_training': 120 } })),
    ).toEqual(['training_gap']);
    expect(
      rulesOf(
        input({
          trainingTracked: true,
          metrics: { 'expertise.days_since_training': 10, 'expertise.avg_score': 45 },
        }),
      ),
    ).toEqual(['training_gap']);
    // Nobody in the workspace takes quizzes: no training alerts.
    expect(
      rulesOf(input({ trainingTracked: false, metrics: { 'expertise.days_since_training': null } })),
    ).toEqual([]);
    const churn = { 'churn.first_year_churn_rate': 0.4, 'churn.customers_won': 5 };
    expect(rulesOf(input({ lastMetrics: churn, teamChurn: 0.1 }))).toEqual(['churn_above_team']);
    expect(rulesOf(input({ lastMetrics: { ...churn, 'churn.customers_won': 2 }, teamChurn: 0.1 }))).toEqual(
      [],
    );
  });

  it('honours each rule’s switch and threshold', () => {
    const lost = input({ lastMetrics: { 'opportunities.lost': 6, 'opportunities.created': 4 } });
    expect(rulesOf(lost)).toEqual(['lost_outpacing_created']);
    expect(rulesOf(lost, ruleConfig({ lost_outpacing_created: { enabled: false } }))).toEqual([]);
    expect(rulesOf(lost, ruleConfig({ lost_outpacing_created: { threshold: 2 } }))).toEqual([]);
    expect(
      rulesOf(input({ lastWon: [300_000, 1] }), ruleConfig({ sales_decline: { threshold: 0.9 } })),
    ).toEqual([]);
  });

  it('a stored threshold outside its range (saved before the ranges: 30 meant 3000%) falls back to the default', () => {
    const config = ruleConfig({
      sales_decline: { threshold: 30 },
      funnel_bottleneck: { threshold: 0.5 },
      training_gap: { threshold: 0 },
      lost_outpacing_created: { threshold: Number.POSITIVE_INFINITY },
      churn_above_team: { threshold: 0.07 },
    });
    expect(config.sales_decline.threshold).toBe(0.2);
    expect(config.funnel_bottleneck.threshold).toBe(0.5);
    expect(config.training_gap.threshold).toBe(90);
    expect(config.lost_outpacing_created.threshold).toBe(1);
    expect(config.churn_above_team.threshold).toBe(0.07);
    // So a decline of 50% alerts again, where 30 (3000%) kept the rule silent for ever.
    expect(rulesOf(input({ lastWon: [300_000, 1] }), config)).toContain('sales_decline');
  });
});
