import { describe, expect, it } from 'vitest';
import { configOf, renderChart } from '../../src/charts/render.js';
import { funnelChart } from '../../src/charts/specs.js';
import type { TRepMetricsReport } from '../../src/reports/rep-metrics.js';

// Issue 14: a past period's funnel shows the deals open at its end, so its axis must not say "now".

const report = (periodEnded: boolean): TRepMetricsReport =>
  ({
    rep: { id: 'r1', name: 'Darcel Schlecht', email: null, slackUserId: null },
    period: { key: '2017-06', label: 'June 2017', start: '', end: '' },
    periodEnded,
    currency: 'USD',
    locale: 'en-US',
    metrics: {
      'funnel.open_by_stage': { Prospecting: 3, Engaging: 7 },
      'funnel.stage_conversion': { Prospecting: 0.5, Engaging: null },
      'funnel.bottleneck': null,
    },
    history: [],
  }) as unknown as TRepMetricsReport;

const axisTitle = (periodEnded: boolean) => {
  const spec = funnelChart(report(periodEnded));
  if (!spec) throw new Error('no funnel chart');
  const scales = configOf(spec).options?.scales as { x?: { title?: { text?: string } } } | undefined;
  return scales?.x?.title?.text;
};

describe('the funnel chart says when its deals were open', () => {
  it('"Open at period end" for a period that has ended, "Open deals now" for the current one', async () => {
    expect(axisTitle(true)).toBe('Open at period end');
    expect(axisTitle(false)).toBe('Open deals now');
    const spec = funnelChart(report(true));
    expect(spec?.kind === 'funnel' && spec.periodEnded).toBe(true);
    // It still renders.
    expect((await renderChart(spec as NonNullable<typeof spec>)).length).toBeGreaterThan(1000);
  });
});
