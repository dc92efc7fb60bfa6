import { createRequire } from 'node:module';
import type { Chart, ChartConfiguration } from 'chart.js';
import { formatMetric } from '../reports/format.js';
import type { TChartSpec } from './spec.js';

const FONT_FAMILY = 'KPI Inter';

type TLibs = {
  Chart: typeof import('chart.js').Chart;
  createCanvas: typeof import('@napi-rs/canvas').createCanvas;
};
let libs: Promise<TLibs> | undefined;

/**
 * The canvas and chart.js, loaded on the first chart (about 60 MB and a noticeable start-up cost that a bot
 * which never draws, or the `kpi` command, should not pay), then the bundled fonts registered.
 */
function loadLibs(): Promise<TLibs> {
  libs ??= (async () => {
    const [{ createCanvas, GlobalFonts }, { Chart, registerables }] = await Promise.all([
      import('@napi-rs/canvas'),
      import('chart.js'),
    ]);
    Chart.register(...registerables);
    loadFonts(GlobalFonts, Chart);
    return { Chart, createCanvas };
  })();
  return libs;
}

/**
 * Registers the bundled Inter font (SIL Open Font License, from @fontsource/inter) so charts look the same on
 * every machine, including containers without system fonts. Glyphs outside Latin fall back to system fonts.
 */
function loadFonts(GlobalFonts: typeof import('@napi-rs/canvas').GlobalFonts, Chart: TLibs['Chart']) {
  const require = createRequire(import.meta.url);
  for (const file of [
    'inter-latin-400-normal.woff2',
    'inter-latin-ext-400-normal.woff2',
    'inter-latin-700-normal.woff2',
    'inter-latin-ext-700-normal.woff2',
  ]) {
    try {
      GlobalFonts.registerFromPath(require.resolve(`@fontsource/inter/files/${file}`), FONT_FAMILY);
    } catch {
      // A missing face only costs its glyphs: the system's sans-serif draws them.
    }
  }
  Chart.defaults.font.family = `'${FONT_FAMILY}', 'DejaVu Sans', 'Helvetica', 'Arial', sans-serif`;
  Chart.defaults.font.size = 13;
  Chart.defaults.color = '#1d1c1d';
}

export const CHART_WIDTH = 900;
export const CHART_HEIGHT = 450;
/** Drawn at twice the size so it stays sharp on high-density screens. */
const PIXEL_RATIO = 2;

const BLUE = '#1264a3';
const GREEN = '#2eb67d';
const GREY = '#9aa0a6';
const AMBER = '#ecb22e';
const RED = '#e01e5a';

/** Compact money formats by locale and currency: building one costs far more than formatting a label with it. */
const compactFormats = new Map<string, Intl.NumberFormat | null>();

/** Short axis labels for money: $12k, $1.2M. */
function compactMoney(value: number, currency: string, locale: string): string {
  const key = `${locale}\u0000${currency}`;
  let format = compactFormats.get(key);
  if (format === undefined) {
    try {
      format = new Intl.NumberFormat(locale, {
        style: 'currency',
        currency,
        notation: 'compact',
        minimumFractionDigits: 0,
        maximumFractionDigits: 1,
      });
    } catch {
      format = null;
    }
    // Bounded: a workspace has one locale and currency; odd ones from hostile input must not grow it for ever.
    if (compactFormats.size >= 256) compactFormats.clear();
    compactFormats.set(key, format);
  }
  return format ? format.format(value) : String(value);
}

function titlePlugin(spec: TChartSpec) {
  return {
    title: { display: true, text: spec.title, font: { size: 18, weight: 'bold' as const }, padding: 6 },
    subtitle: {
      display: Boolean(spec.subtitle),
      text: spec.subtitle ?? '',
      color: '#616061',
      padding: { bottom: 12 },
    },
  };
}

/** Draws values at the end of horizontal bars (chart.js has no data labels of its own). */
const barValueLabels = (format: (v: number) => string) => ({
  id: 'kpiBarValues',
  afterDatasetsDraw(chart: Chart) {
    const { ctx } = chart;
    ctx.save();
    ctx.fillStyle = '#1d1c1d';
    ctx.font = `12px '${FONT_FAMILY}', sans-serif`;
    ctx.textBaseline = 'middle';
    chart.getDatasetMeta(0).data.forEach((bar, i) => {
      const raw = chart.data.datasets[0]?.data[i];
      if (typeof raw !== 'number') return;
      const { x, y } = bar.getProps(['x', 'y'], true) as { x: number; y: number };
      ctx.fillText(format(raw), x + 6, y);
    });
    ctx.restore();
  },
});

