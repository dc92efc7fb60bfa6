import type { TMetricUnit } from '../metrics/scalar.js';

/**
 * A chart as data: what a reply wants drawn, independent of how (PNG in Slack, a file in the shell). Values are
 * as reports show them (money in major units). `alt` describes the data for screen readers and Slack's alt text.
 */
export type TChartSpec = {
  /** File name without extension, e.g. `kpi-won-2017-06`. */
  name: string;
  title: string;
  subtitle?: string;
  alt: string;
  currency: string;
  locale: string;
} & (
  | {
      kind: 'won_vs_target';
      /** Period labels, oldest first; the last is the period asked about. */
      labels: string[];
      won: number[];
      target: (number | null)[];
    }
  | {
      kind: 'ranking';
      unit: TMetricUnit;
      labels: string[];
      values: (number | null)[];
      /** Index of the bar to highlight (the asker). */
      highlight?: number;
    }
  | {
      kind: 'funnel';
      stages: string[];
      open: number[];
      /** Share of deals that went further from each stage, or null when none entered it. */
      conversion: (number | null)[];
      /** Index of the bottleneck stage, drawn in the warning colour. */
      bottleneck?: number;
      /** The report's period had ended: the deals shown were open at its end, not now. */
      periodEnded?: boolean;
    }
);
