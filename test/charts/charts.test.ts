import { createCanvas, loadImage } from '@napi-rs/canvas';
import { describe, expect, it } from 'vitest';
import { CHART_HEIGHT, CHART_WIDTH, renderChart } from '../../src/charts/render.js';
import type { TChartSpec } from '../../src/charts/spec.js';
import { funnelChart, leaderboardChart, scorecardChart } from '../../src/charts/specs.js';
import type { TLeaderboard } from '../../src/reports/leaderboard.js';
import type { TRepMetricsReport } from '../../src/reports/rep-metrics.js';

const base = { currency: 'USD', locale: 'en-US', alt: 'a chart' };

const wonVsTarget = (won: number[], target: (number | null)[]): TChartSpec => ({
  ...base,
  kind: 'won_vs_target',
  name: 'won',
  title: 'Dana Scott · won vs target',
  labels: won.map((_, i) => `M${i + 1}`),
  won,
  target,
});

/** Width and height from a PNG's IHDR chunk, after checking the signature. */
function pngSize(png: Buffer): { width: number; height: number } {
  expect([...png.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  expect(png.subarray(12, 16).toString('latin1')).toBe('IHDR');
  expect(png.subarray(png.length - 8, png.length - 4).toString('latin1')).toBe('IEND');
  return { width: png.readUInt32BE(16), height: png.readUInt32BE(20) };
}

/** Decodes the PNG and counts pixels close to a colour, optionally within rows [fromY, toY). */
async function countPixels(png: Buffer, rgb: [number, number, number], rows?: [number, number]) {
  const img = await loadImage(png);
  const canvas = createCanvas(img.width, img.height);
  const ctx = canvas.getContext('2d');
  ctx.drawImage(img, 0, 0);
  const [y0, y1] = rows ?? [0, img.height];
  const data = ctx.getImageData(0, y0, img.width, y1 - y0).data;
  let n = 0;
  for (let i = 0; i < data.length; i += 4) {
    const d =
      Math.abs((data[i] ?? 0) - rgb[0]) +
      Math.abs((data[i + 1] ?? 0) - rgb[1]) +
      Math.abs((data[i + 2] ?? 0) - rgb[2]);
    if (d < 30) n++;
  }
  return n;
}

const GREEN: [number, number, number] = [0x2e, 0xb6, 0x7d];
const RED: [number, number, number] = [0xe0, 0x1e, 0x5a];
const TEXT: [number, number, number] = [0x1d, 0x1c, 0x1d];

describe('chart PNGs', () => {
  it('renders won vs target as a valid PNG of sensible size, with a title drawn at the top', async () => {
    const png = await renderChart(wonVsTarget([80_000, 95_000, 122_127], [100_000, 100_000, 110_000]));
    expect(pngSize(png)).toEqual({ width: CHART_WIDTH * 2, height: CHART_HEIGHT * 2 });
    expect(png.length).toBeGreaterThan(10_000);
    expect(png.length).toBeLessThan(1_000_000);
    // The title's dark glyphs sit in the top band; the rest of the band is white.
    expect(await countPixels(png, TEXT, [0, 80])).toBeGreaterThan(300);
  });

  it('colours the months that met their target green, and only those', async () => {
    const met = await renderChart(wonVsTarget([80_000, 120_000], [100_000, 100_000]));
    const none = await renderChart(wonVsTarget([80_000, 90_000], [100_000, 100_000]));
    expect(await countPixels(met, GREEN)).toBeGreaterThan(5_000);
    expect(await countPixels(none, GREEN)).toBe(0);
  });

  it('marks the bottleneck stage red in the funnel, and nothing red without one', async () => {
    const spec: TChartSpec = {
      ...base,
      kind: 'funnel',
      name: 'f',
      title: 'Funnel',
      stages: ['Prospecting', 'Engaging'],
      open: [12, 30],
      conversion: [0.8, 0.45],
    };
    expect(await countPixels(await renderChart({ ...spec, bottleneck: 1 }), RED)).toBeGreaterThan(5_000);
    expect(await countPixels(await renderChart(spec), RED)).toBe(0);
  });

  it('highlights the asker in a ranking', async () => {
    const spec: TChartSpec = {
      ...base,
      kind: 'ranking',
      name: 'r',
      title: 'Won revenue',
      unit: 'money',
      labels: ['1. Ann', '2. Bo'],
      values: [300, 100],
    };
    expect(await countPixels(await renderChart({ ...spec, highlight: 1 }), GREEN)).toBeGreaterThan(1_000);
    expect(await countPixels(await renderChart(spec), GREEN)).toBe(0);
  });

  it('survives hostile labels and missing values with the same size', async () => {
    const png = await renderChart({
      ...base,
      kind: 'ranking',
      name: 'r',
      title: `<!channel> ${'x'.repeat(5_000)}`,
      unit: 'money',
      labels: ['<script>alert(1)</script>', 'Zoë Łukasz', '伊藤 花子', 'y'.repeat(2_000)],
      values: [Number.NaN, null, -5, 1e15],
    });
    expect(pngSize(png)).toEqual({ width: CHART_WIDTH * 2, height: CHART_HEIGHT * 2 });
  });
});

const report = (history: TRepMetricsReport['history']): TRepMetricsReport =>
  ({
    rep: { id: 'r1', name: 'Dana Scott', email: null, slackUserId: 'U0DANA' },
    period: { key: '2017-06', label: 'June 2017', start: '', end: '' },
    currency: 'USD',
    locale: 'en-US',
    metrics: {
      'funnel.open_by_stage': { Prospecting: 3, Engaging: 7 },
      'funnel.stage_conversion': { Prospecting: 0.5, Engaging: null },
      'funnel.bottleneck': { stage: 'Engaging' },
    },
    history,
  }) as unknown as TRepMetricsReport;

describe('chart specs from reports', () => {
  it('the scorecard chart carries each period, its won total and target, and says so in the alt text', () => {
    const spec = scorecardChart(
      report([
        { key: '2017-05', label: 'May 2017', won: 95_118, target: null },
        { key: '2017-06', label: 'June 2017', won: 122_127, target: 110_000 },
      ]),
    );
    expect(spec?.kind).toBe('won_vs_target');
    if (spec?.kind !== 'won_vs_target') return;
    expect(spec.won).toEqual([95_118, 122_127]);
    expect(spec.target).toEqual([null, 110_000]);
    expect(spec.alt).toBe(
      'Won revenue against target for Dana Scott: May 2017 $95,118; June 2017 $122,127 (target $110,000).',
    );
    expect(spec.name).toBe('kpi-dana-scott-won-2017-06');
  });

  it('no chart without anything to draw', () => {
    expect(
      scorecardChart(report([{ key: '2017-06', label: 'June 2017', won: null, target: null }])),
    ).toBeUndefined();
    const empty = { ...report([]), metrics: { 'funnel.open_by_stage': {} } } as TRepMetricsReport;
    expect(funnelChart(empty)).toBeUndefined();
  });

  it('the funnel chart points at the bottleneck stage', () => {
    const spec = funnelChart(report([]));
    expect(spec?.kind === 'funnel' && spec.bottleneck).toBe(1);
    expect(spec?.alt).toBe(
      'Funnel of Dana Scott, June 2017: Prospecting 3 open, 50% went further; Engaging 7 open. Bottleneck: Engaging.',
    );
  });

  it('the leaderboard chart shows at most ten reps with data and highlights the asker', () => {
    const rows = Array.from({ length: 14 }, (_, i) => ({
      rank: i + 1,
      rep: { id: `r${i}`, name: `Rep ${i}`, email: null, slackUserId: null },
      value: i === 13 ? null : 1000 - i,
    }));
    const board = {
      metric: 'sales.won_total',
      period: { key: '2017-06', label: 'June 2017', start: '', end: '' },
      currency: 'USD',
      locale: 'en-US',
      rows,
    } as TLeaderboard;
    const spec = leaderboardChart(board, 'r3');
    expect(spec?.kind === 'ranking' && spec.values.length).toBe(10);
    expect(spec?.kind === 'ranking' && spec.highlight).toBe(3);
    expect(
      leaderboardChart(board, 'r12')?.kind === 'ranking' &&
        'highlight' in (leaderboardChart(board, 'r12') ?? {}),
    ).toBe(false);
    expect(leaderboardChart({ ...board, rows: [] })).toBeUndefined();
    // Slack refuses upload alt text over 1,000 characters.
    const long = { ...board, rows: rows.map((r) => ({ ...r, rep: { ...r.rep, name: 'n'.repeat(500) } })) };
    expect(leaderboardChart(long)?.alt.length).toBeLessThanOrEqual(1000);
  });
});