export function configOf(spec: TChartSpec): ChartConfiguration {
  const money = (v: number) => compactMoney(v, spec.currency, spec.locale);
  const common = { responsive: false, animation: false as const, devicePixelRatio: PIXEL_RATIO };
  switch (spec.kind) {
    case 'won_vs_target':
      return {
        type: 'bar',
        data: {
          labels: spec.labels,
          datasets: [
            {
              type: 'bar',
              label: 'Won',
              data: spec.won,
              backgroundColor: spec.won.map((w, i) => {
                const t = spec.target[i];
                return t != null && t > 0 && w >= t ? GREEN : BLUE;
              }),
              order: 2,
            },
            ...(spec.target.every((t) => t == null)
              ? []
              : [
                  {
                    type: 'line',
                    label: 'Target',
                    data: spec.target,
                    borderColor: AMBER,
                    backgroundColor: AMBER,
                    borderWidth: 3,
                    pointRadius: 4,
                    spanGaps: true,
                    order: 1,
                  },
                ]),
          ],
        },
        options: {
          ...common,
          plugins: { ...titlePlugin(spec), legend: { position: 'bottom' } },
          scales: {
            y: {
              beginAtZero: true,
              title: { display: true, text: `Won revenue (${spec.currency})` },
              ticks: { callback: (v) => money(Number(v)) },
            },
          },
        },
      } as ChartConfiguration;
    case 'ranking': {
      const format = (v: number) => formatMetric(v, spec.unit, spec.currency, spec.locale);
      return {
        type: 'bar',
        data: {
          labels: spec.labels,
          datasets: [
            {
              label: spec.title,
              data: spec.values,
              backgroundColor: spec.labels.map((_, i) => (i === spec.highlight ? GREEN : BLUE)),
            },
          ],
        },
        options: {
          ...common,
          indexAxis: 'y',
          layout: { padding: { right: 90 } },
          plugins: { ...titlePlugin(spec), legend: { display: false } },
          scales: {
            x: {
              beginAtZero: true,
              ticks: { callback: (v) => (spec.unit === 'money' ? money(Number(v)) : format(Number(v))) },
            },
          },
        },
        plugins: [barValueLabels(format)],
      } as ChartConfiguration;
    }
    case 'funnel': {
      const labels = spec.stages.map((s, i) => {
        const c = spec.conversion[i];
        return c == null ? s : `${s} (${Math.round(c * 100)}% go on)`;
      });
      return {
        type: 'bar',
        data: {
          labels,
          datasets: [
            {
              label: 'Open deals',
              data: spec.open,
              backgroundColor: spec.stages.map((_, i) => (i === spec.bottleneck ? RED : GREY)),
            },
          ],
        },
        options: {
          ...common,
          indexAxis: 'y',
          layout: { padding: { right: 60 } },
          plugins: { ...titlePlugin(spec), legend: { display: false } },
          scales: {
            x: {
              beginAtZero: true,
              // A finished period's funnel shows the deals open at its end (docs/metrics.md), not today's.
              title: { display: true, text: spec.periodEnded ? 'Open at period end' : 'Open deals now' },
              ticks: { precision: 0 },
            },
          },
        },
        plugins: [barValueLabels((v) => String(v))],
      } as ChartConfiguration;
    }
  }
}

/** Renders a chart to PNG bytes in-process (about 20-40 ms). */
export async function renderChart(spec: TChartSpec): Promise<Buffer> {
  const { Chart, createCanvas } = await loadLibs();
  // chart.js scales the canvas by devicePixelRatio itself.
  const canvas = createCanvas(CHART_WIDTH, CHART_HEIGHT);
  const config = configOf(spec);
  config.plugins = [
    ...(config.plugins ?? []),
    {
      id: 'kpiBackground',
      // White background: in Slack's dark mode a transparent image would show dark text on dark grey.
      beforeDraw(chart: Chart) {
        chart.ctx.save();
        chart.ctx.fillStyle = '#ffffff';
        chart.ctx.fillRect(0, 0, chart.width, chart.height);
        chart.ctx.restore();
      },
    },
  ];
  const item = Object.assign(canvas, { style: {} }) as unknown as ConstructorParameters<typeof Chart>[0];
  const chart = new Chart(item, config);
  try {
    return await canvas.encode('png');
  } finally {
    chart.destroy();
  }
}
